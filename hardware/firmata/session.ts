/**
 * A Firmata board kept connected, as every Firmata driver (door beams, the button) needs it: one
 * link (link.ts: port, handshake, the pins made digital inputs, their first readings, every change
 * after) at a time, made again when lost.
 *
 * A board that is not there or never answers fails open() within `connectTimeoutMs`, with the
 * port's path in the error. Once open, a board that goes away (the cable pulled, the board reset by
 * a brown-out, the port failing) is told to the driver (`lost`: its inputs are in fault), and the
 * board is opened again with backoff: `reconnectMinMs` (1 s), doubling, at most `reconnectMaxMs`
 * (30 s), back to the first after an open that works. When it is back, the driver hears each pin as
 * read then (`back`): that clears its fault, and an input that changed meanwhile is a change as of now.
 *
 * Folder: link.ts one connection, this file the session over it, emulator.ts a StandardFirmata
 * board in software (the drivers' tests), johnny-five.d.ts the types of the little of johnny-five
 * used. Seams for tests: `openPort` hands in another transport (the emulator's in-memory port);
 * `io` an IO plugin in place of Firmata over a port (mock-firmata).
 */
import type { IoPlugin } from 'johnny-five';
import type { Logger } from '../../protocols/index.js';
import { FirmataLink, type FirmataPin, type FirmataPortOpener } from './link.js';

export type { FirmataPin, FirmataPort, FirmataPortOpener } from './link.js';

/** What a driver's config says of its board (its pins are the driver's own). */
export interface FirmataBoardOptions {
  /** The board's serial port: `/dev/ttyACM0` (an Uno's USB), `/dev/ttyUSB0` (a USB-serial bridge). */
  path: string;
  /** StandardFirmata's rate is 57 600 (the default). */
  baud?: number;
  /** From opening the port to the first reading of every pin, ms (10 000). */
  connectTimeoutMs?: number;
  /** First wait before opening again after the board went away, ms (1000); it doubles on each failure. */
  reconnectMinMs?: number;
  /** Longest wait between attempts, ms (30 000). */
  reconnectMaxMs?: number;
  /** Makes the port (closed); node-serialport's SerialPort unless a test gives another transport. */
  openPort?: FirmataPortOpener;
  /** Makes an IO plugin to use instead of Firmata over a port (mock-firmata in tests); one per connection. */
  io?: () => IoPlugin;
}

export interface FirmataSessionOptions extends FirmataBoardOptions {
  pins: readonly FirmataPin[];
  /** The pins' value while their input is active (a beam broken, a button held). */
  activeLevel: 0 | 1;
  /** Turns on the board's pull-up on each pin. */
  pullUp: boolean;
}

/** What the session tells its driver once open. Never throws. */
export interface FirmataSessionEvents {
  /** A pin reported while connected: its input is active or not. Repeats are passed on. */
  reading(pin: number, active: boolean): void;
  /** The board went away; `fault` names it and why. Every pin is unknown until `back`. */
  lost(fault: Error): void;
  /** The board is back: each pin as read now (pin → active). */
  back(levels: ReadonlyMap<number, boolean>): void;
}

export const FIRMATA_DEFAULT_BAUD = 57_600;
const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

