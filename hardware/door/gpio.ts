/**
 * Door beams on a Raspberry Pi's GPIO header, through the kernel's sysfs GPIO interface (the
 * `onoff` package: export, edge "both", epoll on `value`).
 *
 * Config names pins by their BCM numbers; the header's gpiochip, its base (BCM n is sysfs
 * `base + n`) and the `GpioLine` seam (onoff in production, a file-backed fake in tests, so the
 * whole driver, sysfs root included, runs in a temp dir) are hardware/gpio/sysfs.ts's, and a door's
 * two beams are a pair of watched lines (hardware/gpio/inputs.ts). The Firmata driver (firmata.ts)
 * is another BeamSource, over johnny-five's pins.
 */
import { GpioPairs, type GpioHeaderOptions } from '../gpio/inputs.js';
import type { GpioChip } from '../gpio/sysfs.js';
import type { Beam } from './beams.js';
import { BeamDoorCounter } from './counter.js';
import type { DoorCountingOptions } from './door.js';

export interface GpioDoorPins {
  /** Door number, 1 at the front (ApcDoorCount). */
  door: number;
  /** BCM number of beam A's receiver (outside). */
  a: number;
  /** BCM number of beam B's receiver (inside). */
  b: number;
}

export interface GpioDoorOptions extends GpioHeaderOptions {
  doors: readonly GpioDoorPins[];
  /** The receiver's level while its beam is broken: 'low' for the common open-collector receivers (default). */
  brokenWhen?: 'low' | 'high';
}

export class GpioDoorCounter extends BeamDoorCounter {
  /** The doors' beams: door number → its pair of lines. */
  readonly #beams: GpioPairs<number>;

  constructor(config: GpioDoorOptions & DoorCountingOptions) {
    const doors = config.doors ?? [];
    const pins = doors.flatMap((d) => [d.a, d.b]);
    for (const pin of pins) if (!Number.isInteger(pin) || pin < 0) throw new RangeError(`gpio door counter: BCM ${pin} is not a line number`);
    if (new Set(pins).size !== pins.length) throw new RangeError('gpio door counter: a BCM line is used twice');
    const beams = new GpioPairs(
      doors.map((d) => ({ place: d.door, a: d.a, b: d.b })),
      config.brokenWhen ?? 'low',
      config,
    );
    super(
      doors.map((d) => d.door),
      beams,
      config,
      'gpio door counter',
    );
    this.#beams = beams;
  }

  /** The header chip found at start (its base is what BCM numbers are offset by), or null before. */
  get chip(): GpioChip | null {
    return this.#beams.chip;
  }

  /** The sysfs lines held now: number → door and beam. Empty when stopped. */
  get lines(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return new Map([...this.#beams.lines].map(([n, { place, which }]) => [n, { door: place, beam: which }]));
  }
}
