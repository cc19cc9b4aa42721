/**
 * The alert history in the fleet database: one row per alert, raised and (later) cleared with
 * their times. At most one alert per device and rule is open (a partial unique index), so a fleet
 * that restarts finds its open alerts again instead of raising them twice.
 */
import type Database from 'better-sqlite3';
import type { RuleId } from './rules.js';

export const ALERTS_MIGRATIONS = [
  `CREATE TABLE alerts_history (
     id INTEGER PRIMARY KEY,
     device_id TEXT NOT NULL,
     rule TEXT NOT NULL,
     detail TEXT NOT NULL,
     raised_at INTEGER NOT NULL,
     cleared_at INTEGER,
     cleared_detail TEXT
   );
   CREATE UNIQUE INDEX alerts_history_open ON alerts_history (device_id, rule) WHERE cleared_at IS NULL;
   CREATE INDEX alerts_history_cleared ON alerts_history (cleared_at) WHERE cleared_at IS NOT NULL;`,
];

export interface Alert {
  id: number;
  deviceId: string;
  rule: RuleId;
  detail: string;
  raisedAt: number;
  clearedAt: number | null;
  /** Why it cleared (the rule no longer holds, the device was removed, the rule was turned off). */
  clearedDetail: string | null;
}

interface Row {
  id: number;
  device_id: string;
  rule: RuleId;
  detail: string;
  raised_at: number;
  cleared_at: number | null;
  cleared_detail: string | null;
}

const alertOf = (r: Row): Alert => ({
  id: r.id,
  deviceId: r.device_id,
  rule: r.rule,
  detail: r.detail,
  raisedAt: r.raised_at,
  clearedAt: r.cleared_at,
  clearedDetail: r.cleared_detail,
});

export class AlertStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Open alerts, oldest first. */
  open(): Alert[] {
    return (this.#db.prepare('SELECT * FROM alerts_history WHERE cleared_at IS NULL ORDER BY raised_at, id').all() as Row[]).map(alertOf);
  }

  /** Alerts cleared at or after `since`, newest first, at most `limit`. */
  recent(since: number, limit = 500): Alert[] {
    return (
      this.#db.prepare('SELECT * FROM alerts_history WHERE cleared_at >= ? ORDER BY cleared_at DESC, id DESC LIMIT ?').all(since, limit) as Row[]
    ).map(alertOf);
  }

  raise(deviceId: string, rule: RuleId, detail: string, at: number): Alert {
    const r = this.#db
      .prepare('INSERT INTO alerts_history (device_id, rule, detail, raised_at) VALUES (?, ?, ?, ?) RETURNING *')
      .get(deviceId, rule, detail, at) as Row;
    return alertOf(r);
  }

  /** Clears the open alert of `deviceId` and `rule`; null when none is open. */
  clear(deviceId: string, rule: RuleId, at: number, why: string): Alert | null {
    const r = this.#db
      .prepare('UPDATE alerts_history SET cleared_at = ?, cleared_detail = ? WHERE device_id = ? AND rule = ? AND cleared_at IS NULL RETURNING *')
      .get(at, why, deviceId, rule) as Row | undefined;
    return r ? alertOf(r) : null;
  }

  /** Deletes alerts cleared before `before`; returns how many. */
  prune(before: number): number {
    return this.#db.prepare('DELETE FROM alerts_history WHERE cleared_at IS NOT NULL AND cleared_at < ?').run(before).changes;
  }
}
