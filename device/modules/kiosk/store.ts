/**
 * The kiosk module's own table: the latest `kiosk` content and when it came, one row, so a panel
 * that restarts without the fleet shows what it knew at once (marked with its age). A body kept by
 * an older version is shown only if it still passes its schema.
 */
import type { KioskContent, Logger } from '../../../protocols/index.js';
import { decodeContent } from '../../../protocols/index.js';
import type { ModuleDatabase } from '../../module.js';
import type { StoredKiosk } from './view.js';

/** Schema version i + 1 is step i: append, never edit. */
export const MIGRATIONS = (db: ModuleDatabase): string[] => [
  `CREATE TABLE ${db.table('content')} (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   )`,
];

export class KioskStore {
  readonly #db: ModuleDatabase;
  readonly #log: Logger;

  constructor(db: ModuleDatabase, log: Logger) {
    this.#db = db;
    this.#log = log;
    db.migrate(MIGRATIONS(db));
  }

  load(): StoredKiosk | null {
    const row = this.#db.prepare<{ received_at: number; body: string }>(`SELECT received_at, body FROM ${this.#db.table('content')} WHERE id = 1`).get();
    if (!row) return null;
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch {
      json = undefined;
    }
    const decoded = decodeContent('kiosk', json);
    if (decoded.ok) return { body: decoded.value, receivedAt: row.received_at };
    this.#log.warn('stored kiosk content no longer valid: waiting for the next', { reason: decoded.reason });
    return null;
  }

  save(body: KioskContent, receivedAt: number): void {
    this.#db.prepare(`INSERT OR REPLACE INTO ${this.#db.table('content')} (id, received_at, body) VALUES (1, ?, ?)`).run(receivedAt, JSON.stringify(body));
  }
}
