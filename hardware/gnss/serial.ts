/**
 * A GNSS receiver on a serial port: serialport 13 reads the bytes, the chain (chain.ts) does the
 * rest. A port that cannot be opened, or that goes away (a USB receiver unplugged, a cable pulled
 * mid-sentence, the pty's other end gone), is opened again with backoff: 1 s, doubling, at most
 * 30 s, back to 1 s after each open that works (hardware/serial/reopening-port.ts). None of it
 * throws from a callback: it shows in stats().connected and in the log.
 *
 * The port is made by `openPort`, so tests may hand in another transport; the real one is enough
 * for a pty pair made by socat (test/hardware/gnss-serial.test.ts).
 */
import type { GnssFix } from '../../protocols/index.js';
import { openSerialPort } from '../serial/port.js';
import { ReopeningPort, type PortLike } from '../serial/reopening-port.js';
import { NmeaChain, type ChainOptions } from './chain.js';
import type { GnssReceiver, GnssStats } from './gnss.js';

/** What the driver needs of a port: node-serialport's stream, or anything shaped like it. */
export type SerialPortLike = PortLike;

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
  return openSerialPort(options);
}

export class SerialGnss implements GnssReceiver {
  readonly #path: string;
  readonly #chain: NmeaChain;
  readonly #port: ReopeningPort<SerialPortLike>;

  constructor(options: SerialGnssOptions) {
    const { path, baudRate = DEFAULT_BAUD_RATE, openPort = serialportPort, log } = options;
    this.#path = path;
    this.#chain = new NmeaChain(options);
    this.#port = new ReopeningPort(
      {
        makePort: () => openPort({ path, baudRate }),
        reconnectMinMs: options.reconnectMinMs ?? RECONNECT_MIN_MS,
        reconnectMaxMs: options.reconnectMaxMs ?? RECONNECT_MAX_MS,
      },
      {
        data: (chunk) => this.#chain.push(chunk),
        opened: () => {
          this.#chain.connected = true;
          log?.info('gnss receiver connected', { path });
        },
        // The port went away or ended: drop what was mid-sentence.
        lost: (why) => {
          this.#chain.cut();
          this.#chain.connected = false;
          log?.warn('gnss receiver disconnected', { path, why });
        },
        failed: (err, retryInMs) => {
          this.#chain.connected = false;
          log?.warn('gnss receiver cannot open its port', { path, error: err instanceof Error ? err.message : String(err), retryInMs });
        },
        portError: (err) => log?.debug('serial port error', { path, error: err.message }),
      },
    );
  }

  get path(): string {
    return this.#path;
  }

  /** Opens that failed (the port not there, not ours to open), since creation. */
  get openFailures(): number {
    return this.#port.openFailures;
  }

  /** Times an open port went away (unplugged, cable pulled), since creation. */
  get disconnects(): number {
    return this.#port.disconnects;
  }

  /** Resolves after the first attempt to open the port, whether it worked or a retry is scheduled. */
  start(): Promise<void> {
    return this.#port.start();
  }

  async stop(): Promise<void> {
    await this.#port.stop();
    this.#chain.cut();
    this.#chain.connected = false;
  }

  onFix(listener: (fix: GnssFix) => void): () => void {
    return this.#chain.onFix(listener);
  }

  stats(): GnssStats {
    return this.#chain.stats();
  }
}
