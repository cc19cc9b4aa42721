/**
 * The time an edge driver (door counter, loop detector, button) runs on: a Clock
 * (protocols/clock.ts: wall time for the events' timestamps, monotonic time for debounce, stalls
 * and faults) and timers, both injectable. The system's by default; `ManualTime` in tests and the
 * contract suites, so a minute of passengers runs in a millisecond and "no timer left behind" can
 * be checked exactly.
 */
import type { Clock } from '../../protocols/index.js';

export interface Timers {
  /** Runs `run` once after `ms`; returns a handle for clearTimeout. */
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  id: number;
  due: number;
  run: () => void;
}

/**
 * A clock and timers that move only when told (`advance(ms)`): due timers run in order, each with
 * the clock set to its due time, including timers they set themselves within the advance.
 */
export class ManualTime implements Clock, Timers {
  #mono: number;
  #wallOffset: number;
  #timers: ManualTimer[] = [];
  #nextId = 1;

  /** Starts at wall time `wall` (ms since the epoch) and monotonic time `mono`. */
  constructor(wall = Date.UTC(2026, 10, 27, 7, 30), mono = 1_000) {
    this.#mono = mono;
    this.#wallOffset = wall - mono;
  }

  now(): number {
    return this.#mono + this.#wallOffset;
  }

  mono(): number {
    return this.#mono;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const timer = { id: this.#nextId++, due: this.#mono + Math.max(0, Number.isFinite(ms) ? ms : 0), run };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Timers set and not yet run or cleared. */
  pending(): number {
    return this.#timers.length;
  }

  /** Moves time on by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.#mono + ms;
    for (let guard = 0; ; guard++) {
      if (guard > 1_000_000) throw new Error('ManualTime: timers keep setting timers due now');
      let next: ManualTimer | undefined;
      for (const t of this.#timers) if (t.due <= until && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      if (next.due > this.#mono) this.#mono = next.due;
      next.run();
    }
    this.#mono = until;
  }
}
