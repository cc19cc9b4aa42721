/** The parent's handle on a load.ts child: one request at a time, each answered once, each bounded. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './load.js';

const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));

export class LoadChild {
  readonly #proc: ChildProcess;
  #waiting: { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void } | null = null;
  #exited = false;

  constructor(readonly name: string) {
    // The child inherits this process's execArgv (--import tsx, and --cpu-prof if given).
    this.#proc = fork(LOAD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#proc.on('message', (m: FromChild) => {
      const w = this.#waiting;
      this.#waiting = null;
      if (!w) return;
      if (m.type === 'ok') w.resolve(m);
      else w.reject(new Error(`${name}: ${m.message}`));
    });
    this.#proc.on('exit', (code) => {
      this.#exited = true;
      this.#waiting?.reject(new Error(`${name} exited (code ${code})`));
      this.#waiting = null;
    });
  }

  call(m: ToChild, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} has exited`));
    if (this.#waiting) return Promise.reject(new Error(`${this.name} is busy`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        reject(new Error(`${this.name}: no answer to ${m.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#proc.send(m);
    });
  }

  /** Asks the child to close its clients and exit; kills it (by its pid) if it does not. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((r) => this.#proc.once('exit', () => r()));
    await this.call({ type: 'stop' }, 5000).catch(() => {});
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
