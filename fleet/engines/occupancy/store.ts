/**
 * The occupancy engine's tables: each site's catalogue as it was put, each car park's count (so a
 * restart keeps the occupancy), and each car park's history (corrections, recalibrations, state
 * changes, catalogue changes), kept for `HISTORY_DAYS`.
 */
import type Database from 'better-sqlite3';
import { Catalogue } from './catalogue.js';
import type { CarParkCount, Level } from './model.js';

export const OCCUPANCY_MIGRATIONS = [
  `CREATE TABLE occupancy_catalogues (
    site       TEXT PRIMARY KEY,
    document   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE occupancy_counts (
    car_park_id     TEXT PRIMARY KEY,
    occupied        INTEGER NOT NULL,
    level           TEXT NOT NULL,
    last_count_at   INTEGER,
    clamped_high    INTEGER NOT NULL,
    clamped_low     INTEGER NOT NULL,
    recalibrated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE occupancy_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    car_park_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL
  );
  CREATE INDEX occupancy_history_by_car_park ON occupancy_history (car_park_id, at);`,
];

export const HISTORY_DAYS = 90;

export type HistoryKind = 'adjust' | 'recalibrate' | 'recalibration-missed' | 'state' | 'catalogue';

export interface HistoryEntry {
  id: number;
  carParkId: string;
  at: number;
  kind: HistoryKind;
  detail: Record<string, unknown>;
}

export class OccupancyStore {
  readonly #db: Database.Database;
  readonly #saveCount: Database.Statement;
  readonly #addHistory: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#saveCount = db.prepare(
      `INSERT INTO occupancy_counts (car_park_id, occupied, level, last_count_at, clamped_high, clamped_low, recalibrated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (car_park_id) DO UPDATE SET occupied = excluded.occupied, level = excluded.level, last_count_at = excluded.last_count_at,
         clamped_high = excluded.clamped_high, clamped_low = excluded.clamped_low, recalibrated_at = excluded.recalibrated_at`,
    );
    this.#addHistory = db.prepare('INSERT INTO occupancy_history (car_park_id, at, kind, detail) VALUES (?, ?, ?, ?)');
  }

  /** Every stored catalogue (a row that no longer parses is reported, not loaded). */
  catalogues(): { catalogues: { catalogue: Catalogue; updatedAt: number }[]; broken: { site: string; error: string }[] } {
    const rows = this.#db.prepare('SELECT site, document, updated_at FROM occupancy_catalogues ORDER BY site').all() as { site: string; document: string; updated_at: number }[];
    const catalogues: { catalogue: Catalogue; updatedAt: number }[] = [];
    const broken: { site: string; error: string }[] = [];
    for (const r of rows) {
      const p = Catalogue.safeParse(JSON.parse(r.document));
      if (p.success) catalogues.push({ catalogue: p.data, updatedAt: r.updated_at });
      else broken.push({ site: r.site, error: p.error.message });
    }
    return { catalogues, broken };
  }

  counts(): Map<string, CarParkCount> {
    const rows = this.#db.prepare('SELECT * FROM occupancy_counts').all() as {
      car_park_id: string;
      occupied: number;
      level: Level;
      last_count_at: number | null;
      clamped_high: number;
      clamped_low: number;
      recalibrated_at: number;
    }[];
    return new Map(
      rows.map((r) => [
        r.car_park_id,
        { occupied: r.occupied, level: r.level, lastCountAt: r.last_count_at, clampedHigh: r.clamped_high, clampedLow: r.clamped_low, recalibratedAt: r.recalibrated_at },
      ]),
    );
  }

  /** Runs `work` in one transaction (a batch of counts and its history together). */
  atomically<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  putCatalogue(c: Catalogue, now: number): void {
    this.#db
      .prepare('INSERT INTO occupancy_catalogues (site, document, updated_at) VALUES (?, ?, ?) ON CONFLICT (site) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at')
      .run(c.site, JSON.stringify(c), now);
  }

  saveCount(id: string, c: CarParkCount): void {
    this.#saveCount.run(id, c.occupied, c.level, c.lastCountAt, c.clampedHigh, c.clampedLow, c.recalibratedAt);
  }

  record(carParkId: string, at: number, kind: HistoryKind, detail: Record<string, unknown>): void {
    this.#addHistory.run(carParkId, at, kind, JSON.stringify(detail));
  }

  history(carParkId: string, limit = 100): HistoryEntry[] {
    const rows = this.#db
      .prepare('SELECT id, car_park_id, at, kind, detail FROM occupancy_history WHERE car_park_id = ? ORDER BY at DESC, id DESC LIMIT ?')
      .all(carParkId, limit) as { id: number; car_park_id: string; at: number; kind: HistoryKind; detail: string }[];
    return rows.map((r) => ({ id: r.id, carParkId: r.car_park_id, at: r.at, kind: r.kind, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Forgets history older than `HISTORY_DAYS`; returns how many entries went. */
  prune(now: number): number {
    return this.#db.prepare('DELETE FROM occupancy_history WHERE at < ?').run(now - HISTORY_DAYS * 86_400_000).changes;
  }
}
