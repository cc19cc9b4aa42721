/**
 * The serial line to a sign: serialport 13 opens it (7E1 at 9600 by default, as Alpha signs
 * ship), the Alpha parser reads what comes back, and a port that cannot be opened or that goes away
 * (the RS-485 adapter unplugged, the cable pulled, the pty's other end gone) is opened again with
 * backoff: `reconnectMinMs` doubling up to `reconnectMaxMs`, back to the minimum after an open that
 * works (hardware/serial/reopening-port.ts). Nothing throws from a callback: it shows in
 * `connected`, the listeners and the log.
 *
 * The port is made by `openPort`, so the simulated sign hands in an in-memory one (emulator.ts).
 */
import fs from 'node:fs';
import { AlphaParser, type AlphaEvent, type AlphaParserStats } from '../../protocols/alpha/index.js';
import type { Logger } from '../../protocols/index.js';
import { openSerialPort } from '../serial/port.js';
import { ReopeningPort, type PortLike } from '../serial/reopening-port.js';

/** What the link needs of a port: node-serialport's stream, or anything shaped like it. */
export interface SignPortLike extends PortLike {
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): boolean;
  drain?(callback: (err: Error | null) => void): void;
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
  return openSerialPort({ path: s.path, baudRate: s.baudRate, dataBits: s.dataBits, parity: s.parity, stopBits: s.stopBits });
}

export class SignLink {
  readonly #options: SignLinkOptions;
  readonly #listener: SignLinkListener;
  readonly #parser = new AlphaParser();
  readonly #port: ReopeningPort<SignPortLike>;

  constructor(options: SignLinkOptions, listener: SignLinkListener) {
    this.#options = options;
    this.#listener = listener;
    const settings: SerialSettings = { path: options.path, baudRate: options.baudRate, dataBits: options.dataBits, parity: options.parity, stopBits: options.stopBits };
    const log = options.log;
    this.#port = new ReopeningPort(
      {
        makePort: () => (options.openPort ?? serialportPort)(settings),
        reconnectMinMs: options.reconnectMinMs ?? 1000,
        reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
        // A real port's device node: gone when the adapter is unplugged (an injected port has none).
        ...(options.openPort ? {} : { present: () => fs.existsSync(options.path) }),
      },
      {
        data: (chunk) => {
          for (const event of this.#parser.push(chunk)) this.#emit(() => this.#listener.event(event));
        },
        opened: () => {
          log?.info('sign port open', { path: options.path });
          this.#emit(() => this.#listener.connected());
        },
        lost: (why, wasOpen) => {
          for (const event of this.#parser.cut()) this.#emit(() => this.#listener.event(event));
          log?.warn('sign port lost', { path: options.path, why });
          if (wasOpen) this.#emit(() => this.#listener.disconnected(why));
        },
        failed: (err, retryInMs) => log?.warn('sign port cannot open', { path: options.path, error: err instanceof Error ? err.message : String(err), retryInMs }),
        portError: (err) => log?.debug('sign port error', { path: options.path, error: err.message }),
      },
    );
  }

  get connected(): boolean {
    return this.#port.isOpen;
  }

  /** Times an open port went away, since creation. */
  get disconnects(): number {
    return this.#port.disconnects;
  }

  /** Opens that failed, since creation. */
  get openFailures(): number {
    return this.#port.openFailures;
  }

  parserStats(): AlphaParserStats {
    return this.#parser.stats();
  }

  /** Resolves after the first attempt to open, whether it worked or a retry is scheduled. */
  start(): Promise<void> {
    return this.#port.start();
  }

  async stop(): Promise<void> {
    await this.#port.stop();
    this.#parser.cut();
  }

  /** Writes `bytes` and waits until they have left (drain); rejects when the port is not open or the write fails. */
  write(bytes: Uint8Array): Promise<void> {
    const port = this.#port.port;
    if (!port) return Promise.reject(new Error('the sign port is not open'));
    return new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => {
        if (err) return reject(err);
        if (port.drain) port.drain((e) => (e ? reject(e) : resolve()));
        else resolve();
      });
    });
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
