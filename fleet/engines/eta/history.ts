/**
 * What the ETA engine has learned: per stop-to-stop segment the running time, per stop the dwell,
 * and per first stop of a run how long after its time buses leave it, by day type (working day,
 * Saturday, Sunday/holiday) and hour of the day — count, mean and spread (Welford) in SQLite, so a
 * restarted fleet predicts as well as before — and the most recent vehicle's time (memory).
 *
 * The estimate is the hour's average (with the hours beside it while it has few observations),
 * shrunk towards the same segment's average over the whole day type by PRIOR_N observations' worth
 * (empirical Bayes): a bucket with one or two observations is mostly the segment's usual time, one
 * with hundreds is its own. On the WMATA tuning traces (test/data/avl) this beat the hour alone,
 * which with few observations is mostly noise: a single bus's time over a segment spreads widely.
 *
 * TheTransitClock (REFERENCES.md) blends the last vehicle's time into the average with a Kalman
 * filter, gain = (P + var) / (P + 2·var), which weighs the last vehicle a third or more. Measured on
 * the same traces (C53, D96), any extra weight on the last vehicle made predictions worse (that
 * filter: −0.9 and −0.8 points of score; a weight of 1/(n + 1): −0.15 and −0.2; a running average
 * of the last few vehicles instead: no better): one vehicle's time carries more of its own luck
 * than of the day's conditions, and the average already holds it. So the most recent time is only
 * used when nothing else is known.
 */
import type Database from 'better-sqlite3';

export type DayType = 0 | 1 | 2;

/** 'run': a segment's running time; 'dwell': a stop's dwell; 'start': how long after its time a run leaves its first stop */
export type HistoryKind = 'run' | 'dwell' | 'start';

export interface Estimate {
  /** seconds */
  mean: number;
  /** seconds² */
  variance: number;
  /** where it came from */
  from: 'blend' | 'history' | 'recent';
}

/** A most recent observation older than this is not used. */
const RECENT_MS = 30 * 60_000;
/**
 * How many observations the segment's whole-day-type average is worth beside the hour's own: a
 * bucket of n observations weighs n against this. Ten: a few days of one hour outweigh it.
 */
const PRIOR_N = 10;
/** The spread assumed before a bucket has seen enough (seconds, as a fraction of the mean). */
const DEFAULT_SPREAD = 0.2;
const MIN_VAR = 4;

export const HISTORY_MIGRATIONS = [
  `CREATE TABLE eta_history (
     kind     TEXT NOT NULL,      -- 'run' (segment from→to), 'dwell' (stop) or 'start' (a run's first stop)
     key      TEXT NOT NULL,      -- 'fromStop>toStop' or 'stop'
     day_type INTEGER NOT NULL,   -- 0 working day, 1 Saturday, 2 Sunday
     hour     INTEGER NOT NULL,   -- local hour 0..23
     n        INTEGER NOT NULL,
     mean     REAL NOT NULL,
     m2       REAL NOT NULL,
     PRIMARY KEY (kind, key, day_type, hour)
   ) WITHOUT ROWID`,
];

interface Stats {
  n: number;
  mean: number;
  m2: number;
}

interface Recent {
  value: number;
  at: number;
}

/** A bucket counts once it has this many observations; with fewer, the neighbouring hours help. */
const MIN_N = 1;
/** Observations a bucket weighs before it forgets slowly (an exponential average past this). */
const MAX_N = 200;

export class TravelHistory {
  readonly #stats = new Map<string, Stats>();
  /** per kind|key|dayType: observations and their sum over all hours (the shrinkage target) */
  readonly #totals = new Map<string, { n: number; sum: number }>();
  readonly #recent = new Map<string, Recent>();
  readonly #upsert: Database.Statement | null;

  readonly #scope: string;

  /**
   * With a database, the statistics persist there (its tables made by HISTORY_MIGRATIONS); without,
   * in memory only. `scope` (a site) keeps feeds whose stop ids collide apart.
   */
  constructor(db: Database.Database | null, scope = '') {
    this.#scope = scope ? `${scope}:` : '';
    if (db) {
      const rows = db.prepare('SELECT kind, key, day_type, hour, n, mean, m2 FROM eta_history WHERE substr(key, 1, ?) = ?');
      for (const r of rows.iterate(this.#scope.length, this.#scope) as IterableIterator<{
        kind: string;
        key: string;
        day_type: number;
        hour: number;
        n: number;
        mean: number;
        m2: number;
      }>) {
        const key = r.key.slice(this.#scope.length);
        this.#stats.set(`${r.kind}|${key}|${r.day_type}|${r.hour}`, { n: r.n, mean: r.mean, m2: r.m2 });
        this.#addTotal(`${r.kind}|${key}|${r.day_type}`, r.n, r.n * r.mean);
      }
      this.#upsert = db.prepare(
        `INSERT INTO eta_history (kind, key, day_type, hour, n, mean, m2) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, key, day_type, hour) DO UPDATE SET n = excluded.n, mean = excluded.mean, m2 = excluded.m2`,
      );
    } else this.#upsert = null;
  }

