/**
 * The departures module's own tables: the latest of each content kind it takes (board, timetable
 * extract, service messages, nearby bike stations), one row each, so a display that restarts without a link shows what it
 * knew at once. A body kept by an older version is shown only if it still passes its schema
 * (../latest-content.ts).
 */
import type { Logger } from '../../../protocols/index.js';
import type { ModuleDatabase } from '../../module.js';
import { LatestContentRow, latestContentTable, type LatestContent } from '../latest-content.js';

/** Schema version i + 1 is step i: append, never edit (step 1 is the board table of the first version). */
export const MIGRATIONS = (db: ModuleDatabase): string[] => [
  latestContentTable(db.table('board')),
  latestContentTable(db.table('timetable')),
  latestContentTable(db.table('messages')),
  latestContentTable(db.table('bikes')),
];

export type StoredKind = 'arrival-board' | 'stop-timetable' | 'service-messages' | 'bike-stations';

const TABLE: Record<StoredKind, string> = { 'arrival-board': 'board', 'stop-timetable': 'timetable', 'service-messages': 'messages', 'bike-stations': 'bikes' };

export type Stored<K extends StoredKind> = LatestContent<K>;

export class DeparturesStore {
  readonly #db: ModuleDatabase;
  readonly #log: Logger;

  constructor(db: ModuleDatabase, log: Logger) {
    this.#db = db;
    this.#log = log;
    db.migrate(MIGRATIONS(db));
  }

  load<K extends StoredKind>(kind: K): Stored<K> | null {
    return this.#row(kind).load();
  }

  save<K extends StoredKind>(kind: K, body: Stored<K>['body'], receivedAt: number): void {
    this.#row(kind).save(body, receivedAt);
  }

  #row<K extends StoredKind>(kind: K): LatestContentRow<K> {
    return new LatestContentRow(this.#db, TABLE[kind], kind, this.#log);
  }
}