/** Checks a Firmata driver's board config and pin numbers (0…127, each once); throws a RangeError naming `what`. */
export function checkFirmataBoard(what: string, config: FirmataBoardOptions, pins: readonly number[]): void {
  if (typeof config.path !== 'string' || config.path === '') throw new RangeError(`${what}: path must name the board's serial port`);
  for (const pin of pins) if (!Number.isInteger(pin) || pin < 0 || pin > 127) throw new RangeError(`${what}: pin ${pin} is not a Firmata pin number (0…127)`);
  if (new Set(pins).size !== pins.length) throw new RangeError(`${what}: a pin is used twice`);
  for (const [name, value] of [
    ['baud', config.baud],
    ['connectTimeoutMs', config.connectTimeoutMs],
    ['reconnectMinMs', config.reconnectMinMs],
    ['reconnectMaxMs', config.reconnectMaxMs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new RangeError(`${what}: ${name} must be > 0, not ${value}`);
  }
}

/** A Firmata board's pins as digital inputs: one link at a time, made again when lost. */
export class FirmataSession {
  readonly #options: FirmataSessionOptions;
  readonly #log: Logger | undefined;
  /** Whom to tell, from open() until close(). */
  #events: FirmataSessionEvents | null = null;
  /** The link reporting now. */
  #link: FirmataLink | null = null;
  /** A link being opened (by open() or a reconnect). */
  #attempt: FirmataLink | null = null;
  /** A lost link still closing. */
  #settling: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #backoffMs: number;
  #disconnects = 0;
  #openFailures = 0;
  #firmware: string | null = null;

  constructor(options: FirmataSessionOptions, log?: Logger) {
    this.#options = options;
    this.#log = log;
    this.#backoffMs = this.#minMs;
  }

  /** True while the board is connected and reporting. */
  get connected(): boolean {
    return this.#link?.up ?? false;
  }

  /** Times a connected board went away, since creation. */
  get disconnects(): number {
    return this.#disconnects;
  }

  /** Opens that failed (at open() or reconnecting), since creation. */
  get openFailures(): number {
    return this.#openFailures;
  }

  /** What the board last said it runs ("StandardFirmata.ino 2.5"), or null. */
  get firmware(): string | null {
    return this.#firmware;
  }

  /** Connects, tells `events` from now on, resolves with each pin as first read (pin → active). On failure holds nothing and rejects. */
  async open(events: FirmataSessionEvents): Promise<Map<number, boolean>> {
    await this.close();
    this.#events = events;
    const link = this.#newLink();
    this.#attempt = link;
    try {
      const levels = await link.open();
      if (this.#attempt !== link) throw new Error(`closed while connecting to ${this.#options.path}`);
      this.#attempt = null;
      this.#up(link);
      return levels;
    } catch (err) {
      if (this.#attempt === link) this.#attempt = null;
      this.#openFailures++;
      await link.close();
      throw err;
    }
  }

  /** Lets go of the board, stops reconnecting, tells nothing more. Never rejects. */
  async close(): Promise<void> {
    this.#events = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const links = [this.#attempt, this.#link];
    this.#attempt = null;
    this.#link = null;
    await Promise.all([...links.map((l) => l?.close()), this.#settling]);
  }

  get #minMs(): number {
    return this.#options.reconnectMinMs ?? RECONNECT_MIN_MS;
  }

  #newLink(): FirmataLink {
    const o = this.#options;
    const link: FirmataLink = new FirmataLink(
      {
        path: o.path,
        baud: o.baud ?? FIRMATA_DEFAULT_BAUD,
        pins: o.pins,
        activeLevel: o.activeLevel,
        pullUp: o.pullUp,
        connectTimeoutMs: o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        openPort: o.openPort,
        io: o.io,
      },
      {
        reading: (pin, active) => {
          if (this.#link === link) this.#events?.reading(pin, active);
        },
        lost: (err) => this.#lost(link, err),
      },
    );
    return link;
  }

  #up(link: FirmataLink): void {
    this.#link = link;
    this.#backoffMs = this.#minMs;
    this.#firmware = link.firmware;
    this.#log?.info('firmata board connected', { path: this.#options.path, firmware: link.firmware ?? undefined });
  }

  /** The board went away: the driver hears it; close what is left, try again. */
  #lost(link: FirmataLink, err: Error): void {
    if (this.#link !== link) return;
    this.#link = null;
    this.#disconnects++;
    this.#log?.warn('firmata board lost', { path: this.#options.path, error: err.message });
    this.#events?.lost(new Error(`Firmata board on ${this.#options.path} lost: ${err.message}`));
    this.#settling = link.close();
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#events || this.#timer) return;
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.reconnectMaxMs ?? RECONNECT_MAX_MS);
    this.#timer = setTimeout(() => void this.#reconnect(), wait);
  }

  async #reconnect(): Promise<void> {
    this.#timer = null;
    if (!this.#events) return;
    await this.#settling;
    if (!this.#events || this.#attempt) return;
    const link = this.#newLink();
    this.#attempt = link;
    let levels: Map<number, boolean>;
    try {
      levels = await link.open();
    } catch (err) {
      if (this.#attempt !== link) return; // closed meanwhile
      this.#attempt = null;
      this.#openFailures++;
      this.#log?.warn('firmata board cannot be opened', { path: this.#options.path, error: err instanceof Error ? err.message : String(err), retryInMs: this.#backoffMs });
      this.#schedule();
      return;
    }
    if (this.#attempt !== link) {
      await link.close();
      return;
    }
    this.#attempt = null;
    this.#up(link);
    this.#events?.back(levels);
  }
}
