/**
 * Door beams on a sensor board's pins, read over Firmata (an Arduino running StandardFirmata on a
 * serial port, `/dev/ttyACM0` or `/dev/ttyUSB0`) through johnny-five. Each beam's receiver is
 * wired to a digital pin; the board reports a pin's level whenever it changes, and the edges feed
 * the same BeamPairCounter as the GPIO driver's (direction from the beam broken first, aborted
 * crossings ignored, flickers debounced).
 *
 * The board is a FirmataSession (hardware/firmata/session.ts): johnny-five (and firmata.js, and
 * serialport's bindings) loaded when the beams are first opened, so an agent without a Firmata
 * board never loads them; a board that is not there or never answers fails start() within
 * `connectTimeoutMs`; one that goes away once counting raises a `line-error` fault on every beam
 * and is opened again with backoff (`reconnectMinMs`, doubling, at most `reconnectMaxMs`). When it
 * is back, each beam is reported as read then: that clears its fault, and a beam that changed
 * meanwhile is an edge as of now.
 *
 * Seams for tests: `openPort` hands in another transport (the Firmata emulator's in-memory port,
 * hardware/firmata/emulator.ts); `io` an IO plugin in place of Firmata over a port (mock-firmata).
 */
import type { Logger } from '../../protocols/index.js';
import { checkFirmataBoard, FirmataSession, type FirmataBoardOptions } from '../firmata/session.js';
import type { Beam } from './beams.js';
import { BeamDoorCounter, type BeamLevels, type BeamSink, type BeamSource } from './counter.js';
import type { DoorCountingOptions } from './door.js';

export interface FirmataDoorPins {
  /** Door number, 1 at the front (ApcDoorCount). */
  door: number;
  /** The board's digital pin for beam A's receiver (outside). */
  a: number;
  /** The board's digital pin for beam B's receiver (inside). */
  b: number;
}

export interface FirmataDoorOptions extends FirmataBoardOptions {
  doors: readonly FirmataDoorPins[];
  /** The receiver's level while its beam is broken: 'low' for the common open-collector receivers (default). */
  brokenWhen?: 'low' | 'high';
  /** Turns on the board's pull-up on each beam pin (receivers with an open-collector output and no pull-up of their own). Default false. */
  pullUp?: boolean;
}

/** A beam's receiver on a board pin. */
interface BeamPin {
  pin: number;
  door: number;
  beam: Beam;
}

/** The doors' beams as pins of a Firmata board (one session: a link at a time, made again when lost). */
export class FirmataBeams implements BeamSource {
  readonly #pins: readonly BeamPin[];
  readonly #byPin: ReadonlyMap<number, BeamPin>;
  /** The board: connected or not, its disconnects, failed opens and firmware. */
  readonly session: FirmataSession;

  constructor(options: FirmataDoorOptions, log?: Logger) {
    this.#pins = options.doors.flatMap((d) => (['a', 'b'] as const).map((beam) => ({ pin: d[beam], door: d.door, beam })));
    this.#byPin = new Map(this.#pins.map((p) => [p.pin, p]));
    this.session = new FirmataSession(
      {
        ...options,
        pins: this.#pins.map((p) => ({ pin: p.pin, label: `door ${p.door}, beam ${p.beam.toUpperCase()}` })),
        activeLevel: (options.brokenWhen ?? 'low') === 'low' ? 0 : 1,
        pullUp: options.pullUp ?? false,
      },
      log,
    );
  }

  /** Pin → door and beam, while connected; empty otherwise. */
  get pins(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return new Map(this.session.connected ? this.#pins.map((p) => [p.pin, { door: p.door, beam: p.beam }]) : []);
  }

  async open(sink: BeamSink): Promise<ReadonlyMap<number, BeamLevels>> {
    const levels = await this.session.open({
      reading: (pin, broken) => {
        const p = this.#byPin.get(pin);
        if (p) sink.edge(p.door, p.beam, broken);
      },
      // Every beam is in fault until the board is back.
      lost: (fault) => {
        for (const p of this.#pins) sink.error(p.door, p.beam, fault);
      },
      // As read now: clears each beam's line-error; a beam that changed while the board was away is an edge now.
      back: (now) => {
        for (const p of this.#pins) sink.edge(p.door, p.beam, now.get(p.pin) ?? false);
      },
    });
    return this.#byDoor(levels);
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** Pin → broken, as each door's two beams. */
  #byDoor(levels: ReadonlyMap<number, boolean>): Map<number, BeamLevels> {
    const doors = new Map<number, BeamLevels>();
    for (const p of this.#pins) doors.set(p.door, { ...(doors.get(p.door) ?? { a: false, b: false }), [p.beam]: levels.get(p.pin) ?? false });
    return doors;
  }
}

export class FirmataDoorCounter extends BeamDoorCounter {
  readonly #beams: FirmataBeams;
  readonly #session: FirmataSession;

  constructor(config: FirmataDoorOptions & DoorCountingOptions) {
    const what = 'firmata door counter';
    const doors = config.doors ?? [];
    checkFirmataBoard(what, config, doors.flatMap((d) => [d.a, d.b]));
    const beams = new FirmataBeams({ ...config, doors: doors.map((d) => ({ ...d })) }, config.log);
    super(
      doors.map((d) => d.door),
      beams,
      config,
      what,
    );
    this.#beams = beams;
    this.#session = beams.session;
  }

  /** True while the board is connected and reporting. */
  get connected(): boolean {
    return this.#session.connected;
  }

  /** Times a connected board went away, since creation. */
  get disconnects(): number {
    return this.#session.disconnects;
  }

  /** Opens that failed (at start or reconnecting), since creation. */
  get openFailures(): number {
    return this.#session.openFailures;
  }

  /** What the board last said it runs ("StandardFirmata.ino 2.5"), or null. */
  get firmware(): string | null {
    return this.#session.firmware;
  }

  /** The board pins read now: pin → door and beam. Empty when stopped or while the board is away. */
  get pins(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return this.#beams.pins;
  }
}
