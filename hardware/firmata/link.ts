/**
 * One connection to a Firmata board: the serial port opened, johnny-five's Board over it (firmata.js
 * underneath), the handshake, its pins set as digital inputs and their first readings; then
 * every reading until the link is lost (the port closed or failed) or closed. A link never
 * reconnects: the session (session.ts) makes a new one. It knows pins by number and by a label
 * for its errors ("door 1, beam A", "the button"), not what they are wired to.
 *
 * The handshake, as firmata.js runs it: the board sends REPORT_VERSION (0xF9 major minor) and its
 * firmware name (sysex QUERY_FIRMWARE, 0x79), then the host asks CAPABILITY_QUERY (0x6B) and
 * ANALOG_MAPPING_QUERY (0x69) and johnny-five says "ready". A board that resets when its port opens
 * (an Uno's DTR) sends the first two by itself once booted; one that does not (native USB, reset
 * disabled) says nothing until asked, and firmata.js asks only after 5 s. So the link asks at once
 * (REPORT_VERSION and QUERY_FIRMWARE): a booting board's bootloader drops the bytes, and a
 * running one answers. The whole open, port to first readings, is bounded by `connectTimeoutMs`.
 *
 * The first reading of each pin: StandardFirmata (2.5 on) sends a port's value as soon as its
 * reporting is turned on (REPORT_DIGITAL), and after that on every change (DIGITAL_MESSAGE).
 *
 * Nothing here throws from a callback: johnny-five's Board, firmata.js and the port each keep an
 * "error" listener for as long as they live, also after the link has let go of them.
 */
import type { EventEmitter } from 'node:events';
import type JohnnyFiveModule from 'johnny-five';
import type { Board, IoPlugin } from 'johnny-five';

/** Firmata's PIN_MODE_PULLUP (protocol 2.5: a digital input with the pin's pull-up on). */
export const PULLUP_MODE = 0x0b;

/** What the link needs of a serial port: node-serialport's SerialPort, or anything shaped like it. */
export interface FirmataPort extends EventEmitter {
  readonly path: string;
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): unknown;
}

/** Makes a port, closed. */
export type FirmataPortOpener = (options: { path: string; baudRate: number }) => FirmataPort;

/** A digital input on a board pin. */
export interface FirmataPin {
  pin: number;
  /** What is wired to it, as errors name it: "door 1, beam A", "the button". */
  label: string;
}

export interface LinkPlan {
  path: string;
  baud: number;
  pins: readonly FirmataPin[];
  /** The pin's value while its input is active (a beam broken, a button held). */
  activeLevel: 0 | 1;
  pullUp: boolean;
  connectTimeoutMs: number;
  /** Default: node-serialport's SerialPort. */
  openPort?: FirmataPortOpener | undefined;
  /** An IO plugin instead of Firmata over a port (mock-firmata in tests): no port is opened. */
  io?: (() => IoPlugin) | undefined;
}

export interface LinkEvents {
  /** A pin reported (after open() resolved): its input is active or not. Repeats are passed on. */
  reading(pin: number, active: boolean): void;
  /** The port closed or failed after open() resolved. Told once; the link is down. */
  lost(err: Error): void;
}

/** How far an open got: what the timeout's message blames. */
type Stage = 'port' | 'handshake' | 'readings';

type JohnnyFive = typeof JohnnyFiveModule;

const BOARD_OPTIONS = { repl: false, debug: false, sigint: false } as const;

export class FirmataLink {
  readonly #plan: LinkPlan;
  readonly #events: LinkEvents;
  #state: 'new' | 'opening' | 'up' | 'down' = 'new';
  #stage: Stage = 'port';
  #port: FirmataPort | null = null;
  /** Settles when an open of the port under way has (the port cannot be closed before). */
  #portOpening: Promise<unknown> = Promise.resolve();
  #board: Board | null = null;
  #io: IoPlugin | null = null;
  /** Rejects when the open must give up (timeout, error, close): every wait in it races this. */
  readonly #aborted: Promise<never>;
  #abort: (err: Error) => void = () => {};
  #reason: Error | null = null;
  #closing: Promise<void> | null = null;
  readonly #levels = new Map<number, boolean>();
  readonly #unread = new Set<number>();
  #allRead: () => void = () => {};
  #firmware: string | null = null;

