/**
 * Telemetry ingest: at least once in, exactly once stored.
 *
 * Every record is stored under the unique key (deviceId, stream, seq); a repeat is counted and
 * dropped. Batches that arrive in one event-loop turn are committed in one transaction; only after
 * that commit does the device get its `ack`: the contiguous high-water mark per stream.
 * Seqs the device says it will never send (below its batch's `low`: expired or dropped when full)
 * are counted as lost and skipped; other holes are gaps, visible until they are filled.
 * A batch from a new outbox (a replaced SD card, a wiped agent: seqs start again at 1) moves what
 * the old one sent to the stream `{stream}~{oldOutboxId}`, so nothing new is taken for a duplicate
 * and nothing old is lost.
 */
import type Database from 'better-sqlite3';
import type { TelemetryBatch } from '../protocols/index.js';
import type { Metrics } from './metrics.js';

export interface StreamStatus {
  stream: string;
  hwm: number;
  maxSeq: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** seqs above the high-water mark not yet received */
  gaps: number;
}

interface StreamState {
  hwm: number;
  maxSeq: number;
  stored: number;
  duplicates: number;
  lost: number;
  outboxId: string | null;
}

interface Queued {
  deviceId: string;
  stream: string;
  batch: TelemetryBatch;
}

function fresh(outboxId: string | null): StreamState {
  return { hwm: 0, maxSeq: 0, stored: 0, duplicates: 0, lost: 0, outboxId };
}

/** Least time between two ingest commits under load (the most an ack waits for its batch-mates). */
const COMMIT_SPACING_MS = 10;

export type AckPublisher = (deviceId: string, streams: Record<string, number>) => void;

export class Ingest {
  readonly #db: Database.Database;
  readonly #metrics: Metrics;
  readonly #publishAck: AckPublisher;
  readonly #now: () => number;
  readonly #streams = new Map<string, StreamState>();
  #queue: Queued[] = [];
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #lastFlush = 0;
  readonly #stmt;

