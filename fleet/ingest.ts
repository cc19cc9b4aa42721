/**
 * Telemetry ingest: at least once in, exactly once stored.
 *
 * Every record is stored under the unique key (deviceId, stream, seq); a repeat is counted and
 * dropped. Batches that arrive in one event-loop turn are committed in one transaction; only after
 * that commit does the device get its `ack`: the contiguous high-water mark per stream.
 * Seqs the device says it will never send (below its batch's `low`: expired or dropped when full)
 * are counted as lost and skipped; other holes are gaps, visible until they are filled.
 *
 * Outbox identities: a batch from a new outbox (a replaced SD card, a wiped agent: seqs start again
 * at 1) moves what the old one sent to the stream `{stream}~{oldOutboxId}`, so nothing new is taken
 * for a duplicate and nothing old is lost. An identity that comes back after another took over (an
 * old card put back, two boards cloned from one image) is filed under its own `{stream}~{id}` with
 * its own marks, never moved again, and raised as a fault on the device.
 *
 * Faults stay inside: a transaction that fails is retried batch by batch, and a batch that fails
 * alone is parked (recorded, not acked: its device keeps it and resends) while the others go on.
 * A storage failure (disk full, I/O) acks nothing until it heals. Nothing here throws to its caller.
 */
import type Database from 'better-sqlite3';
import type { Clock, Logger, TelemetryBatch } from '../protocols/index.js';
import { systemClock } from '../protocols/index.js';
import type { CommittedRecord, FleetEvents } from './bus.js';
import { type IngestHealth, IngestTrouble, isStorageError } from './ingest-trouble.js';
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
  /** monotonic ms when it was queued */
  at: number;
}

function fresh(outboxId: string | null): StreamState {
  return { hwm: 0, maxSeq: 0, stored: 0, duplicates: 0, lost: 0, outboxId };
}

/** Least time between two ingest commits under load (the most an ack waits for its batch-mates). */
const COMMIT_SPACING_MS = 10;

export type AckPublisher = (deviceId: string, streams: Record<string, number>, outbox?: string) => void;
export type FaultReporter = (deviceId: string, code: string, message: string) => void;

export interface IngestOptions {
  db: Database.Database;
  metrics: Metrics;
  publishAck: AckPublisher;
  log: Logger;
  /** A condition of one device the technician must act on (e.g. two boards with one outbox). */
  reportFault?: FaultReporter;
  /** Where newly stored records go after their commit (the fleet bus); `wants` skips the work when no one listens. */
  committed?: { wants(): boolean; emit(event: FleetEvents['telemetry-committed']): void };
  clock?: Clock;
}

export class Ingest {
  readonly #db: Database.Database;
  readonly #metrics: Metrics;
  readonly #publishAck: AckPublisher;
  readonly #log: Logger;
  readonly #reportFault: FaultReporter;
  readonly #committed: IngestOptions['committed'];
  readonly #clock: Clock;
  readonly #streams = new Map<string, StreamState>();
  readonly #lastWriter = new Map<string, string | null>();
  #queue: Queued[] = [];
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #lastFlush = -Infinity;
  readonly #trouble: IngestTrouble;
  readonly #stmt;

