/**
 * The outbox's own clock, for ages and TTLs: monotonic while the agent runs, continued across
 * restarts from what was saved, so a wall clock that steps (NTP after a boot without an RTC, a
 * correction either way) neither expires accepted records nor keeps them forever.
 *
 * Across a restart it adds the wall-clock time that passed, when the wall clock says some did;
 * a wall clock behind the saved one (a Pi that booted in the past) adds nothing, so records age
 * only by time the agent saw pass. Saved every minute or so and on close: a crash costs a minute
 * of age at most, in the direction of keeping records longer.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../protocols/index.js';

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

  constructor(db: Database.Database, clock: Clock) {
    db.exec(SCHEMA);
    this.#clock = clock;
    const row = db.prepare('SELECT clock, wall FROM outbox_clock WHERE id = 1').get() as { clock: number; wall: number } | undefined;
    const wall = clock.now();
    this.#base = row ? row.clock + Math.max(0, wall - row.wall) : wall;
    this.#monoAtOpen = clock.mono();
    this.#save = db.prepare('INSERT OR REPLACE INTO outbox_clock (id, clock, wall) VALUES (1, ?, ?)');
  }

  /** Milliseconds on the outbox clock. */
  now(): number {
    return Math.round(this.#base + (this.#clock.mono() - this.#monoAtOpen));
  }

  /** Saves the clock (call inside a transaction that writes anyway, or alone). */
  save(): void {
    this.#save.run(this.now(), this.#clock.now());
  }
}
