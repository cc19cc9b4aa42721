/**
 * The heartbeat history (heartbeats.ts) kept in the fleet's database too, so a restarted fleet
 * (an upgrade, a reboot at 6 a.m.) still charts the hours before it: the last sample of each minute
 * of each device, one row per device and minute.
 *
 * Cheap on the hot path: a heartbeat only replaces its device's pending sample in memory; the rows
 * are written every `flushMs` in one transaction (5000 devices at one beat a minute: ~80 rows a
 * second, batched), and rows older than the window are deleted now and then. A write that fails (a
 * full disk) is logged and counted, and costs those samples their row, never the charts in memory.
 */
import type Database from 'better-sqlite3';
import type { Logger } from '../../../protocols/index.js';
import type { HeartbeatHistory, HeartbeatSample } from './heartbeats.js';

export const HEARTBEATS_MIGRATION = `CREATE TABLE dashboard_heartbeats (
  device_id      TEXT NOT NULL,
  minute         INTEGER NOT NULL,
  ts             INTEGER NOT NULL,
  depth          REAL,
  oldest_age_s   REAL,
  cpu            REAL,
  mem            REAL,
  temperature_c  REAL,
  PRIMARY KEY (device_id, minute)
) WITHOUT ROWID;
CREATE INDEX dashboard_heartbeats_by_minute ON dashboard_heartbeats (minute)`;

const MINUTE_MS = 60_000;

interface Row {
  device_id: string;
  ts: number;
  depth: number | null;
  oldest_age_s: number | null;
  cpu: number | null;
  mem: number | null;
  temperature_c: number | null;
}

export class HeartbeatStore {
  readonly #db: Database.Database;
  readonly #log: Logger;
  /** The newest sample of each device not yet written (one per device: a newer minute replaces an older one only after a flush). */
  readonly #pending = new Map<string, { minute: number; sample: HeartbeatSample }[]>();
  readonly #upsert: Database.Statement;
  failures = 0;

  constructor(db: Database.Database, log: Logger) {
    this.#db = db;
    this.#log = log;
    this.#upsert = db.prepare(
      `INSERT INTO dashboard_heartbeats (device_id, minute, ts, depth, oldest_age_s, cpu, mem, temperature_c)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, minute) DO UPDATE SET ts = excluded.ts, depth = excluded.depth, oldest_age_s = excluded.oldest_age_s,
         cpu = excluded.cpu, mem = excluded.mem, temperature_c = excluded.temperature_c`,
    );
  }

  /** The sample `history.record` kept for `deviceId`, to be written at the next flush. */
  keep(deviceId: string, sample: HeartbeatSample): void {
    const minute = Math.floor(Date.parse(sample.ts) / MINUTE_MS);
    const queued = this.#pending.get(deviceId);
    if (!queued) return void this.#pending.set(deviceId, [{ minute, sample }]);
    const last = queued[queued.length - 1]!;
    if (last.minute === minute) last.sample = sample;
    else if (queued.length < 5) queued.push({ minute, sample });
    else queued[queued.length - 1] = { minute, sample }; // flushes stalled: keep the newest
  }

  /** Writes what is pending in one transaction; the rows written. */
  flush(): number {
    if (!this.#pending.size) return 0;
    const batch = [...this.#pending];
    this.#pending.clear();
    try {
      let n = 0;
      this.#db.transaction(() => {
        for (const [deviceId, queued] of batch) {
          for (const { minute, sample: s } of queued) {
            this.#upsert.run(deviceId, minute, Math.floor(Date.parse(s.ts) / 1000), s.depth, s.oldestAgeS, s.cpu, s.mem, s.temperatureC);
            n++;
          }
        }
      })();
      return n;
    } catch (err) {
      this.failures++;
      if (this.failures === 1 || this.failures % 100 === 0)
        this.#log.warn('heartbeat history not written; the charts keep it in memory', { error: (err as Error).message, failures: this.failures });
      return 0;
    }
  }

  /** Deletes the rows outside the window ending at `now` (and any from a fleet clock that was ahead); the rows deleted. */
  prune(now: number, minutes: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    try {
      return this.#db.prepare('DELETE FROM dashboard_heartbeats WHERE minute <= ? OR minute > ?').run(minute - minutes, minute + 1).changes;
    } catch (err) {
      this.failures++;
      this.#log.warn('old heartbeat history not deleted', { error: (err as Error).message });
      return 0;
    }
  }

  /** Fills `history` with the window's rows, oldest minute first (so the bound on devices keeps the most recent); the rows read. */
  load(history: HeartbeatHistory, now: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    const rows = this.#db
      .prepare('SELECT device_id, ts, depth, oldest_age_s, cpu, mem, temperature_c FROM dashboard_heartbeats WHERE minute > ? AND minute <= ? ORDER BY minute, device_id')
      .iterate(minute - history.minutes, minute) as IterableIterator<Row>;
    let n = 0;
    for (const r of rows) {
      history.put(r.device_id, { depth: r.depth, oldestAgeS: r.oldest_age_s, cpu: r.cpu, mem: r.mem, temperatureC: r.temperature_c }, r.ts * 1000);
      n++;
    }
    return n;
  }
}
