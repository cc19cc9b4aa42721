/**
 * The kiosk module's own table: the latest `kiosk` content and when it came, one row, so a panel
 * that restarts without the fleet shows what it knew at once (marked with its age). A body kept by
 * an older version is shown only if it still passes its schema (../latest-content.ts).
 */
import type { KioskContent, Logger } from '../../../protocols/index.js';
import type { ModuleDatabase } from '../../module.js';
import { LatestContentRow, latestContentTable } from '../latest-content.js';
import type { StoredKiosk } from './view.js';

/** Schema version i + 1 is step i: append, never edit. */
export const MIGRATIONS = (db: ModuleDatabase): string[] => [latestContentTable(db.table('content'))];

export class KioskStore {
  readonly #row: LatestContentRow<'kiosk'>;

  constructor(db: ModuleDatabase, log: Logger) {
    db.migrate(MIGRATIONS(db));
    this.#row = new LatestContentRow(db, 'content', 'kiosk', log, 'kiosk content');
  }

  load(): StoredKiosk | null {
    return this.#row.load();
  }

  save(body: KioskContent, receivedAt: number): void {
    this.#row.save(body, receivedAt);
  }
}