  constructor(options: IngestOptions) {
    const db = options.db;
    this.#db = db;
    this.#metrics = options.metrics;
    this.#publishAck = options.publishAck;
    this.#log = options.log;
    this.#reportFault = options.reportFault ?? (() => {});
    this.#committed = options.committed;
    this.#clock = options.clock ?? systemClock;
    this.#trouble = new IngestTrouble(db, options.metrics, options.log, this.#clock);
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
      // INSERT OR IGNORE, then DELETE: never a key conflict, whatever is already filed there.
      archiveCopy: db.prepare(
        `INSERT OR IGNORE INTO telemetry (device_id, stream, seq, ts, epoch, received_at, data)
         SELECT device_id, ?, seq, ts, epoch, received_at, data FROM telemetry WHERE device_id = ? AND stream = ?`,
      ),
      archiveDelete: db.prepare('DELETE FROM telemetry WHERE device_id = ? AND stream = ?'),
      above: db.prepare('SELECT seq FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ? ORDER BY seq LIMIT 1000'),
      countRange: db.prepare('SELECT count(*) AS n FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ? AND seq <= ?'),
      stored: db.prepare('SELECT ts, data FROM telemetry WHERE device_id = ? AND stream = ? AND seq = ?'),
      records: db.prepare('SELECT seq, ts, data FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ? ORDER BY seq LIMIT ?'),
      countAll: db.prepare('SELECT count(*) AS n FROM telemetry'),
      countDevice: db.prepare('SELECT count(*) AS n FROM telemetry WHERE device_id = ?'),
      countAbove: db.prepare('SELECT count(*) AS n FROM telemetry WHERE device_id = ? AND stream = ? AND seq > ?'),
      ofDevice: db.prepare(
        'SELECT stream, hwm, max_seq AS maxSeq, stored, duplicates, lost FROM streams WHERE device_id = ? ORDER BY stream',
      ),
    };
  }

  /** Queues a validated batch; it is committed and acked with everything else of this turn. */
  accept(deviceId: string, stream: string, batch: TelemetryBatch): void {
    const now = this.#clock.mono();
    this.#queue.push({ deviceId, stream, batch, at: now });
    if (this.#scheduled) return;
    // Group commit: at once when idle, at most one commit per COMMIT_SPACING_MS under load, so a
    // busy fleet commits hundreds of records per transaction instead of a few. Monotonic time, and
    // never more than the spacing: a wall clock stepped back must not park the queue for an hour.
    const wait = Math.min(COMMIT_SPACING_MS, this.#lastFlush + COMMIT_SPACING_MS - now);
    this.#scheduled = wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
  }

  /** Commits what is queued and acks it. Never throws: failures are contained, logged and counted. */
  flush(): void {
    const scheduled = this.#scheduled;
    if (scheduled) {
      if ('hasRef' in scheduled && 'refresh' in scheduled) clearTimeout(scheduled);
      else clearImmediate(scheduled as NodeJS.Immediate);
    }
    this.#scheduled = null;
    this.#lastFlush = this.#clock.mono();
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    try {
      this.#commit(queue);
    } catch (err) {
      this.#trouble.failed(err, queue.length);
      if (isStorageError(err) || queue.length === 1) {
        if (!isStorageError(err)) this.#trouble.park(queue[0]!.deviceId, queue[0]!.stream, queue[0]!.batch, err);
        return;
      }
      // One batch may be the cause: commit each alone, so the others are stored and acked.
      for (const q of queue) {
        try {
          this.#commit([q]);
        } catch (err2) {
          this.#trouble.failed(err2, 1);
          if (!isStorageError(err2)) this.#trouble.park(q.deviceId, q.stream, q.batch, err2);
        }
      }
    }
  }

  health(): IngestHealth {
    const oldest = this.#queue[0] ? this.#clock.mono() - this.#queue[0].at : 0;
    return this.#trouble.health(this.#queue.length, oldest);
  }

  /** Stored records of one stream (`{stream}~{outboxId}` for one kept apart), in seq order, data parsed. */
  records(deviceId: string, stream: string, afterSeq = 0, limit = 100_000): { seq: number; ts: number; data: unknown }[] {
    const rows = this.#stmt.records.all(deviceId, stream, afterSeq, limit) as { seq: number; ts: number; data: string }[];
    return rows.map((r) => ({ seq: r.seq, ts: r.ts, data: JSON.parse(r.data) as unknown }));
  }

  /** How many records are stored, of one device or of all. */
  count(deviceId?: string): number {
    return ((deviceId === undefined ? this.#stmt.countAll.get() : this.#stmt.countDevice.get(deviceId)) as { n: number }).n;
  }

  /** Batches parked lately (newest first), for a look at what failed and why. */
  parked(limit = 100) {
    return this.#trouble.list(limit);
  }

  streamsOf(deviceId: string): StreamStatus[] {
    const rows = this.#stmt.ofDevice.all(deviceId) as (Omit<StreamState, 'outboxId'> & { stream: string })[];
    return rows.map((r) => {
      const above = r.maxSeq > r.hwm ? (this.#stmt.countAbove.get(deviceId, r.stream, r.hwm) as { n: number }).n : 0;
      return { ...r, gaps: r.maxSeq - r.hwm - above };
    });
  }

  /** One transaction for the batches; then counters and acks. Throws with everything rolled back. */
  #commit(queue: Queued[]): void {
    const acks = new Map<string, { deviceId: string; outbox: string | undefined; streams: Record<string, number> }>();
    let stored = 0;
    let duplicates = 0;
    const receivedAt = this.#clock.now();
    const snapshot = new Map<string, StreamState | undefined>();
    const touched = new Map<string, [string, string, StreamState]>();
    const wanted = this.#committed?.wants() ?? false;
    const fresh: FleetEvents['telemetry-committed'][] = [];
    const state = (deviceId: string, name: string): StreamState => {
      const key = `${deviceId}\u0000${name}`;
      if (!snapshot.has(key)) {
        const had = this.#streams.get(key);
        snapshot.set(key, had && { ...had });
      }
      return this.#state(deviceId, name, key);
    };
    try {
      this.#db.transaction(() => {
        for (const { deviceId, stream, batch } of queue) {
          const [name, s] = this.#route(deviceId, stream, batch, state);
          // Seqs below `low` will never come: skip them, counting those never stored as lost (unless
          // this outbox is new to us: a card cloned or moved to another board starts past 1).
          if (batch.low - 1 > s.hwm) {
            const have = (this.#stmt.countRange.get(deviceId, name, s.hwm, batch.low - 1) as { n: number }).n;
            if (s.maxSeq > 0) s.lost += batch.low - 1 - s.hwm - have;
            s.hwm = batch.low - 1;
            if (s.maxSeq < s.hwm) s.maxSeq = s.hwm;
          }
          let differing = 0;
          const inserted: CommittedRecord[] | null = wanted ? [] : null;
          for (const r of batch.records) {
            const data = JSON.stringify(r.data ?? null);
            const changes = this.#stmt.insert.run(deviceId, name, r.seq, r.ts, batch.epoch, receivedAt, data).changes;
            if (changes === 1) {
              s.stored++;
              stored++;
              if (r.seq > s.maxSeq) s.maxSeq = r.seq;
              inserted?.push({ seq: r.seq, ts: r.ts, data: r.data ?? null });
            } else {
              s.duplicates++;
              duplicates++;
              const had = this.#stmt.stored.get(deviceId, name, r.seq) as { ts: number; data: string };
              if (had.ts !== r.ts || had.data !== data) differing++;
            }
          }
          if (differing) {
            // Not a resend: another writer with this outbox identity (two boards from one image at one path).
            this.#metrics.inc('tabla_outbox_conflicts_total', {}, differing);
            this.#reportFault(
              deviceId,
              'outbox-conflict',
              `two writers send as outbox ${batch.outbox ?? '(none)'} of stream ${stream}: ${differing} record(s) differ from what is stored under the same seq ` +
                `and were not stored; re-provision one board (or wipe its data directory)`,
            );
          }
          if (inserted?.length) fresh.push({ deviceId, stream: name, outbox: batch.outbox ?? null, receivedAt, records: inserted });
          this.#advance(deviceId, name, s, batch);
          touched.set(`${deviceId}\u0000${name}`, [deviceId, name, s]);
          // One ack per outbox: a mark is only ever applied by the outbox whose seqs it counts.
          const ackKey = `${deviceId}\u0000${batch.outbox ?? ''}`;
          let a = acks.get(ackKey);
          if (!a) acks.set(ackKey, (a = { deviceId, outbox: batch.outbox, streams: {} }));
          a.streams[stream] = s.hwm;
        }
        for (const [deviceId, name, s] of touched.values()) {
          this.#stmt.save.run(deviceId, name, s.hwm, s.maxSeq, s.stored, s.duplicates, s.lost, s.outboxId);
        }
      })();
    } catch (err) {
      // Nothing was committed: put the counters back; the devices resend (no ack went out).
      for (const [key, s] of snapshot) {
        if (s) this.#streams.set(key, s);
        else this.#streams.delete(key);
      }
      throw err;
    }
    this.#metrics.inc('tabla_telemetry_records_total', {}, stored);
    if (duplicates) this.#metrics.inc('tabla_telemetry_duplicates_total', {}, duplicates);
    for (const { deviceId, outbox, streams } of acks.values()) {
      try {
        this.#publishAck(deviceId, streams, outbox);
      } catch (err) {
        // Stored all the same: the device resends after its ack timeout and gets the mark then.
        this.#log.warn('ack not sent', { device: deviceId, error: (err as Error).message });
      }
    }
    // Engines see what was stored after the devices have their acks: none of them delays an ack.
    for (const event of fresh) this.#committed!.emit(event);
  }

  /**
   * Which stored stream a batch belongs to, by its outbox identity: the stream itself for the
   * current outbox (a new one takes over and the old is filed apart), `{stream}~{id}` for an
   * identity that was filed apart before and came back.
   */
  #route(deviceId: string, stream: string, batch: TelemetryBatch, state: (d: string, n: string) => StreamState): [string, StreamState] {
    const s = state(deviceId, stream);
    const id = batch.outbox ?? null;
    // Which outbox wrote to this stream last: a return is counted when the writer changes, not
    // per batch (two live clones would otherwise count every message).
    const writerKey = `${deviceId}\u0000${stream}`;
    const switched = this.#lastWriter.get(writerKey) !== id;
    this.#lastWriter.set(writerKey, id);
    if (id === s.outboxId) return [stream, s];
    // A stream with nothing yet: this outbox takes it.
    if (s.maxSeq === 0) {
      s.outboxId = id;
      return [stream, s];
    }
    // An outbox seen before and filed apart (it came back), or a writer naming no outbox (an agent
    // from before outbox identities) beside a named one: its own stream, its own marks.
    const apart = `${stream}~${id ?? 'unnamed'}`;
    const filed = state(deviceId, apart);
    if (id === null || filed.maxSeq > 0) {
      if (id !== null) {
        if (switched) this.#metrics.inc('tabla_outbox_replaced_total');
        this.#reportFault(
          deviceId,
          'outbox-conflict',
          `outbox ${id} came back while ${s.outboxId ?? '(unnamed)'} is current (an old SD card put back, or two boards cloned from one image): ` +
            `their records are kept apart in ${apart}; re-provision one board (or wipe its data directory)`,
        );
      }
      filed.outboxId = id;
      return [apart, filed];
    }
    return [stream, this.#archive(deviceId, stream, s, id, state)];
  }

  /** The device has a new outbox: file the old one's records under `{stream}~{oldOutboxId}`. */
  #archive(deviceId: string, stream: string, old: StreamState, newOutbox: string, state: (d: string, n: string) => StreamState): StreamState {
    const apart = `${stream}~${old.outboxId ?? 'unnamed'}`;
    this.#stmt.archiveCopy.run(apart, deviceId, stream);
    this.#stmt.archiveDelete.run(deviceId, stream);
    const filed = state(deviceId, apart);
    Object.assign(filed, {
      hwm: Math.max(filed.hwm, old.hwm),
      maxSeq: Math.max(filed.maxSeq, old.maxSeq),
      stored: filed.stored + old.stored,
      duplicates: filed.duplicates + old.duplicates,
      lost: filed.lost + old.lost,
      outboxId: old.outboxId,
    });
    this.#stmt.save.run(deviceId, apart, filed.hwm, filed.maxSeq, filed.stored, filed.duplicates, filed.lost, filed.outboxId);
    this.#metrics.inc('tabla_outbox_replaced_total');
    this.#log.info('device has a new outbox; the old records are kept apart', { device: deviceId, stream, old: old.outboxId, new: newOutbox });
    Object.assign(old, fresh(newOutbox));
    return old;
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
}
