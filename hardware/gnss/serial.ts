/**
 * A GNSS receiver on a serial port: serialport 13 reads the bytes, the chain (chain.ts) does the
 * rest. A port that cannot be opened, or that goes away (a USB receiver unplugged, a cable pulled
 * mid-sentence, the pty's other end gone), is opened again with backoff: 1 s, doubling, at most
 * 30 s, back to 1 s after each open that works. None of it throws from a callback: it shows in
 * stats().connected and in the log.
 *
 * The port is made by `openPort`, so tests may hand in another transport; the real one is enough
 * for a pty pair made by socat (test/hardware/gnss-serial.test.ts).
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { GnssFix, Logger } from '../../protocols/index.js';
import { NmeaChain, type ChainOptions } from './chain.js';
import type { GnssReceiver, GnssStats } from './gnss.js';

/** What the driver needs of a port: node-serialport's stream, or anything shaped like it. */
export interface SerialPortLike extends EventEmitter {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
}

export interface SerialGnssOptions extends ChainOptions {
  /** The device: `/dev/serial0` on a Pi's GPIO UART, `/dev/ttyUSB0` or `/dev/ttyACM0` for a USB receiver. */
  path: string;
  /** NMEA 0183's rate is 4800; most receivers today send at 9600 (the default). */
  baudRate?: number;
  /** First wait before opening again, ms (1000). It doubles on each failure up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  /** Longest wait between attempts, ms (30 000). */
  reconnectMaxMs?: number;
  /** Makes the port (closed); a node-serialport `SerialPort` unless a test gives another. */
  openPort?: (options: { path: string; baudRate: number }) => SerialPortLike;
}

const DEFAULT_BAUD_RATE = 9600;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

function serialportPort(options: { path: string; baudRate: number }): SerialPortLike {
  return new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
}

export class SerialGnss implements GnssReceiver {
  readonly #options: SerialGnssOptions;
  readonly #chain: NmeaChain;
  readonly #log: Logger | undefined;
  #port: SerialPortLike | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #backoffMs: number;
  /** Settles when the port being opened or closed has finished doing so. */
  #settling: Promise<void> = Promise.resolve();
  #openFailures = 0;
  #disconnects = 0;

  constructor(options: SerialGnssOptions) {
    this.#options = { ...options };
    this.#chain = new NmeaChain(options);
    this.#log = options.log;
    this.#backoffMs = options.reconnectMinMs ?? RECONNECT_MIN_MS;
  }

  get path(): string {
    return this.#options.path;
  }

  /** Opens that failed (the port not there, not ours to open), since creation. */
  get openFailures(): number {
    return this.#openFailures;
  }

  /** Times an open port went away (unplugged, cable pulled), since creation. */
  get disconnects(): number {
    return this.#disconnects;
  }

  /** Resolves after the first attempt to open the port, whether it worked or a retry is scheduled. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#backoffMs = this.#options.reconnectMinMs ?? RECONNECT_MIN_MS;
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
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (port) port.removeAllListeners();
    this.#chain.cut();
    this.#chain.connected = false;
  }

  onFix(listener: (fix: GnssFix) => void): () => void {
    return this.#chain.onFix(listener);
  }

  stats(): GnssStats {
    return this.#chain.stats();
  }

  #open(): void {
    this.#timer = null;
    if (!this.#running) return;
    let port: SerialPortLike;
    try {
      port = (this.#options.openPort ?? serialportPort)({ path: this.#options.path, baudRate: this.#options.baudRate ?? DEFAULT_BAUD_RATE });
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.#port = port;
    // Errors a port emits outside an open or close (a failed write, say) must not become
    // uncaught exceptions: a disconnect comes as 'close', and that is what acts on it.
    port.on('error', (err: Error) => this.#log?.debug('serial port error', { path: this.#options.path, error: err.message }));
    port.on('data', (chunk: Buffer) => this.#chain.push(chunk));
    port.on('end', () => this.#lost(port, 'end of stream'));
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => this.#lost(port, err ? err.message : 'closed'));
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
        if (!this.#running || this.#port !== port) {
          // stop() came while the port was opening: it waits on #settling and closes it.
          return;
        }
        this.#backoffMs = this.#options.reconnectMinMs ?? RECONNECT_MIN_MS;
        this.#chain.connected = true;
        this.#log?.info('gnss receiver connected', { path: this.#options.path });
      });
    });
  }

  /** The port went away or ended: drop what was mid-sentence, close what is left, try again. */
  #lost(port: SerialPortLike, why: string): void {
    if (this.#port !== port) return;
    this.#port = null;
    const wasConnected = this.#chain.connected;
    this.#chain.cut();
    this.#chain.connected = false;
    if (wasConnected) this.#disconnects++;
    this.#log?.warn('gnss receiver disconnected', { path: this.#options.path, why });
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
    this.#schedule();
  }

  #failed(err: unknown): void {
    this.#openFailures++;
    this.#chain.connected = false;
    this.#log?.warn('gnss receiver cannot open its port', { path: this.#options.path, error: err instanceof Error ? err.message : String(err), retryInMs: this.#backoffMs });
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running || this.#timer) return;
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.reconnectMaxMs ?? RECONNECT_MAX_MS);
    this.#timer = setTimeout(() => this.#open(), wait);
  }
}