  constructor(db: Database.Database, metrics: Metrics, publishAck: AckPublisher, now: () => number = Date.now) {
    this.#db = db;
    this.#metrics = metrics;
    this.#publishAck = publishAck;
    this.#now = now;
    this.#stmt = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO telemetry (device_id, stream, seq, ts, epoch, received_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      load: db.prepare(
        'SELECT hwm, max_seq AS maxSeq, stored, duplicates, lost, outbox_id AS outboxId FROM streams WHERE device_id = ? AND stream = ?',
      ),
      save: db.prepare(
        `INSERT INTO streams (device_id, stream, hwm, max_seq, stored, duplicates, lost, outbox_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, stream) DO UPDATE SET hwm = excluded.hwm, max_seq = excluded.max_seq,
           stored = excluded.stored, duplicates = excluded.duplicates, lost = excluded.lost, outbox_id = excluded.outbox_id`,
      ),
      archiveRows: db.prepare('UPDATE telemetry SET stream = ? WHERE device_id = ? AND stream = ?'),
      above: db.prepare('SELECT seq FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ? ORDER BY seq LIMIT 1000'),
      countRange: db.prepare('SELECT count(*) AS n FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ? AND seq <= ?'),
      countAbove: db.prepare('SELECT count(*) AS n FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ?'),
      ofDevice: db.prepare(
        'SELECT stream, hwm, max_seq AS maxSeq, stored, duplicates, lost FROM streams WHERE device_id = ? ORDER BY stream',
      ),
    };
  }

  /** Queues a validated batch; it is committed and acked with everything else of this turn. */
  accept(deviceId: string, stream: string, batch: TelemetryBatch): void {
    this.#queue.push({ deviceId, stream, batch });
    if (this.#scheduled) return;
    // Group commit: at once when idle, at most one commit per COMMIT_SPACING_MS under load, so a
    // busy fleet commits hundreds of records per transaction instead of a few.
    const wait = this.#lastFlush + COMMIT_SPACING_MS - this.#now();
    this.#scheduled = wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
  }

  flush(): void {
    const scheduled = this.#scheduled;
    if (scheduled) {
      if ('hasRef' in scheduled && 'refresh' in scheduled) clearTimeout(scheduled);
      else clearImmediate(scheduled as NodeJS.Immediate);
    }
    this.#scheduled = null;
    this.#lastFlush = this.#now();
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    const acks = new Map<string, Record<string, number>>();
    let stored = 0;
    let duplicates = 0;
    const receivedAt = this.#now();
    const snapshot = new Map<string, StreamState>();
    const touched = new Map<string, [string, string, StreamState]>();
    try {
      this.#db.transaction(() => {
        for (const { deviceId, stream, batch } of queue) {
          const key = `${deviceId}\u0000${stream}`;
          let s = this.#state(deviceId, stream, key);
          if (!snapshot.has(key)) snapshot.set(key, { ...s });
          if (batch.outbox && batch.outbox !== s.outboxId) {
            if (s.outboxId !== null && s.maxSeq > 0) s = this.#archive(deviceId, stream, key, s);
            s.outboxId = batch.outbox;
          }
          // Seqs below `low` will never come: skip them, counting those never stored as lost.
          if (batch.low - 1 > s.hwm) {
            const have = (this.#stmt.countRange.get(deviceId, stream, s.hwm, batch.low - 1) as { n: number }).n;
            s.lost += batch.low - 1 - s.hwm - have;
            s.hwm = batch.low - 1;
            if (s.maxSeq < s.hwm) s.maxSeq = s.hwm;
          }
          for (const r of batch.records) {
            const changes = this.#stmt.insert.run(deviceId, stream, r.seq, r.ts, batch.epoch, receivedAt, JSON.stringify(r.data ?? null)).changes;
            if (changes === 1) {
              s.stored++;
              stored++;
              if (r.seq > s.maxSeq) s.maxSeq = r.seq;
            } else {
              s.duplicates++;
              duplicates++;
            }
          }
          this.#advance(deviceId, stream, s, batch);
          touched.set(key, [deviceId, stream, s]);
          let a = acks.get(deviceId);
          if (!a) acks.set(deviceId, (a = {}));
          a[stream] = s.hwm;
        }
        for (const [deviceId, stream, s] of touched.values()) {
          this.#stmt.save.run(deviceId, stream, s.hwm, s.maxSeq, s.stored, s.duplicates, s.lost, s.outboxId);
        }
      })();
    } catch (err) {
      // Nothing was committed: put the counters back; the devices resend (no ack went out).
      for (const [key, s] of snapshot) this.#streams.set(key, s);
      this.#metrics.inc('tabla_ingest_errors_total');
      throw err;
    }
    this.#metrics.inc('tabla_telemetry_records_total', {}, stored);
    if (duplicates) this.#metrics.inc('tabla_telemetry_duplicates_total', {}, duplicates);
    for (const [deviceId, streams] of acks) this.#publishAck(deviceId, streams);
  }

  streamsOf(deviceId: string): StreamStatus[] {
    const rows = this.#stmt.ofDevice.all(deviceId) as (Omit<StreamState, 'outboxId'> & { stream: string })[];
    return rows.map((r) => {
      const above = r.maxSeq > r.hwm ? (this.#stmt.countAbove.get(deviceId, r.stream, r.hwm) as { n: number }).n : 0;
      return { ...r, gaps: r.maxSeq - r.hwm - above };
    });
  }

  /** Moves the high-water mark over every contiguous seq now stored. */
  #advance(deviceId: string, stream: string, s: StreamState, batch: TelemetryBatch): void {
    const recs = batch.records;
    const first = recs[0]!.seq;
    const last = recs[recs.length - 1]!.seq;
    // The common case costs no query: a contiguous batch that starts at or below hwm+1.
    if (first <= s.hwm + 1 && last - first === recs.length - 1 && last > s.hwm) s.hwm = last;
    while (s.maxSeq > s.hwm) {
      const rows = this.#stmt.above.all(deviceId, stream, s.hwm) as { seq: number }[];
      let moved = false;
      for (const { seq } of rows) {
        if (seq !== s.hwm + 1) break;
        s.hwm = seq;
        moved = true;
      }
      if (!moved || rows.length < 1000) break;
    }
  }

  #state(deviceId: string, stream: string, key: string): StreamState {
    let s = this.#streams.get(key);
    if (!s) {
      s = (this.#stmt.load.get(deviceId, stream) as StreamState | undefined) ?? fresh(null);
      this.#streams.set(key, s);
    }
    return s;
  }

  /** The device has a new outbox: file the old one's records under `{stream}~{oldOutboxId}`. */
  #archive(deviceId: string, stream: string, key: string, old: StreamState): StreamState {
    const archived = `${stream}~${old.outboxId}`;
    this.#stmt.archiveRows.run(archived, deviceId, stream);
    this.#stmt.save.run(deviceId, archived, old.hwm, old.maxSeq, old.stored, old.duplicates, old.lost, old.outboxId);
    this.#streams.delete(`${deviceId}\u0000${archived}`);
    this.#metrics.inc('tabla_outbox_replaced_total');
    const s = fresh(null);
    this.#streams.set(key, s);
    return s;
  }
}