  constructor(plan: LinkPlan, events: LinkEvents) {
    this.#plan = plan;
    this.#events = events;
    this.#aborted = new Promise<never>((_, reject) => {
      this.#abort = (err) => {
        this.#reason ??= err;
        reject(err);
      };
    });
    this.#aborted.catch(() => undefined);
  }

  get up(): boolean {
    return this.#state === 'up';
  }

  /** What the board said it runs ("StandardFirmata.ino 2.5"), once it has; null for an IO plugin that does not say. */
  get firmware(): string | null {
    return this.#firmware;
  }

  /** Connects; resolves with each pin as first read (pin → active). Rejects (and holds nothing) on failure or timeout. Once per link. */
  async open(): Promise<Map<number, boolean>> {
    if (this.#state !== 'new') throw new Error('a Firmata link opens once');
    this.#state = 'opening';
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Loading johnny-five (and firmata.js) is no part of the board's time to answer.
      const five = (await this.#until(import('johnny-five'))).default;
      timer = setTimeout(() => this.#abort(this.#timeoutError()), this.#plan.connectTimeoutMs);
      await this.#handshake(five);
      if (this.#state !== 'opening') throw this.#reason ?? new Error(`closed while connecting to ${this.#plan.path}`);
      this.#state = 'up';
      return new Map(this.#levels);
    } catch (err) {
      const reason = this.#reason ?? err;
      await this.close();
      throw reason;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lets go of the board and closes the port. An open under way rejects. Idempotent; never rejects. */
  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }

  async #handshake(five: JohnnyFive): Promise<void> {
    const { path, baud } = this.#plan;
    let board: Board;
    if (this.#plan.io) {
      this.#stage = 'handshake';
      board = new five.Board({ io: this.#plan.io(), ...BOARD_OPTIONS, timeout: this.#plan.connectTimeoutMs + 1000 });
    } else {
      const port = (this.#plan.openPort ?? (await this.#until(serialportOpener())))({ path, baudRate: baud });
      this.#port = port;
      port.on('error', (err: Error) => this.#fault(err));
      port.on('close', (err: Error | null) => this.#fault(err ?? new Error(`${path} closed`)));
      const opened = new Promise<void>((resolve, reject) => {
        try {
          port.open((err) => (err ? reject(new Error(`cannot open ${path}: ${err.message}`)) : resolve()));
        } catch (err) {
          reject(new Error(`cannot open ${path}: ${describe(err)}`));
        }
      });
      this.#portOpening = opened.catch(() => undefined);
      await this.#until(opened);
      this.#stage = 'handshake';
      // Before "ready" johnny-five reports a failure as an "error" event carrying its log entry.
      board = new five.Board({ port, ...BOARD_OPTIONS, timeout: this.#plan.connectTimeoutMs + 1000 });
    }
    this.#board = board;
    const io = board.io;
    this.#io = io;
    board.on('error', (err: unknown) => this.#fault(asError(err)));
    io.on('error', (err: unknown) => this.#fault(asError(err)));
    io.on('close', () => this.#fault(new Error(`${path} closed`)));
    io.on('disconnect', () => this.#fault(new Error(`${path} disconnected`)));
    const ready = new Promise<void>((resolve) => board.once('ready', () => resolve()));
    if (this.#port) {
      io.reportVersion?.(() => undefined);
      io.queryFirmware?.(() => undefined);
    }
    await this.#until(ready);

    this.#stage = 'readings';
    const fw = io.firmware;
    if (fw?.name) this.#firmware = `${fw.name} ${fw.version?.major ?? '?'}.${fw.version?.minor ?? '?'}`;
    const mode = this.#plan.pullUp ? PULLUP_MODE : (io.MODES.INPUT ?? 0);
    for (const p of this.#plan.pins) {
      const rec = io.pins[p.pin];
      if (!rec || !rec.supportedModes.includes(mode)) {
        const why = !rec ? `the board has pins 0–${io.pins.length - 1}` : `it supports modes [${rec.supportedModes.join(', ')}]`;
        throw new RangeError(
          `pin ${p.pin} (${p.label}) of the Firmata board on ${path} cannot be a digital input${this.#plan.pullUp ? ' with pull-up' : ''}: ${why}`,
        );
      }
    }
    const allRead = new Promise<void>((resolve) => {
      this.#allRead = resolve;
    });
    for (const p of this.#plan.pins) this.#unread.add(p.pin);
    // Every pin an input before any reporting is on: a port reported earlier would read a pin
    // not yet made an input as 0 (StandardFirmata masks a port's value with its inputs).
    for (const p of this.#plan.pins) board.pinMode(p.pin, mode);
    for (const p of this.#plan.pins) board.digitalRead(p.pin, (value) => this.#reading(p, value));
    if (this.#unread.size > 0) await this.#until(allRead);
  }

  #reading(p: FirmataPin, value: unknown): void {
    const active = Number(value) === this.#plan.activeLevel;
    if (this.#state === 'up') {
      this.#events.reading(p.pin, active);
    } else if (this.#state === 'opening') {
      this.#levels.set(p.pin, active);
      this.#unread.delete(p.pin);
      if (this.#unread.size === 0) this.#allRead();
    }
  }

  /** The port or the board failed: an open under way gives up with it; a link that was up is lost. */
  #fault(err: Error): void {
    if (this.#state === 'opening') {
      this.#abort(err);
    } else if (this.#state === 'up') {
      this.#state = 'down';
      this.#events.lost(err);
    }
  }

  async #teardown(): Promise<void> {
    this.#state = 'down';
    this.#abort(new Error(`closed while connecting to ${this.#plan.path}`));
    await this.#portOpening;
    const board = this.#board;
    const io = this.#io;
    const port = this.#port;
    if (board?.timer) clearTimeout(board.timer);
    if (io?.reportVersionTimeoutId) clearTimeout(io.reportVersionTimeoutId);
    // Their own listeners go too (the pins' readings, firmata.js's parser): nothing more is heard.
    for (const emitter of [board, io, port]) {
      emitter?.removeAllListeners();
      emitter?.on('error', () => undefined);
    }
    if (port?.isOpen) {
      await new Promise<void>((resolve) => {
        try {
          port.close(() => resolve());
        } catch {
          resolve();
        }
      });
    }
  }

  #until<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#aborted]);
  }

  #timeoutError(): Error {
    const { path, baud, connectTimeoutMs } = this.#plan;
    const within = `within ${connectTimeoutMs / 1000} s`;
    switch (this.#stage) {
      case 'port':
        return new Error(`${path} did not open ${within}`);
      case 'handshake':
        return new Error(`no Firmata board answered on ${path} ${within} (is StandardFirmata on the board, at ${baud} baud?)`);
      case 'readings':
        return new Error(
          `the Firmata board on ${path} did not report pin ${[...this.#unread].join(', ')} ${within} (StandardFirmata 2.5 or later reports a pin when its reporting is turned on)`,
        );
    }
  }
}

/** node-serialport's SerialPort, loaded only when a link opens one. */
async function serialportOpener(): Promise<FirmataPortOpener> {
  const { openSerialPort } = await import('../serial/port.js');
  return ({ path, baudRate }) => openSerialPort({ path, baudRate });
}

/** An Error, or johnny-five's log entry `{ message }`, or anything else, as an Error. */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const message = (err as { message?: unknown } | null)?.message;
  return new Error(typeof message === 'string' && message !== '' ? message : describe(err));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
}
