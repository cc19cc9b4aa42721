/**
 * The panel module's own table: the latest `parking-counts` and when it arrived, one row, so a
 * panel that restarts without the fleet knows at once what it had — and how old it is, so it shows
 * the counts only while they are fresh (rows.ts). A body kept by an older version is used only if
 * it still passes its schema (../latest-content.ts).
 */
import type { Logger, ParkingCounts } from '../../../protocols/index.js';
import type { ModuleDatabase } from '../../module.js';
import { LatestContentRow, latestContentTable } from '../latest-content.js';
import type { StoredCounts } from './rows.js';

/** Schema version i + 1 is step i: append, never edit. */
export const MIGRATIONS = (db: ModuleDatabase): string[] => [latestContentTable(db.table('counts'))];

export class PanelStore {
  readonly #row: LatestContentRow<'parking-counts'>;

  constructor(db: ModuleDatabase, log: Logger) {
    db.migrate(MIGRATIONS(db));
    this.#row = new LatestContentRow(db, 'counts', 'parking-counts', log, 'parking counts');
  }

  load(): StoredCounts | null {
    return this.#row.load();
  }

  save(body: ParkingCounts, receivedAt: number): void {
    this.#row.save(body, receivedAt);
  }
}
