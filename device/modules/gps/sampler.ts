/**
 * Which fixes become `gps` records (pure): one a second while the bus moves, one every
 * `parkedIntervalS` while it stands (at a terminus, in the depot), and at once when it starts or
 * stops moving, so the fleet sees both edges. "Moving" is the receiver's speed over ground above
 * `movingSpeedMps`, or the position more than `minMoveM` from the last record (a receiver that
 * reports no speed, or a slow crawl through a stop).
 */
import type { GpsSettings } from '../../../protocols/index.js';
import { distanceM } from '../../../protocols/index.js';

export interface SampledFix {
  /** ms since the Unix epoch (the fix's own time) */
  time: number;
  lat: number;
  lon: number;
  speed?: number | undefined;
}


export class GpsSampler {
  #settings: GpsSettings;
  #last: SampledFix | null = null;
  #moving = false;

  constructor(settings: GpsSettings) {
    this.#settings = settings;
  }

  set settings(s: GpsSettings) {
    this.#settings = s;
  }

  get moving(): boolean {
    return this.#moving;
  }

  /** Whether this fix is to be recorded. */
  take(fix: SampledFix): boolean {
    const s = this.#settings;
    const last = this.#last;
    if (last && fix.time <= last.time) return false; // a repeat, or the receiver's clock went back
    const moved = last ? distanceM(last, fix) : 0;
    const moving = (fix.speed ?? 0) > s.movingSpeedMps || moved > s.minMoveM;
    const edge = last === null || moving !== this.#moving;
    const due = last === null || fix.time - last.time >= (moving ? s.movingIntervalS : s.parkedIntervalS) * 1000 - 50;
    this.#moving = moving;
    if (!edge && !due) return false;
    this.#last = fix;
    return true;
  }
}
