/**
 * Two pseudo-terminals joined by socat, for the serial tests (GNSS, Firmata doors):
 * `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`, the /dev/pts paths read from what it
 * prints on stderr. `a` and `b` are the symlinks socat makes to them, so the paths stay the same
 * when socat is killed (the cable pulled) and started again (put back).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export class PtyPair {
  readonly a: string;
  readonly b: string;
  /** The /dev/pts devices of the running socat, as it printed them. */
  pts: string[] = [];
  #socat: ChildProcess | null = null;

  constructor(a: string, b: string) {
    this.a = a;
    this.b = b;
  }

  static available(): boolean {
    return !spawnSync('socat', ['-V'], { stdio: 'ignore' }).error;
  }

  async up(): Promise<void> {
    for (const link of [this.a, this.b]) fs.rmSync(link, { force: true });
    const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#socat = socat;
    let stderr = '';
    try {
      this.pts = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`socat did not start: ${stderr}`)), 5000);
        socat.once('error', reject);
        socat.once('exit', (code) => reject(new Error(`socat exited with ${code}: ${stderr}`)));
        socat.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const pts = [...stderr.matchAll(/PTY is (\/dev\/pts\/\d+)/g)].map((m) => m[1]!);
          if (pts.length === 2 && /starting data transfer loop/.test(stderr)) {
            clearTimeout(timer);
            socat.removeAllListeners('exit');
            socat.removeAllListeners('error');
            resolve(pts);
          }
        });
      });
    } catch (err) {
      await this.down();
      throw err;
    }
  }

  /** socat killed outright, its ptys gone with it, the paths no longer there. Idempotent. */
  async down(): Promise<void> {
    const socat = this.#socat;
    this.#socat = null;
    if (socat && socat.exitCode === null && socat.signalCode === null) {
      const exited = new Promise((resolve) => socat.once('exit', resolve));
      socat.kill('SIGKILL');
      await exited;
    }
    for (const link of [this.a, this.b]) fs.rmSync(link, { force: true });
  }
}
