/**
 * The serial line to a sign: serialport 13 opens it (7E1 at 9600 by default, as Alpha signs
 * ship), the Alpha parser reads what comes back, and a port that cannot be opened or that goes away
 * (the RS-485 adapter unplugged, the cable pulled, the pty's other end gone) is opened again with
 * backoff: `reconnectMinMs` doubling up to `reconnectMaxMs`, back to the minimum after an open that
 * works. Nothing throws from a callback: it shows in `connected`, the listeners and the log.
 *
 * The port is made by `openPort`, so the simulated sign hands in an in-memory one (emulator.ts).
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { AlphaParser, type AlphaEvent, type AlphaParserStats } from '../../protocols/alpha/index.js';
import type { Logger } from '../../protocols/index.js';

/** What the link needs of a port: node-serialport's stream, or anything shaped like it. */
export interface SignPortLike extends EventEmitter {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): boolean;
  drain?(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
}

export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'even' | 'odd' | 'none';
  stopBits: 1 | 2;
}

export interface SignLinkOptions extends SerialSettings {
  log?: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  openPort?: (settings: SerialSettings) => SignPortLike;
}

export interface SignLinkListener {
  event(event: AlphaEvent): void;
  connected(): void;
  disconnected(why: string): void;
}

function serialportPort(s: SerialSettings): SignPortLike {
  return new SerialPort({ path: s.path, baudRate: s.baudRate, dataBits: s.dataBits, parity: s.parity, stopBits: s.stopBits, autoOpen: false });
}

export class SignLink {
  readonly #options: SignLinkOptions;
  readonly #listener: SignLinkListener;
  readonly #parser = new AlphaParser();
  #port: SignPortLike | null = null;
  #connected = false;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #backoffMs: number;
  #settling: Promise<void> = Promise.resolve();
  disconnects = 0;
  openFailures = 0;

  constructor(options: SignLinkOptions, listener: SignLinkListener) {
    this.#options = options;
    this.#listener = listener;
    this.#backoffMs = options.reconnectMinMs ?? 1000;
  }

  get connected(): boolean {
    return this.#connected;
  }

  parserStats(): AlphaParserStats {
    return this.#parser.stats();
  }

  /** Resolves after the first attempt to open, whether it worked or a retry is scheduled. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#backoffMs = this.#options.reconnectMinMs ?? 1000;
    this.#open();
    await this.#settling;
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#settling;
    const port = this.#port;
    this.#port = null;
    this.#connected = false;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (port) {
      port.removeAllListeners();
      port.on('error', () => {});
    }
    this.#parser.cut();
  }

  /** Writes `bytes` and waits until they have left (drain); rejects when the port is not open or the write fails. */
  write(bytes: Uint8Array): Promise<void> {
    const port = this.#port;
    if (!port || !this.#connected) return Promise.reject(new Error('the sign port is not open'));
    return new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => {
        if (err) return reject(err);
        if (port.drain) port.drain((e) => (e ? reject(e) : resolve()));
        else resolve();
      });
    });
  }

  #open(): void {
    this.#timer = null;
    if (!this.#running) return;
    const settings: SerialSettings = { path: this.#options.path, baudRate: this.#options.baudRate, dataBits: this.#options.dataBits, parity: this.#options.parity, stopBits: this.#options.stopBits };
    let port: SignPortLike;
    try {
      port = (this.#options.openPort ?? serialportPort)(settings);
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.#port = port;
    port.on('error', (err: Error) => this.#options.log?.debug('sign port error', { path: this.#options.path, error: err.message }));
    port.on('data', (chunk: Buffer) => {
      for (const event of this.#parser.push(chunk)) this.#emit(() => this.#listener.event(event));
    });
    port.on('close', (err: Error | null) => this.#lost(port, err ? err.message : 'closed'));
    port.on('end', () => this.#lost(port, 'end of stream'));
    this.#settling = new Promise<void>((resolve) => {
      port.open((err) => {
        resolve();
        if (err) {
          if (this.#port === port) this.#port = null;
          port.removeAllListeners();
          port.on('error', () => {});
          this.#failed(err);
          return;
        }
        if (!this.#running || this.#port !== port) return; // stop() came meanwhile: it closes the port
        this.#backoffMs = this.#options.reconnectMinMs ?? 1000;
        this.#connected = true;
        this.#options.log?.info('sign port open', { path: this.#options.path });
        this.#emit(() => this.#listener.connected());
      });
    });
  }

  #lost(port: SignPortLike, why: string): void {
    if (this.#port !== port) return;
    this.#port = null;
    const was = this.#connected;
    this.#connected = false;
    for (const event of this.#parser.cut()) this.#emit(() => this.#listener.event(event));
    if (was) this.disconnects++;
    this.#options.log?.warn('sign port lost', { path: this.#options.path, why });
    const closed = port.isOpen
      ? new Promise<void>((resolve) => {
          try {
            port.close(() => resolve());
          } catch {
            resolve();
          }
        })
      : Promise.resolve();
    this.#settling = closed.then(() => {
      port.removeAllListeners();
      port.on('error', () => {});
    });
    if (was) this.#emit(() => this.#listener.disconnected(why));
    this.#schedule();
  }

  #failed(err: unknown): void {
    this.openFailures++;
    this.#options.log?.warn('sign port cannot open', { path: this.#options.path, error: err instanceof Error ? err.message : String(err), retryInMs: this.#backoffMs });
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running || this.#timer) return;
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.reconnectMaxMs ?? 30_000);
    this.#timer = setTimeout(() => this.#open(), wait);
  }

  /** A listener that throws is logged, never lets the error out of a port callback. */
  #emit(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#options.log?.error('sign link listener failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
