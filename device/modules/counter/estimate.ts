/**
 * The counter's local occupancy estimate per car park, from its own counts: each vehicle in or out
 * moves it by one, kept between 0 and the car park's capacity (a clamp is counted: counts drift), a
 * manual `adjust` moves or sets it, the nightly recalibration sets it. The fleet's occupancy engine
 * is the authority; this is what the device itself believes, kept in its own tables so a restart
 * keeps it, with every adjustment and recalibration written beside it.
 *
 * `nextCount` and `recalibrationDue` are the decisions, pure; `EstimateStore` is their I/O.
 */
import type { ModuleDatabase } from '../../module.js';
import { localDate, localTimeOfDayMs, parseHhMm } from '../../../hardware/loop/hours.js';

/** A recalibration missed by more than this (the agent was off at night) waits for the next night. */
export const RECALIBRATION_WINDOW_MS = 6 * 3_600_000;

/** A count moved by `delta` (or set to `set`), kept within 0…capacity; `clamped`: by how much it would have gone past. */
export function nextCount(before: number, change: { delta: number } | { set: number }, capacity?: number): { after: number; clamped: number } {
  const wanted = 'set' in change ? change.set : before + change.delta;
  if (wanted < 0) return { after: 0, clamped: -wanted };
  if (capacity !== undefined && wanted > capacity) return { after: capacity, clamped: wanted - capacity };
  return { after: wanted, clamped: 0 };
}

/**
 * The local date whose recalibration is due at `now`, or null: due once the local time has reached
 * `at` that day, within RECALIBRATION_WINDOW_MS, if that date's has not been done.
 */
export function recalibrationDue(now: number, at: string, timeZone: string, lastDate: string | null): string | null {
  const since = localTimeOfDayMs(now, timeZone) - parseHhMm(at) * 60_000;
  if (since < 0 || since >= RECALIBRATION_WINDOW_MS) return null;
  const today = localDate(now, timeZone);
  return lastDate === today ? null : today;
}

export interface CarParkEstimate {
  carParkId: string;
  count: number;
  /** Wall ms of the last change. */
  updatedAt: number;
  /** Local date of the last nightly recalibration, or null. */
  recalibrated: string | null;
}

export interface EstimateChange {
  carParkId: string;
  kind: 'adjust' | 'recalibrate';
  before: number;
  after: number;
  reason: string;
  by: string;
  at: number;
}

const MIGRATIONS = (t: (name: string) => string): string[] => [
  `CREATE TABLE ${t('estimate')} (car_park_id TEXT PRIMARY KEY, count INTEGER NOT NULL, updated_at INTEGER NOT NULL, recalibrated TEXT);
   CREATE TABLE ${t('changes')} (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, car_park_id TEXT NOT NULL, kind TEXT NOT NULL, before INTEGER NOT NULL, after INTEGER NOT NULL, reason TEXT NOT NULL, by TEXT NOT NULL);`,
];

interface Row {
  car_park_id: string;
  count: number;
  updated_at: number;
  recalibrated: string | null;
}

/** The estimates in the module's own tables (device/module-db.ts). */
export class EstimateStore {
  readonly #db: ModuleDatabase;

  constructor(db: ModuleDatabase) {
    this.#db = db;
    db.migrate(MIGRATIONS((n) => db.table(n)));
  }

  get(carParkId: string): CarParkEstimate {
    const row = this.#db.prepare<Row>(`SELECT * FROM ${this.#db.table('estimate')} WHERE car_park_id = ?`).get(carParkId);
    return row ? fromRow(row) : { carParkId, count: 0, updatedAt: 0, recalibrated: null };
  }

  all(): CarParkEstimate[] {
    return this.#db.prepare<Row>(`SELECT * FROM ${this.#db.table('estimate')} ORDER BY car_park_id`).all().map(fromRow);
  }

  /** Sets a car park's count (and, for a recalibration, its date), with the change written beside it when there is one. */
  set(estimate: CarParkEstimate, change?: EstimateChange): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO ${this.#db.table('estimate')} (car_park_id, count, updated_at, recalibrated) VALUES (?, ?, ?, ?)
           ON CONFLICT (car_park_id) DO UPDATE SET count = excluded.count, updated_at = excluded.updated_at, recalibrated = excluded.recalibrated`,
        )
        .run(estimate.carParkId, estimate.count, estimate.updatedAt, estimate.recalibrated);
      if (change) {
        this.#db
          .prepare(`INSERT INTO ${this.#db.table('changes')} (at, car_park_id, kind, before, after, reason, by) VALUES (?, ?, ?, ?, ?, ?, ?)`)
          .run(change.at, change.carParkId, change.kind, change.before, change.after, change.reason, change.by);
      }
    });
  }

  /** The latest adjustments and recalibrations, newest first. */
  changes(limit = 20): EstimateChange[] {
    return this.#db
      .prepare<{ at: number; car_park_id: string; kind: 'adjust' | 'recalibrate'; before: number; after: number; reason: string; by: string }>(
        `SELECT * FROM ${this.#db.table('changes')} ORDER BY id DESC LIMIT ?`,
      )
      .all(limit)
      .map((r) => ({ carParkId: r.car_park_id, kind: r.kind, before: r.before, after: r.after, reason: r.reason, by: r.by, at: r.at }));
  }
}

const fromRow = (r: Row): CarParkEstimate => ({ carParkId: r.car_park_id, count: r.count, updatedAt: r.updated_at, recalibrated: r.recalibrated });
