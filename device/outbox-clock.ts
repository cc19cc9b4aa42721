/**
 * The outbox's own clock, for ages and TTLs: monotonic while the agent runs, continued across
 * restarts from what was saved, so a wall clock that steps (NTP after a boot without an RTC, a
 * correction either way) neither expires accepted records nor keeps them forever.
 *
 * Across a restart it adds the wall-clock time that passed, when the wall clock says some did;
 * a wall clock behind the saved one (a Pi that booted in the past) adds nothing, so records age
 * only by time the agent saw pass. Saved every minute or so and on close: a crash costs a minute
 * of age at most, in the direction of keeping records longer. A step of the wall clock while the
 * agent runs is not time that passed either: the clock is saved again soon after one (`stepped()`,
 * the next commit; the agent's step watch), so that a crash right after it does not count it.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../protocols/index.js';
import { CLOCK_STEP_THRESHOLD_MS } from '../protocols/index.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS outbox_clock (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  clock INTEGER NOT NULL,
  wall  INTEGER NOT NULL
);`;

export class OutboxClock {
  readonly #clock: Clock;
  readonly #base: number;
  readonly #monoAtOpen: number;
  readonly #save;
  readonly #load;
  /** wall − outbox clock, as last saved: a restart adds the wall-clock time past it. */
  #savedOffset: number;

  constructor(db: Database.Database, clock: Clock) {
    db.exec(SCHEMA);
    this.#clock = clock;
    this.#load = db.prepare('SELECT clock, wall FROM outbox_clock WHERE id = 1');
    const row = this.#load.get() as { clock: number; wall: number } | undefined;
    const wall = clock.now();
    this.#base = row ? row.clock + Math.max(0, wall - row.wall) : wall;
    this.#monoAtOpen = clock.mono();
    this.#savedOffset = row ? row.wall - row.clock : wall - this.#base;
    this.#save = db.prepare('INSERT OR REPLACE INTO outbox_clock (id, clock, wall) VALUES (1, ?, ?)');
  }

  /** Milliseconds on the outbox clock. */
  now(): number {
    return Math.round(this.#base + (this.#clock.mono() - this.#monoAtOpen));
  }

  /** Saves the clock (call inside a transaction that writes anyway, or alone). */
  save(): void {
    const now = this.now();
    const wall = this.#clock.now();
    this.#save.run(now, wall);
    this.#savedOffset = wall - now;
  }

  /**
   * Whether the wall clock moved apart from this clock since the last save (a step while running,
   * or a restart on a wall clock behind the saved one): then it should be saved again soon.
   */
  stepped(): boolean {
    return Math.abs(this.#clock.now() - this.now() - this.#savedOffset) >= CLOCK_STEP_THRESHOLD_MS;
  }

  /** A transaction that saved the clock was rolled back: take what is on disk as saved again. */
  reload(): void {
    try {
      const row = this.#load.get() as { clock: number; wall: number } | undefined;
      if (row) this.#savedOffset = row.wall - row.clock;
    } catch {
      // unreadable now: `stepped()` may miss one save; the next periodic save covers it
    }
  }
}
