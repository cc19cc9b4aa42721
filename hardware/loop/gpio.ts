/**
 * Loop detectors on a Raspberry Pi's GPIO header, through the kernel's sysfs GPIO interface (the
 * `onoff` package: export, edge "both", epoll on `value`). Each detector channel's presence output
 * (a relay contact or an open collector, to ground, with the Pi's pull-up) is one input line.
 *
 * Config names pins by their BCM numbers; the header's gpiochip, its base (BCM n is sysfs
 * `base + n`, read from /sys/class/gpio/gpiochipN, never assumed) and the `GpioLine` seam (onoff in
 * production, a file-backed fake in tests) are hardware/gpio/sysfs.ts's, and a lane's two loops
 * are a pair of watched lines (hardware/gpio/inputs.ts).
 */
import { GpioPairs, type GpioHeaderOptions } from '../gpio/inputs.js';
import type { GpioChip } from '../gpio/sysfs.js';
import { LaneLoopDetector } from './detector.js';
import type { LoopReadingOptions } from './loop.js';
import type { Loop } from './pair.js';

export interface GpioLoopLane {
  /** The lane's name, as the `loops` stream carries it (entry-1). */
  lane: string;
  /** BCM number of loop A's detector output: the loop met first in the lane's direction of travel (loop.ts). */
  a: number;
  /** BCM number of loop B's detector output. */
  b: number;
}

export interface GpioLoopOptions extends GpioHeaderOptions {
  lanes: readonly GpioLoopLane[];
  /** The detector output's level while its loop is occupied: 'low' for a contact or open collector to ground (default). */
  occupiedWhen?: 'low' | 'high';
}

export class GpioLoopDetector extends LaneLoopDetector {
  /** The lanes' loops: lane name → its pair of lines. */
  readonly #loops: GpioPairs<string>;

  constructor(config: GpioLoopOptions & LoopReadingOptions) {
    const lanes = config.lanes ?? [];
    const pins = lanes.flatMap((l) => [l.a, l.b]);
    for (const pin of pins) if (!Number.isInteger(pin) || pin < 0) throw new RangeError(`gpio loop detector: BCM ${pin} is not a line number`);
    if (new Set(pins).size !== pins.length) throw new RangeError('gpio loop detector: a BCM line is used twice');
    const loops = new GpioPairs(
      lanes.map((l) => ({ place: l.lane, a: l.a, b: l.b })),
      config.occupiedWhen ?? 'low',
      config,
    );
    super(
      lanes.map((l) => l.lane),
      loops,
      config,
      'gpio loop detector',
    );
    this.#loops = loops;
  }

  /** The header chip found at start (its base offsets the BCM numbers), or null before. */
  get chip(): GpioChip | null {
    return this.#loops.chip;
  }

  /** The sysfs lines held now: number → lane and loop. Empty when stopped. */
  get lines(): ReadonlyMap<number, { lane: string; loop: Loop }> {
    return new Map([...this.#loops.lines].map(([n, { place, which }]) => [n, { lane: place, loop: which }]));
  }
}
