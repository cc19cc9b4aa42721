/**
 * Time, as both sides read it: the wall clock for what the data says (record timestamps, expiry
 * instants shared with the other side) and a monotonic clock for every interval, timer and rate
 * (a wall clock steps: NTP corrections, a resumed VM, a Pi without an RTC that boots in the past
 * and jumps forward once it syncs). Pure: the clock is passed in, so tests can step it.
 */

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (may step both ways). */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin (never steps; does not count suspend on every OS). */
  mono(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
};

/** Wall-clock steps smaller than this are drift and slewing, not steps. */
export const CLOCK_STEP_THRESHOLD_MS = 2000;

/**
 * Detects steps of the wall clock by comparing how far it moved against the monotonic clock
 * between two samples. `sample()` returns the step in ms (positive: forward) or 0.
 */
export class ClockStepDetector {
  readonly #clock: Clock;
  readonly #thresholdMs: number;
  #wall: number;
  #mono: number;
  /** Steps seen, and their sum (how far the wall clock moved apart from elapsed time). */
  steps = 0;
  lastStepMs = 0;
  lastStepAt: number | null = null;

  constructor(clock: Clock, thresholdMs = CLOCK_STEP_THRESHOLD_MS) {
    this.#clock = clock;
    this.#thresholdMs = thresholdMs;
    this.#wall = clock.now();
    this.#mono = clock.mono();
  }

  sample(): number {
    const wall = this.#clock.now();
    const mono = this.#clock.mono();
    const step = wall - this.#wall - (mono - this.#mono);
    this.#wall = wall;
    this.#mono = mono;
    if (Math.abs(step) < this.#thresholdMs) return 0;
    this.steps++;
    this.lastStepMs = Math.round(step);
    this.lastStepAt = wall;
    return this.lastStepMs;
  }
}
