/**
 * Door beams on a sensor board's pins, read over Firmata (an Arduino running StandardFirmata on a
 * serial port, `/dev/ttyACM0` or `/dev/ttyUSB0`) through johnny-five. Each beam's receiver is
 * wired to a digital pin; the board reports a pin's level whenever it changes, and the edges feed
 * the same BeamPairCounter as the GPIO driver's (direction from the beam broken first, aborted
 * crossings ignored, flickers debounced).
 *
 * johnny-five (and firmata.js, and serialport's bindings) are loaded when the beams are first
 * opened, so an agent without a Firmata board never loads them.
 *
 * A board that is not there or never answers fails start() within `connectTimeoutMs`, with the
 * port's path in the error. Once counting, a board that goes away (the cable pulled, the board
 * reset by a brown-out, the port failing) raises a `line-error` fault on every beam, and the board
 * is opened again with backoff: `reconnectMinMs` (1 s), doubling, at most `reconnectMaxMs` (30 s),
 * back to the first after an open that works. When it is back, each beam is reported as read then:
 * that clears its fault, and a beam that changed meanwhile is an edge as of now.
 *
 * Seams for tests: `openPort` hands in another transport (the Firmata emulator's in-memory port,
 * firmata-emulator.ts); `io` an IO plugin in place of Firmata over a port (mock-firmata).
 */
import type { IoPlugin } from 'johnny-five';
import type { Logger } from '../../protocols/index.js';
import type { Beam } from './beams.js';
import { BeamDoorCounter, type BeamLevels, type BeamSink, type BeamSource } from './counter.js';
import type { DoorCountingOptions } from './door.js';
import { FirmataLink, type BeamPin, type FirmataPortOpener } from './firmata-link.js';

export interface FirmataDoorPins {
  /** Door number, 1 at the front (ApcDoorCount). */
  door: number;
  /** The board's digital pin for beam A's receiver (outside). */
  a: number;
  /** The board's digital pin for beam B's receiver (inside). */
  b: number;
}

export interface FirmataDoorOptions {
  /** The board's serial port: `/dev/ttyACM0` (an Uno's USB), `/dev/ttyUSB0` (a USB-serial bridge). */
  path: string;
  /** StandardFirmata's rate is 57 600 (the default). */
  baud?: number;
  doors: readonly FirmataDoorPins[];
  /** The receiver's level while its beam is broken: 'low' for the common open-collector receivers (default). */
  brokenWhen?: 'low' | 'high';
  /** Turns on the board's pull-up on each beam pin (receivers with an open-collector output and no pull-up of their own). Default false. */
  pullUp?: boolean;
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

export const FIRMATA_DEFAULT_BAUD = 57_600;
const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

/** The doors' beams as pins of a Firmata board: one link at a time, made again when lost. */
export class FirmataBeams implements BeamSource {
  readonly #options: FirmataDoorOptions;
  readonly #pins: readonly BeamPin[];
  readonly #log: Logger | undefined;
  #sink: BeamSink | null = null;
  /** The link counting now. */
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

  constructor(options: FirmataDoorOptions, log?: Logger) {
    this.#options = options;
    this.#pins = options.doors.flatMap((d) => (['a', 'b'] as const).map((beam) => ({ pin: d[beam], door: d.door, beam })));
    this.#log = log;
    this.#backoffMs = this.#minMs;
  }

  get connected(): boolean {
    return this.#link?.up ?? false;
  }

  get disconnects(): number {
    return this.#disconnects;
  }

  get openFailures(): number {
    return this.#openFailures;
  }

  get firmware(): string | null {
    return this.#firmware;
  }

  /** Pin → door and beam, while connected; empty otherwise. */
  get pins(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return new Map(this.connected ? this.#pins.map((p) => [p.pin, { door: p.door, beam: p.beam }]) : []);
  }

  async open(sink: BeamSink): Promise<ReadonlyMap<number, BeamLevels>> {
    await this.close();
    this.#sink = sink;
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

  async close(): Promise<void> {
    this.#sink = null;
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
        pins: this.#pins,
        brokenLevel: (o.brokenWhen ?? 'low') === 'low' ? 0 : 1,
        pullUp: o.pullUp ?? false,
        connectTimeoutMs: o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        openPort: o.openPort,
        io: o.io,
      },
      {
        reading: (door, beam, broken) => {
          if (this.#link === link) this.#sink?.edge(door, beam, broken);
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

  /** The board went away: every beam is in fault until it is back; close what is left, try again. */
  #lost(link: FirmataLink, err: Error): void {
    if (this.#link !== link) return;
    this.#link = null;
    this.#disconnects++;
    this.#log?.warn('firmata board lost', { path: this.#options.path, error: err.message });
    const fault = new Error(`Firmata board on ${this.#options.path} lost: ${err.message}`);
    for (const p of this.#pins) this.#sink?.error(p.door, p.beam, fault);
    this.#settling = link.close();
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#sink || this.#timer) return;
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.reconnectMaxMs ?? RECONNECT_MAX_MS);
    this.#timer = setTimeout(() => void this.#reconnect(), wait);
  }

  async #reconnect(): Promise<void> {
    this.#timer = null;
    if (!this.#sink) return;
    await this.#settling;
    if (!this.#sink || this.#attempt) return;
    const link = this.#newLink();
    this.#attempt = link;
    let levels: Map<number, BeamLevels>;
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
    // As read now: clears each beam's line-error; a beam that changed while the board was away is an edge now.
    for (const p of this.#pins) this.#sink?.edge(p.door, p.beam, levels.get(p.door)?.[p.beam] ?? false);
  }
}

export class FirmataDoorCounter extends BeamDoorCounter {
  readonly #beams: FirmataBeams;

  constructor(config: FirmataDoorOptions & DoorCountingOptions) {
    const what = 'firmata door counter';
    if (typeof config.path !== 'string' || config.path === '') throw new RangeError(`${what}: path must name the board's serial port`);
    const doors = config.doors ?? [];
    const pins = doors.flatMap((d) => [d.a, d.b]);
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
    const beams = new FirmataBeams({ ...config, doors: doors.map((d) => ({ ...d })) }, config.log);
    super(
      doors.map((d) => d.door),
      beams,
      config,
      what,
    );
    this.#beams = beams;
  }

  /** True while the board is connected and reporting. */
  get connected(): boolean {
    return this.#beams.connected;
  }

  /** Times a connected board went away, since creation. */
  get disconnects(): number {
    return this.#beams.disconnects;
  }

  /** Opens that failed (at start or reconnecting), since creation. */
  get openFailures(): number {
    return this.#beams.openFailures;
  }

  /** What the board last said it runs ("StandardFirmata.ino 2.5"), or null. */
  get firmware(): string | null {
    return this.#beams.firmware;
  }

  /** The board pins read now: pin → door and beam. Empty when stopped or while the board is away. */
  get pins(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return this.#beams.pins;
  }
}
