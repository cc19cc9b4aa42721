/**
 * The departures module's own tables: the latest of each content kind it takes (board, timetable
 * extract, service messages), one row each, so a display that restarts without a link shows what it
 * knew at once. A body kept by an older version is shown only if it still passes its schema.
 */
import type { ContentBody, Logger } from '../../../protocols/index.js';
import { decodeContent } from '../../../protocols/index.js';
import type { ModuleDatabase } from '../../module.js';

const oneRow = (table: string) => `CREATE TABLE ${table} (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   )`;

/** Schema version i + 1 is step i: append, never edit (step 1 is the board table of the first version). */
export const MIGRATIONS = (db: ModuleDatabase): string[] => [oneRow(db.table('board')), oneRow(db.table('timetable')), oneRow(db.table('messages'))];

export type StoredKind = 'arrival-board' | 'stop-timetable' | 'service-messages';

const TABLE: Record<StoredKind, string> = { 'arrival-board': 'board', 'stop-timetable': 'timetable', 'service-messages': 'messages' };

export interface Stored<K extends StoredKind> {
  body: ContentBody<K>;
  /** When it arrived, ms since the Unix epoch. */
  receivedAt: number;
}

export class DeparturesStore {
  readonly #db: ModuleDatabase;
  readonly #log: Logger;

  constructor(db: ModuleDatabase, log: Logger) {
    this.#db = db;
    this.#log = log;
    db.migrate(MIGRATIONS(db));
  }

  load<K extends StoredKind>(kind: K): Stored<K> | null {
    const row = this.#db.prepare<{ received_at: number; body: string }>(`SELECT received_at, body FROM ${this.#db.table(TABLE[kind])} WHERE id = 1`).get();
    if (!row) return null;
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch {
      json = undefined;
    }
    const decoded = decodeContent(kind, json);
    if (decoded.ok) return { body: decoded.value, receivedAt: row.received_at };
    this.#log.warn(`stored ${kind} no longer valid: waiting for the next`, { reason: decoded.reason });
    return null;
  }

  save<K extends StoredKind>(kind: K, body: ContentBody<K>, receivedAt: number): void {
    this.#db.prepare(`INSERT OR REPLACE INTO ${this.#db.table(TABLE[kind])} (id, received_at, body) VALUES (1, ?, ?)`).run(receivedAt, JSON.stringify(body));
  }
}
