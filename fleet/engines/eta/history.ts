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

/** Hours of the three day types: a bucket's slot is dayType × 24 + hour. */
const SLOTS = 3 * 24;

/**
 * One segment (a kind and key): its buckets by slot, its totals per day type and its most recent
 * observation. Held under one map key, so an estimate costs one lookup and no string building per
 * bucket (it runs for every stop ahead of every bus, on every fix).
 */
interface Segment {
  kind: HistoryKind;
  /** the key as stored (scope prefixed) */
  stored: string;
  buckets: (Stats | undefined)[];
  /** per day type: observations and their sum over all hours (the shrinkage target) */
  totals: { n: number; sum: number }[];
  recent: Recent | null;
  /** slots changed since the last flush */
  dirty: Set<number> | null;
}

export class TravelHistory {
  readonly #segments = new Map<string, Segment>();
  #buckets = 0;
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
        kind: HistoryKind;
        key: string;
        day_type: number;
        hour: number;
        n: number;
        mean: number;
        m2: number;
      }>) {
        if (r.day_type < 0 || r.day_type > 2 || r.hour < 0 || r.hour > 23) continue;
        const seg = this.#segment(r.kind, r.key.slice(this.#scope.length));
        const slot = r.day_type * 24 + r.hour;
        if (!seg.buckets[slot]) this.#buckets++;
        seg.buckets[slot] = { n: r.n, mean: r.mean, m2: r.m2 };
        seg.totals[r.day_type]!.n += r.n;
        seg.totals[r.day_type]!.sum += r.n * r.mean;
      }
      this.#upsert = db.prepare(
        `INSERT INTO eta_history (kind, key, day_type, hour, n, mean, m2) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, key, day_type, hour) DO UPDATE SET n = excluded.n, mean = excluded.mean, m2 = excluded.m2`,
      );
    } else this.#upsert = null;
  }

  get size(): number {
    return this.#buckets;
  }

  #segment(kind: HistoryKind, key: string): Segment {
    const id = `${kind}|${key}`;
    let seg = this.#segments.get(id);
    if (!seg) {
      seg = {
        kind,
        stored: this.#scope + key,
        buckets: new Array<Stats | undefined>(SLOTS),
        totals: [
          { n: 0, sum: 0 },
          { n: 0, sum: 0 },
          { n: 0, sum: 0 },
        ],
        recent: null,
        dirty: null,
      };
      this.#segments.set(id, seg);
    }
    return seg;
  }

  /** Segments with buckets changed since the last flush: written together, one transaction, not one commit each. */
  readonly #dirty = new Set<Segment>();

  /**
   * Writes what was learned since the last flush to the database in one transaction (the engine
   * calls it after each batch of fixes). A failure (a full disk) is thrown and the buckets stay
   * dirty: the next flush tries again, and nothing learned in memory is lost meanwhile.
   */
  flush(): number {
    if (!this.#upsert || this.#dirty.size === 0) return 0;
    const segments = [...this.#dirty];
    let rows = 0;
    this.#upsert.database.transaction(() => {
      for (const seg of segments) {
        for (const slot of seg.dirty!) {
          const s = seg.buckets[slot]!;
          this.#upsert!.run(seg.kind, seg.stored, Math.floor(slot / 24), slot % 24, s.n, s.mean, s.m2);
          rows++;
        }
      }
    })();
    for (const seg of segments) {
      seg.dirty = null;
      this.#dirty.delete(seg);
    }
    return rows;
  }

  /** Records one observation (seconds) of a segment's running time, a stop's dwell or a run's start lag. */
  record(kind: HistoryKind, key: string, dayType: DayType, hour: number, seconds: number, at: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    const seg = this.#segment(kind, key);
    const slot = dayType * 24 + hour;
    const s = seg.buckets[slot];
    if (!s) this.#buckets++;
    const was = s ?? { n: 0, mean: 0, m2: 0 };
    const n = Math.min(was.n + 1, MAX_N);
    const delta = seconds - was.mean;
    const mean = was.mean + delta / n;
    const m2 = was.n + 1 > MAX_N ? was.m2 * ((n - 1) / n) + delta * (seconds - mean) : was.m2 + delta * (seconds - mean);
    const next = { n, mean, m2: Math.max(0, m2) };
    seg.buckets[slot] = next;
    const total = seg.totals[dayType]!;
    total.n += next.n - was.n;
    total.sum += next.n * next.mean - was.n * was.mean;
    if (this.#upsert) {
      (seg.dirty ??= new Set()).add(slot);
      this.#dirty.add(seg);
    }
    seg.recent = { value: seconds, at };
  }

  /** The expected running time (or dwell, or start lag) at `at`, or null when nothing has been learned. */
  estimate(kind: HistoryKind, key: string, dayType: DayType, hour: number, at: number): Estimate | null {
    const seg = this.#segments.get(`${kind}|${key}`);
    if (!seg) return null;
    const avg = average(seg, dayType, hour);
    if (avg) return { mean: avg.mean, variance: avg.variance, from: 'history' };
    const recent = seg.recent;
    const fresh = recent && at - recent.at < RECENT_MS && at >= recent.at - RECENT_MS ? recent : null;
    if (fresh) return { mean: fresh.value, variance: Math.max(MIN_VAR, (fresh.value * DEFAULT_SPREAD) ** 2), from: 'recent' };
    return null;
  }
}

/**
 * The hour's average, helped by the hours beside it when it has few observations, and shrunk
 * towards the whole day type's average by PRIOR_N observations' worth (at most as many as the
 * other hours hold).
 */
function average(seg: Segment, dayType: DayType, hour: number): { mean: number; variance: number } | null {
  let n = 0;
  let sum = 0;
  let m2 = 0;
  const base = dayType * 24;
  for (let i = 0; i < 3; i++) {
    const h = i === 0 ? hour : i === 1 ? (hour + 23) % 24 : (hour + 1) % 24;
    const s = seg.buckets[base + h];
    if (!s) continue;
    // Chan et al.: merge two sets' mean and M2.
    const total = n + s.n;
    const delta = s.mean - (n ? sum / n : 0);
    m2 = n ? m2 + s.m2 + (delta * delta * n * s.n) / total : s.m2;
    sum += s.mean * s.n;
    n = total;
    if (h === hour && n >= MIN_N * 2) break;
  }
  const all = seg.totals[dayType]!;
  const others = all.n - n;
  const k = others > 0 ? Math.min(PRIOR_N, others) : 0;
  if (n + k < MIN_N) return null;
  const mean = (sum + (k ? (k * (all.sum - sum)) / others : 0)) / (n + k);
  const spread = n > 1 ? m2 / (n - 1) : (mean * DEFAULT_SPREAD) ** 2;
  return { mean, variance: Math.max(MIN_VAR, (mean * 0.05) ** 2, spread) };
}
