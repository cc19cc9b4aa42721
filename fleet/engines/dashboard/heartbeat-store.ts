/**
 * The heartbeat history (heartbeats.ts) kept in the fleet's database too, so a restarted fleet
 * (an upgrade, a reboot at 6 a.m.) still charts the hours before it.
 *
 * One row per minute of fleet time, holding every device's sample of that minute: a minute is
 * written once it is over (and the current one when the fleet stops), so the cost is one small
 * write a minute whatever the number of devices — not a row per device, which at 5000 devices
 * would hold the event loop for a fifth of a second every flush and take tens of seconds to read
 * back. Rows past the window are deleted by minute. A write that fails (a full disk) is logged and
 * counted and costs those samples their row, never the charts in memory; a row that cannot be
 * read back is skipped.
 */
import type Database from 'better-sqlite3';
import type { Logger } from '../../../protocols/index.js';
import type { HeartbeatHistory, HeartbeatSample, HeartbeatValues } from './heartbeats.js';

export const HEARTBEATS_MIGRATION = `CREATE TABLE dashboard_heartbeat_minutes (
  minute   INTEGER PRIMARY KEY,
  samples  TEXT NOT NULL
)`;

const MINUTE_MS = 60_000;
/** Minutes kept waiting while writes fail; older ones are given up. */
const MAX_PENDING_MINUTES = 5;
const FIELDS = ['depth', 'oldestAgeS', 'cpu', 'mem', 'temperatureC'] as const;
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** A minute's row: the devices, each one's time (seconds since the epoch) and values in FIELDS order. */
interface MinuteRow {
  d: string[];
  t: number[];
  v: (number | null)[][];
}

function rowOf(samples: Map<string, HeartbeatSample>): MinuteRow {
  const row: MinuteRow = { d: [], t: [], v: [] };
  for (const [id, s] of samples) {
    row.d.push(id);
    row.t.push(Math.floor(Date.parse(s.ts) / 1000));
    row.v.push(FIELDS.map((f) => s[f]));
  }
  return row;
}

function parseRow(text: string): MinuteRow | null {
  const row = JSON.parse(text) as Partial<MinuteRow>;
  const ok =
    Array.isArray(row.d) && Array.isArray(row.t) && Array.isArray(row.v) && row.d.length === row.t.length && row.d.length === row.v.length;
  return ok ? (row as MinuteRow) : null;
}

export class HeartbeatStore {
  readonly #db: Database.Database;
  readonly #log: Logger;
  /** Samples not yet written, by minute, then device (the last of the minute). */
  readonly #pending = new Map<number, Map<string, HeartbeatSample>>();
  /** Writes (and deletes) that failed. */
  failures = 0;
  /** Rows that could not be read back. */
  unreadable = 0;

  constructor(db: Database.Database, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  /** The sample `history` kept for `deviceId`, to be written once its minute is over. */
  keep(deviceId: string, sample: HeartbeatSample): void {
    const minute = Math.floor(Date.parse(sample.ts) / MINUTE_MS);
    let samples = this.#pending.get(minute);
    if (!samples) {
      samples = new Map();
      this.#pending.set(minute, samples);
      for (const old of this.#pending.keys()) {
        if (this.#pending.size <= MAX_PENDING_MINUTES) break;
        this.#pending.delete(old);
      }
    }
    samples.set(deviceId, sample);
  }

  /**
   * Writes the minutes that are over at `now` (all of them when `all`: the fleet is stopping). A
   * minute already in the database (the fleet stopped and started within it) is merged into.
   * Returns the minutes written.
   */
  flush(now: number, all = false): number {
    const current = Math.floor(now / MINUTE_MS);
    const due = [...this.#pending.keys()].filter((m) => all || m !== current);
    if (!due.length) return 0;
    try {
      const read = this.#db.prepare('SELECT samples FROM dashboard_heartbeat_minutes WHERE minute = ?').pluck();
      const write = this.#db.prepare('INSERT OR REPLACE INTO dashboard_heartbeat_minutes (minute, samples) VALUES (?, ?)');
      this.#db.transaction(() => {
        for (const minute of due) {
          const samples = this.#pending.get(minute)!;
          const before = read.get(minute) as string | undefined;
          const merged = new Map<string, HeartbeatSample>();
          if (before) for (const [id, s] of this.#samplesOf(before)) if (!samples.has(id)) merged.set(id, s);
          for (const [id, s] of samples) merged.set(id, s);
          write.run(minute, JSON.stringify(rowOf(merged)));
        }
      })();
      for (const minute of due) this.#pending.delete(minute);
      return due.length;
    } catch (err) {
      this.#failed('heartbeat history not written; the charts keep it in memory', err);
      return 0;
    }
  }

  /** Deletes the minutes outside the window ending at `now` (and any from a fleet clock that was ahead); the rows deleted. */
  prune(now: number, minutes: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    try {
      return this.#db.prepare('DELETE FROM dashboard_heartbeat_minutes WHERE minute <= ? OR minute > ?').run(minute - minutes, minute + 1).changes;
    } catch (err) {
      this.#failed('old heartbeat history not deleted', err);
      return 0;
    }
  }

  /** Fills `history` with the window's minutes, oldest first (so its bound on devices keeps the most recent); the samples read. */
  load(history: HeartbeatHistory, now: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    const rows = this.#db
      .prepare('SELECT samples FROM dashboard_heartbeat_minutes WHERE minute > ? AND minute <= ? ORDER BY minute')
      .pluck()
      .all(minute - history.minutes, minute) as string[];
    let n = 0;
    for (const text of rows) {
      for (const [id, values, at] of this.#valuesOf(text)) {
        history.put(id, values, at);
        n++;
      }
    }
    return n;
  }

  *#valuesOf(text: string): Generator<[string, HeartbeatValues, number]> {
    let row: MinuteRow | null = null;
    try {
      row = parseRow(text);
    } catch {
      row = null;
    }
    if (!row) {
      this.unreadable++;
      return;
    }
    for (let i = 0; i < row.d.length; i++) {
      const v = row.v[i]!;
      if (typeof row.d[i] !== 'string' || typeof row.t[i] !== 'number') continue;
      yield [row.d[i]!, { depth: num(v[0]), oldestAgeS: num(v[1]), cpu: num(v[2]), mem: num(v[3]), temperatureC: num(v[4]) }, row.t[i]! * 1000];
    }
  }

  *#samplesOf(text: string): Generator<[string, HeartbeatSample]> {
    for (const [id, values, at] of this.#valuesOf(text)) yield [id, { ts: new Date(at).toISOString(), ...values }];
  }

  #failed(what: string, err: unknown): void {
    this.failures++;
    if (this.failures === 1 || this.failures % 100 === 0) this.#log.warn(what, { error: (err as Error).message, failures: this.failures });
  }
}
