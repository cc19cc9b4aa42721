/**
 * The outbox: everything a device must send, kept in SQLite (WAL) until the fleet acks it.
 *
 * - Per-stream sequence numbers; `(deviceId, stream, seq)` is the fleet's idempotency key.
 * - Appends are group-committed: every append made in one event-loop turn (or one
 *   `commitIntervalMs` window) goes into one transaction. An append's promise resolves with its seq
 *   once that transaction has committed: from then on the record survives a crash of the process.
 * - Capacity is counted on pending rows only, per stream, with a policy when full.
 * - Rows are deleted only when the fleet's ack says they are stored (a broker PUBACK is not a commit).
 *   An ack takes effect at once in memory; its DELETE rides along with the next append's commit (or
 *   goes alone after `ackCommitDelayMs`), which saves a commit, and SD writes, per ack. A crash in
 *   between only means resending rows the fleet already has, which it counts as duplicates.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { OutboxConfig, OutboxStats, RawRecord, StreamPolicy } from '../protocols/index.js';
import { StreamPolicy as StreamPolicySchema } from '../protocols/index.js';

export class OutboxFullError extends Error {
  constructor(readonly stream: string, readonly capacity: number) {
    super(`outbox stream ${stream} is full (${capacity} pending) and its policy is reject-new`);
    this.name = 'OutboxFullError';
  }
}

interface Queued {
  stream: string;
  ts: number;
  data: string;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

interface StreamState {
  nextSeq: number;
  /** rows not yet acked */
  pending: number;
  dropped: number;
  /** the fleet's high-water mark; rows up to it are gone for everyone but SQLite */
  acked: number;
  /** rows up to here are deleted from SQLite too */
  deleted: number;
}

