/**
 * The latest content of one kind a module keeps in one row of its own table, with when it came,
 * so a display that restarts without the fleet shows what it knew at once (the kiosk, the parking
 * panel, the departures board). A body kept by an older version is given back only if it still
 * passes its schema; one that does not is logged and treated as none.
 */
import type { ContentBody, ContentKind, Logger } from '../../protocols/index.js';
import { decodeContent } from '../../protocols/index.js';
import type { ModuleDatabase } from '../module.js';

/** The migration step that creates a one-row table (full name, from `db.table(name)`). */
export const latestContentTable = (table: string): string => `CREATE TABLE ${table} (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   )`;

export interface LatestContent<K extends ContentKind> {
  body: ContentBody<K>;
  /** When it arrived, ms since the Unix epoch (the agent's clock). */
  receivedAt: number;
}

/** The row of table `table` (the module's own name for it) holding the latest `kind`. */
export class LatestContentRow<K extends ContentKind> {
  readonly #db: ModuleDatabase;
  readonly #table: string;
  readonly #kind: K;
  readonly #what: string;
  readonly #log: Logger;

  /** `what` names the content in the warning of a body no longer valid: 'parking counts'. */
  constructor(db: ModuleDatabase, table: string, kind: K, log: Logger, what: string = kind) {
    this.#db = db;
    this.#table = table;
    this.#kind = kind;
    this.#log = log;
    this.#what = what;
  }

  load(): LatestContent<K> | null {
    const row = this.#db.prepare<{ received_at: number; body: string }>(`SELECT received_at, body FROM ${this.#db.table(this.#table)} WHERE id = 1`).get();
    if (!row) return null;
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch {
      json = undefined;
    }
    const decoded = decodeContent(this.#kind, json);
    if (decoded.ok) return { body: decoded.value, receivedAt: row.received_at };
    this.#log.warn(`stored ${this.#what} no longer valid: waiting for the next`, { reason: decoded.reason });
    return null;
  }

  save(body: ContentBody<K>, receivedAt: number): void {
    this.#db.prepare(`INSERT OR REPLACE INTO ${this.#db.table(this.#table)} (id, received_at, body) VALUES (1, ?, ?)`).run(receivedAt, JSON.stringify(body));
  }
}
