/**
 * A push button on a sensor board's pin, read over Firmata (an Arduino running StandardFirmata on a
 * serial port) through johnny-five. The board connection is the door driver's (door/firmata-link.ts:
 * port, handshake, the pin made a digital input, its first reading, every change after), with the
 * button as its one pin; this file adds what a button needs around it.
 *
 * A board that is not there or never answers fails start() within `connectTimeoutMs`. Once
 * started, a board that goes away puts the button in fault, and the board is opened again with
 * backoff (`reconnectMinMs`, doubling, at most `reconnectMaxMs`); its first reading clears the fault.
 *
 * Seams for tests: `openPort` (the Firmata emulator's in-memory port), `io` (mock-firmata).
 */
import type { IoPlugin } from 'johnny-five';
import type { Logger } from '../../protocols/index.js';
import { FirmataLink, type BeamPin, type FirmataPortOpener } from '../door/firmata-link.js';
import type { ButtonOptions } from './button.js';
import { describe, LineButton, type ButtonLine, type ButtonSink } from './line.js';

export interface FirmataButtonOptions {
  /** The board's serial port: `/dev/ttyACM0`, `/dev/ttyUSB0`. */
  path: string;
  /** StandardFirmata's rate is 57 600 (the default). */
  baud?: number;
  /** The board's digital pin the button is on. */
  pin: number;
  /** The pin's level while the button is held: 'low' (to ground, with the pull-up; the default) or 'high'. */
  pressedWhen?: 'low' | 'high';
  /** Turns on the board's pull-up on the pin (a button to ground needs one). Default true. */
  pullUp?: boolean;
  /** From opening the port to the pin's first reading, ms (10 000). */
  connectTimeoutMs?: number;
  /** First wait before opening again after the board went away, ms (1000); doubles on each failure. */
  reconnectMinMs?: number;
  /** Longest wait between attempts, ms (30 000). */
  reconnectMaxMs?: number;
  openPort?: FirmataPortOpener;
  io?: () => IoPlugin;
}

const BAUD = 57_600;
const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;
/** The link is the door driver's: the button is its one "beam". */
const AS_BEAM: Omit<BeamPin, 'pin'> = { door: 1, beam: 'a' };

class FirmataButtonLine implements ButtonLine {
  readonly #o: FirmataButtonOptions;
  readonly #log: Logger | undefined;
  #sink: ButtonSink | null = null;
  #link: FirmataLink | null = null;
  #attempt: FirmataLink | null = null;
  #settling: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #backoffMs: number;
  disconnects = 0;
  openFailures = 0;

  constructor(options: FirmataButtonOptions, log: Logger | undefined) {
    this.#o = options;
    this.#log = log;
    this.#backoffMs = this.#minMs;
  }

  get connected(): boolean {
    return this.#link?.up ?? false;
  }

  async open(sink: ButtonSink): Promise<boolean> {
    await this.close();
    this.#sink = sink;
    const link = this.#newLink();
    this.#attempt = link;
    try {
      const pressed = await this.#connect(link);
      if (this.#attempt !== link) throw new Error(`closed while connecting to ${this.#o.path}`);
      this.#attempt = null;
      this.#up(link);
      return pressed;
    } catch (err) {
      if (this.#attempt === link) this.#attempt = null;
      this.openFailures++;
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
    return this.#o.reconnectMinMs ?? RECONNECT_MIN_MS;
  }

  /** Opens the link; its errors speak of the button, not of a door's beam. */
  async #connect(link: FirmataLink): Promise<boolean> {
    try {
      const levels = await link.open();
      return levels.get(AS_BEAM.door)?.a ?? false;
    } catch (err) {
      if (err instanceof Error) err.message = err.message.replace(/\(door \d+, beam [AB]\)/, '(the button)');
      throw err;
    }
  }

  #newLink(): FirmataLink {
    const o = this.#o;
    const link: FirmataLink = new FirmataLink(
      {
        path: o.path,
        baud: o.baud ?? BAUD,
        pins: [{ pin: o.pin, ...AS_BEAM }],
        brokenLevel: (o.pressedWhen ?? 'low') === 'low' ? 0 : 1,
        pullUp: o.pullUp ?? true,
        connectTimeoutMs: o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        openPort: o.openPort,
        io: o.io,
      },
      {
        reading: (_door, _beam, pressed) => {
          if (this.#link === link) this.#sink?.level(pressed);
        },
        lost: (err) => this.#lost(link, err),
      },
    );
    return link;
  }

  #up(link: FirmataLink): void {
    this.#link = link;
    this.#backoffMs = this.#minMs;
    this.#log?.info('firmata board connected', { path: this.#o.path, firmware: link.firmware ?? undefined });
  }

  #lost(link: FirmataLink, err: Error): void {
    if (this.#link !== link) return;
    this.#link = null;
    this.disconnects++;
    this.#log?.warn('firmata board lost', { path: this.#o.path, error: err.message });
    this.#sink?.error(new Error(`Firmata board on ${this.#o.path} lost: ${err.message}`));
    this.#settling = link.close();
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#sink || this.#timer) return;
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#o.reconnectMaxMs ?? RECONNECT_MAX_MS);
    this.#timer = setTimeout(() => void this.#reconnect(), wait);
  }

  async #reconnect(): Promise<void> {
    this.#timer = null;
    if (!this.#sink) return;
    await this.#settling;
    if (!this.#sink || this.#attempt) return;
    const link = this.#newLink();
    this.#attempt = link;
    let pressed: boolean;
    try {
      pressed = await this.#connect(link);
    } catch (err) {
      if (this.#attempt !== link) return; // closed meanwhile
      this.#attempt = null;
      this.openFailures++;
      this.#log?.warn('firmata board cannot be opened', { path: this.#o.path, error: describe(err), retryInMs: this.#backoffMs });
      this.#schedule();
      return;
    }
    if (this.#attempt !== link) {
      await link.close();
      return;
    }
    this.#attempt = null;
    this.#up(link);
    this.#sink?.level(pressed); // clears the fault; a button held meanwhile is a change as of now
  }
}

export class FirmataButton extends LineButton {
  readonly #line: FirmataButtonLine;

  constructor(config: FirmataButtonOptions & ButtonOptions) {
    const what = 'firmata button';
    if (typeof config.path !== 'string' || config.path === '') throw new RangeError(`${what}: path must name the board's serial port`);
    if (!Number.isInteger(config.pin) || config.pin < 0 || config.pin > 127) throw new RangeError(`${what}: pin ${config.pin} is not a Firmata pin number (0…127)`);
    for (const [name, value] of [
      ['baud', config.baud],
      ['connectTimeoutMs', config.connectTimeoutMs],
      ['reconnectMinMs', config.reconnectMinMs],
      ['reconnectMaxMs', config.reconnectMaxMs],
    ] as const) {
      if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new RangeError(`${what}: ${name} must be > 0, not ${value}`);
    }
    const line = new FirmataButtonLine({ ...config }, config.log);
    super(line, config, what);
    this.#line = line;
  }

  /** True while the board is connected and reporting. */
  get connected(): boolean {
    return this.#line.connected;
  }

  /** Times a connected board went away, since creation. */
  get disconnects(): number {
    return this.#line.disconnects;
  }

  /** Opens that failed (at start or reconnecting), since creation. */
  get openFailures(): number {
    return this.#line.openFailures;
  }
}
