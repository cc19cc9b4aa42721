/**
 * The car parks as the kiosk engine last heard of them (`occupancy-changed` from the occupancy
 * engine), kept in its table `kiosk_car_parks` so a restarted fleet composes the panels' content
 * at once, before the next change of each car park. A row that no longer passes the schema is
 * dropped when read.
 */
import type Database from 'better-sqlite3';
import { CarParkStatus } from '../../../protocols/index.js';

export const CAR_PARKS_MIGRATION = `CREATE TABLE kiosk_car_parks (
  id         TEXT PRIMARY KEY,
  site       TEXT NOT NULL,
  body       TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID`;

export class KioskCarParks {
  readonly #db: Database.Database;
  readonly #all = new Map<string, CarParkStatus>();

  constructor(db: Database.Database) {
    this.#db = db;
    for (const row of db.prepare('SELECT id, body FROM kiosk_car_parks').all() as { id: string; body: string }[]) {
      let json: unknown;
      try {
        json = JSON.parse(row.body);
      } catch {
        json = undefined;
      }
      const parsed = CarParkStatus.safeParse(json);
      if (parsed.success) this.#all.set(parsed.data.id, parsed.data);
    }
  }

  /** Keeps a car park's status; false when it is not a valid status (nothing kept). */
  put(status: CarParkStatus, now: number): boolean {
    const parsed = CarParkStatus.safeParse(status);
    if (!parsed.success) return false;
    this.#db
      .prepare('INSERT INTO kiosk_car_parks (id, site, body, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET site = excluded.site, body = excluded.body, updated_at = excluded.updated_at')
      .run(parsed.data.id, parsed.data.site, JSON.stringify(parsed.data), now);
    this.#all.set(parsed.data.id, parsed.data);
    return true;
  }

  all(): CarParkStatus[] {
    return [...this.#all.values()];
  }
}
