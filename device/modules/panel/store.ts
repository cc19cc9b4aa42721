/**
 * The panel module's own table: the latest `parking-counts` and when it arrived, one row, so a
 * panel that restarts without the fleet knows at once what it had — and how old it is, so it shows
 * the counts only while they are fresh (rows.ts). A body kept by an older version is used only if
 * it still passes its schema.
 */
import type { Logger, ParkingCounts } from '../../../protocols/index.js';
import { decodeContent } from '../../../protocols/index.js';
import type { ModuleDatabase } from '../../module.js';
import type { StoredCounts } from './rows.js';

/** Schema version i + 1 is step i: append, never edit. */
export const MIGRATIONS = (db: ModuleDatabase): string[] => [
  `CREATE TABLE ${db.table('counts')} (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   )`,
];

export class PanelStore {
  readonly #db: ModuleDatabase;
  readonly #log: Logger;

  constructor(db: ModuleDatabase, log: Logger) {
    this.#db = db;
    this.#log = log;
    db.migrate(MIGRATIONS(db));
  }

  load(): StoredCounts | null {
    const row = this.#db.prepare<{ received_at: number; body: string }>(`SELECT received_at, body FROM ${this.#db.table('counts')} WHERE id = 1`).get();
    if (!row) return null;
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch {
      json = undefined;
    }
    const decoded = decodeContent('parking-counts', json);
    if (decoded.ok) return { body: decoded.value, receivedAt: row.received_at };
    this.#log.warn('stored parking counts no longer valid: waiting for the next', { reason: decoded.reason });
    return null;
  }

  save(body: ParkingCounts, receivedAt: number): void {
    this.#db.prepare(`INSERT OR REPLACE INTO ${this.#db.table('counts')} (id, received_at, body) VALUES (1, ?, ?)`).run(receivedAt, JSON.stringify(body));
  }
}
