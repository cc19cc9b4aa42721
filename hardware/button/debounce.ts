/**
 * A push button's contacts as a pure state machine: raw level changes in, presses out.
 *
 * A level counts only once it has held for `debounceMs`; a change undone sooner is contact bounce
 * (or a spike on a long cable), dropped and counted. A press is the moment the button went down
 * and stayed down for `debounceMs`; it is told once, however long the button is then held, and the
 * next press needs the button to have been released (for `debounceMs`) first. So a held button
 * presses once, a bouncing one once, and a 5 ms spike not at all.
 *
 *   level   ‾‾‾|_|‾|___________________|‾|_|‾‾‾‾‾‾
 *   stable  ‾‾‾‾‾‾‾‾‾‾|__________________________|‾‾‾
 *   press             ^ (told here, dated at the last down edge: when the button came to rest down)
 *
 * Time is whatever monotonic milliseconds the caller uses; nothing here reads a clock or sets a
 * timer: `feed` and `advance` say what time it is, `nextDeadline` when to call `advance` again.
 */

export interface PressStats {
  presses: number;
  /** Level changes undone within the debounce time. */
  bounces: number;
}

export class PressDebouncer {
  readonly debounceMs: number;
  /** The level that has held: true while the button is (known to be) down. */
  #stable = false;
  /** A change not yet held long enough: the new level and since when. */
  #candidate: { pressed: boolean; since: number } | null = null;
  #last = -Infinity;
  #stats: PressStats = { presses: 0, bounces: 0 };

  constructor(debounceMs = 50) {
    if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new RangeError(`button: debounceMs must be a finite number ≥ 0, not ${debounceMs}`);
    this.debounceMs = debounceMs;
  }

  /** Starts (again) from the level read now, forgetting any change under way. A button found held is no press. */
  prime(pressed: boolean, at: number): void {
    this.#stable = pressed;
    this.#candidate = null;
    this.#last = at;
  }

  /** The line read `pressed` at `at`; returns the presses (their monotonic times) that time has now settled. */
  feed(pressed: boolean, at: number): number[] {
    const t = Math.max(at, this.#last); // one line reports in order: never before its previous reading
    const settled = this.advance(t);
    const current = this.#candidate ? this.#candidate.pressed : this.#stable;
    if (pressed !== current) {
      if (this.#candidate && pressed === this.#stable) {
        this.#candidate = null; // back where it was before it could hold: a bounce
        this.#stats.bounces++;
      } else {
        this.#candidate = { pressed, since: t };
      }
    }
    return [...settled, ...this.advance(t)];
  }

  /** Time has reached `now`: a change that has held is applied. Returns the presses settled. */
  advance(now: number): number[] {
    if (now > this.#last) this.#last = now;
    const c = this.#candidate;
    if (!c || this.#last - c.since < this.debounceMs) return [];
    this.#candidate = null;
    this.#stable = c.pressed;
    if (!c.pressed) return [];
    this.#stats.presses++;
    return [c.since];
  }

  /** When `advance` next has something to do (monotonic ms), or null. */
  nextDeadline(): number | null {
    return this.#candidate ? this.#candidate.since + this.debounceMs : null;
  }

  /** The debounced level: true while the button is held. */
  get pressed(): boolean {
    return this.#stable;
  }

  get stats(): PressStats {
    return { ...this.#stats };
  }
}