  get size(): number {
    return this.#stats.size;
  }

  /** Buckets changed since the last flush: written together, one transaction, not one commit each. */
  readonly #dirty = new Map<string, [string, string, DayType, number]>();

  /**
   * Writes what was learned since the last flush to the database in one transaction (the engine
   * calls it after each batch of fixes). A failure (a full disk) is thrown and the buckets stay
   * dirty: the next flush tries again, and nothing learned in memory is lost meanwhile.
   */
  flush(): number {
    if (!this.#upsert || this.#dirty.size === 0) return 0;
    const rows = [...this.#dirty];
    this.#upsert.database.transaction(() => {
      for (const [id, [kind, key, dayType, hour]] of rows) {
        const s = this.#stats.get(id)!;
        this.#upsert!.run(kind, key, dayType, hour, s.n, s.mean, s.m2);
      }
    })();
    for (const [id] of rows) this.#dirty.delete(id);
    return rows.length;
  }

  /** Records one observation (seconds) of a segment's running time, a stop's dwell or a run's start lag. */
  record(kind: HistoryKind, key: string, dayType: DayType, hour: number, seconds: number, at: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    const id = `${kind}|${key}|${dayType}|${hour}`;
    const s = this.#stats.get(id) ?? { n: 0, mean: 0, m2: 0 };
    const n = Math.min(s.n + 1, MAX_N);
    const delta = seconds - s.mean;
    const mean = s.mean + delta / n;
    const m2 = s.n + 1 > MAX_N ? s.m2 * ((n - 1) / n) + delta * (seconds - mean) : s.m2 + delta * (seconds - mean);
    const next = { n, mean, m2: Math.max(0, m2) };
    this.#stats.set(id, next);
    this.#addTotal(`${kind}|${key}|${dayType}`, next.n - s.n, next.n * next.mean - s.n * s.mean);
    if (this.#upsert) this.#dirty.set(id, [kind, this.#scope + key, dayType, hour]);
    this.#recent.set(`${kind}|${key}`, { value: seconds, at });
  }

  #addTotal(id: string, n: number, sum: number): void {
    const t = this.#totals.get(id) ?? { n: 0, sum: 0 };
    this.#totals.set(id, { n: t.n + n, sum: t.sum + sum });
  }

  /** The expected running time (or dwell, or start lag) at `at`, or null when nothing has been learned. */
  estimate(kind: HistoryKind, key: string, dayType: DayType, hour: number, at: number): Estimate | null {
    const avg = this.#average(kind, key, dayType, hour);
    if (avg) return { mean: avg.mean, variance: avg.variance, from: 'history' };
    const recent = this.#recent.get(`${kind}|${key}`);
    const fresh = recent && at - recent.at < RECENT_MS && at >= recent.at - RECENT_MS ? recent : null;
    if (fresh) return { mean: fresh.value, variance: Math.max(MIN_VAR, (fresh.value * DEFAULT_SPREAD) ** 2), from: 'recent' };
    return null;
  }

  /**
   * The hour's average, helped by the hours beside it when it has few observations, and shrunk
   * towards the whole day type's average by PRIOR_N observations' worth (at most as many as the
   * other hours hold).
   */
  #average(kind: string, key: string, dayType: DayType, hour: number): { mean: number; variance: number } | null {
    let n = 0;
    let sum = 0;
    let m2 = 0;
    for (const h of [hour, (hour + 23) % 24, (hour + 1) % 24]) {
      const s = this.#stats.get(`${kind}|${key}|${dayType}|${h}`);
      if (!s) continue;
      // Chan et al.: merge two sets' mean and M2.
      const total = n + s.n;
      const delta = s.mean - (n ? sum / n : 0);
      m2 = n ? m2 + s.m2 + (delta * delta * n * s.n) / total : s.m2;
      sum += s.mean * s.n;
      n = total;
      if (h === hour && n >= MIN_N * 2) break;
    }
    const all = this.#totals.get(`${kind}|${key}|${dayType}`);
    const others = all ? all.n - n : 0;
    const k = others > 0 ? Math.min(PRIOR_N, others) : 0;
    if (n + k < MIN_N) return null;
    const mean = (sum + (k ? (k * (all!.sum - sum)) / others : 0)) / (n + k);
    const spread = n > 1 ? m2 / (n - 1) : (mean * DEFAULT_SPREAD) ** 2;
    return { mean, variance: Math.max(MIN_VAR, (mean * 0.05) ** 2, spread) };
  }
}