export interface OutboxOptions {
  config: OutboxConfig;
  now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_streams (
  stream   TEXT PRIMARY KEY,
  next_seq INTEGER NOT NULL,
  dropped  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox_identity (
  id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_pending (
  stream TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  ts     INTEGER NOT NULL,
  data   TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
`;

export class Outbox {
  /** This outbox's identity, made with its database: a new one means seqs start again at 1. */
  readonly id: string;
  readonly #db: Database.Database;
  readonly #config: OutboxConfig;
  readonly #now: () => number;
  readonly #streams = new Map<string, StreamState>();
  #queue: Queued[] = [];
  #timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #ackTimer: NodeJS.Timeout | null = null;
  #listeners = new Set<() => void>();
  readonly #stmt;

  constructor(db: Database.Database, options: OutboxOptions) {
    this.#db = db;
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
    db.exec(SCHEMA);
    this.id = db.transaction(() => {
      const row = db.prepare('SELECT id FROM outbox_identity').get() as { id: string } | undefined;
      if (row) return row.id;
      const id = crypto.randomBytes(6).toString('base64url');
      db.prepare('INSERT INTO outbox_identity (id) VALUES (?)').run(id);
      return id;
    })();
    this.#stmt = {
      insert: db.prepare('INSERT INTO outbox_pending (stream, seq, ts, data) VALUES (?, ?, ?, ?)'),
      saveStream: db.prepare(
        'INSERT INTO outbox_streams (stream, next_seq, dropped) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET next_seq = excluded.next_seq, dropped = excluded.dropped',
      ),
      dropOldest: db.prepare(
        'DELETE FROM outbox_pending WHERE stream = ? AND seq IN (SELECT seq FROM outbox_pending WHERE stream = ? ORDER BY seq LIMIT ?)',
      ),
      ack: db.prepare('DELETE FROM outbox_pending WHERE stream = ? AND seq <= ?'),
      countRange: db.prepare('SELECT count(*) AS n FROM outbox_pending WHERE stream = ? AND seq > ? AND seq <= ?'),
      expire: db.prepare('DELETE FROM outbox_pending WHERE stream = ? AND ts < ?'),
      after: db.prepare('SELECT seq, ts, data FROM outbox_pending WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?'),
      lowest: db.prepare('SELECT seq, ts FROM outbox_pending WHERE stream = ? AND seq > ? ORDER BY seq LIMIT 1'),
    };
    for (const row of db.prepare('SELECT stream, next_seq, dropped FROM outbox_streams').all() as {
      stream: string;
      next_seq: number;
      dropped: number;
    }[]) {
      this.#streams.set(row.stream, { nextSeq: row.next_seq, pending: 0, dropped: row.dropped, acked: 0, deleted: 0 });
    }
    for (const row of db.prepare('SELECT stream, count(*) AS n FROM outbox_pending GROUP BY stream').all() as {
      stream: string;
      n: number;
    }[]) {
      const s = this.#stream(row.stream);
      s.pending = row.n;
    }
  }

  policy(stream: string): StreamPolicy {
    return this.#config.streams[stream] ?? this.#config.defaultStream ?? StreamPolicySchema.parse({});
  }

  /** Queues a record; resolves with its seq once committed, rejects if its stream refuses it. */
  append(stream: string, data: unknown, ts: number = this.#now()): Promise<number> {
    const json = JSON.stringify(data ?? null);
    return new Promise((resolve, reject) => {
      this.#queue.push({ stream, ts, data: json, resolve, reject });
      this.#schedule();
    });
  }

  /** Commits everything queued now, with the deletes of acks received since, in one transaction. */
  flush(): void {
    if (this.#timer) {
      if (this.#config.commitIntervalMs > 0) clearTimeout(this.#timer as NodeJS.Timeout);
      else clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = null;
    }
    const batch = this.#queue;
    if (batch.length === 0) {
      if (this.#ackTimer) this.#db.transaction(() => this.#applyAcks())();
      return;
    }
    this.#queue = [];
    const outcomes: { q: Queued; seq?: number; err?: Error }[] = [];
    const before = new Map([...this.#streams].map(([k, s]) => [k, { ...s }]));
    try {
      this.#db.transaction(() => {
        this.#applyAcks();
        const touched = new Set<string>();
        for (const q of batch) {
          const s = this.#stream(q.stream);
          const policy = this.policy(q.stream);
          if (s.pending >= policy.capacity) {
            if (policy.whenFull === 'reject-new') {
              outcomes.push({ q, err: new OutboxFullError(q.stream, policy.capacity) });
              continue;
            }
            const excess = s.pending - policy.capacity + 1;
            const removed = this.#stmt.dropOldest.run(q.stream, q.stream, excess).changes;
            s.pending -= removed;
            s.dropped += removed;
          }
          const seq = s.nextSeq++;
          this.#stmt.insert.run(q.stream, seq, q.ts, q.data);
          s.pending++;
          touched.add(q.stream);
          outcomes.push({ q, seq });
        }
        for (const name of touched) {
          const s = this.#streams.get(name)!;
          this.#stmt.saveStream.run(name, s.nextSeq, s.dropped);
        }
      })();
    } catch (err) {
      // Nothing of this batch was committed: restore the counters and fail every append.
      this.#streams.clear();
      for (const [k, s] of before) this.#streams.set(k, s);
      for (const q of batch) q.reject(err as Error);
      return;
    }
    for (const o of outcomes) (o.err ? o.q.reject(o.err) : o.q.resolve(o.seq!));
    if (outcomes.some((o) => o.seq !== undefined)) for (const l of this.#listeners) l();
  }

  /** Called after every commit that added records (the link drains on it). */
  onAppended(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Streams with pending rows, in drain order: priority first, then name. */
  streams(): string[] {
    return [...this.#streams.entries()]
      .filter(([, s]) => s.pending > 0)
      .map(([name]) => name)
      .sort((a, b) => this.policy(a).priority - this.policy(b).priority || a.localeCompare(b));
  }

  /** Up to `limit` pending records of `stream` with seq > `afterSeq`, in seq order. */
  pendingAfter(stream: string, afterSeq: number, limit: number): RawRecord[] {
    const acked = this.#streams.get(stream)?.acked ?? 0;
    return this.#stmt.after.all(stream, Math.max(afterSeq, acked), limit) as RawRecord[];
  }

  /** Lowest pending seq of a stream; with nothing pending, the seq the next record will get. */
  lowWater(stream: string): number {
    const s = this.#streams.get(stream);
    const row = this.#stmt.lowest.get(stream, s?.acked ?? 0) as { seq: number } | undefined;
    return row?.seq ?? s?.nextSeq ?? 1;
  }

  /** The fleet stored every seq ≤ hwm of `stream`: those rows are done. Returns how many. */
  ack(stream: string, hwm: number): number {
    const s = this.#streams.get(stream);
    if (!s || hwm <= s.acked) return 0;
    const done = (this.#stmt.countRange.get(stream, s.acked, hwm) as { n: number }).n;
    s.acked = hwm;
    s.pending -= done;
    if (!this.#ackTimer) {
      this.#ackTimer = setTimeout(() => this.#db.open && this.flush(), this.#config.ackCommitDelayMs);
      this.#ackTimer.unref();
    }
    return done;
  }

  /** Drops records past their stream's TTL. Returns rows dropped. */
  expire(now: number = this.#now()): number {
    let total = 0;
    const expire = this.#db.transaction(() => {
      this.#applyAcks(); // acked rows are not the fleet's loss
      for (const [name, s] of this.#streams) {
        if (s.pending === 0) continue;
        const removed = this.#stmt.expire.run(name, now - this.policy(name).ttlS * 1000).changes;
        if (removed > 0) {
          s.pending -= removed;
          s.dropped += removed;
          this.#stmt.saveStream.run(name, s.nextSeq, s.dropped);
          total += removed;
        }
      }
    });
    expire();
    return total;
  }

  depth(): number {
    let n = 0;
    for (const s of this.#streams.values()) n += s.pending;
    return n;
  }

  stats(now: number = this.#now()): OutboxStats {
    let oldest: number | null = null;
    let dropped = 0;
    for (const [name, s] of this.#streams) {
      dropped += s.dropped;
      if (s.pending === 0) continue;
      const row = this.#stmt.lowest.get(name, s.acked) as { ts: number } | undefined;
      if (row && (oldest === null || row.ts < oldest)) oldest = row.ts;
    }
    return { depth: this.depth(), oldestAgeS: oldest === null ? null : Math.max(0, (now - oldest) / 1000), dropped };
  }

  /** Commits what is queued and stops scheduling. The database stays open (its owner closes it). */
  close(): void {
    this.flush();
    this.#listeners.clear();
  }

  /** Deletes the rows of acks received since the last commit; call inside a transaction. */
  #applyAcks(): void {
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
    for (const [name, s] of this.#streams) {
      if (s.acked > s.deleted) {
        this.#stmt.ack.run(name, s.acked);
        s.deleted = s.acked;
      }
    }
  }

  #stream(name: string): StreamState {
    let s = this.#streams.get(name);
    if (!s) {
      s = { nextSeq: 1, pending: 0, dropped: 0, acked: 0, deleted: 0 };
      this.#streams.set(name, s);
    }
    return s;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer =
      this.#config.commitIntervalMs > 0
        ? setTimeout(() => this.flush(), this.#config.commitIntervalMs)
        : setImmediate(() => this.flush());
  }
}
