/**
 * The outbox: everything a device must send, kept in SQLite (WAL) until the fleet acks it.
 *
 * - Per-stream seqs: `(deviceId, stream, seq)` is the fleet's idempotency key.
 * - Appends are group-committed: every append made in one event-loop turn (or one
 *   `commitIntervalMs` window) goes into one transaction. An append's promise resolves with its seq
 *   once that transaction has committed: from then on the record survives a crash of the process.
 * - Capacity is counted on pending rows only, per stream, with a policy when full; lanes by stream.
 * - Rows are deleted only when the fleet's ack says they are stored (a broker PUBACK is not a commit).
 *   An ack takes effect at once in memory; its DELETE rides along with the next append's commit (or
 *   goes alone after `ackCommitDelayMs`), which saves a commit, and SD writes, per ack. A crash in
 *   between only means resending rows the fleet already has, which it counts as duplicates.
 * - Ages and TTLs run on the outbox's own clock (outbox-clock.ts), never on a wall clock that steps.
 * - A full disk refuses appends (drop-oldest streams make room by dropping their oldest rows; the
 *   rest reject), keeps acks and drains going where SQLite can, and heals by itself when space is
 *   back. No method throws a storage error to a timer.
 */
import type Database from 'better-sqlite3';
import type { Clock, OutboxConfig, OutboxStats, RawRecord, StreamPolicy } from '../protocols/index.js';
import { STREAM_PRIORITIES, StreamPolicy as StreamPolicySchema, systemClock } from '../protocols/index.js';
import { OutboxClock } from './outbox-clock.js';
import { loadOutboxIdentity } from './outbox-identity.js';
import { type OutboxStatements, outboxStatements } from './outbox-sql.js';
import { HEALED_FREE_BYTES, OutboxFullError, OutboxStorageError, isDiskFull, isStorageError, storageTrouble } from './outbox-storage.js';
export { OutboxFullError, OutboxStorageError } from './outbox-storage.js';

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
  /** Wall clock for record timestamps, monotonic for ages (default: the system's). */
  clock?: Clock;
  /** Shorthand for tests and simulations: one function for both clocks. */
  now?: () => number;
  /** Free bytes where the database lives (statfs), to tell a full disk has healed. */
  freeBytes?: () => number | null;
  /**
   * Where this outbox lives (board and path). An outbox opened somewhere else than where it was
   * made is a cloned or moved card: it takes a new identity, so the fleet keeps its records apart.
   */
  home?: string;
  /**
   * Called when the storage refuses a write (the agent hands its disk reserve to SQLite then, see
   * disk-reserve.ts); the write that failed is tried again on its usual schedule.
   */
  onStorageTrouble?: (err: Error) => void;
}

export class Outbox {
  /** This outbox's identity, made with its database: a new one means seqs start again at 1. */
  readonly id: string;
  /** The identity this card had on the board or path it was cloned or moved from, if so. */
  readonly replaced: string | null;
  readonly #db: Database.Database;
  readonly #config: OutboxConfig;
  readonly #now: () => number;
  readonly #clock: OutboxClock;
  readonly #freeBytes: () => number | null;
  readonly #onStorageTrouble: (err: Error) => void;
  readonly #streams = new Map<string, StreamState>();
  readonly #policies = new Map<string, StreamPolicy>();
  /** Set while the storage refuses writes (disk full, I/O errors); cleared when a write goes through again. */
  #trouble: Error | null = null;
  /** Storage failures since start (appends refused, ack deletes postponed, expiries skipped). */
  storageErrors = 0;
  #queue: Queued[] = [];
  #timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #ackTimer: NodeJS.Timeout | null = null;
  #listeners = new Set<() => void>();
  readonly #stmt: OutboxStatements;

  constructor(db: Database.Database, options: OutboxOptions) {
    this.#db = db;
    this.#config = options.config;
    const clock: Clock = options.clock ?? (options.now ? { now: options.now, mono: options.now } : systemClock);
    this.#now = () => clock.now();
    this.#freeBytes = options.freeBytes ?? (() => null);
    this.#onStorageTrouble = options.onStorageTrouble ?? (() => {});
    this.#stmt = outboxStatements(db);
    this.#clock = new OutboxClock(db, clock);
    const identity = loadOutboxIdentity(db, options.home ?? null);
    this.id = identity.id;
    this.replaced = identity.replaced;
    const streams = db.prepare('SELECT stream, next_seq, dropped FROM outbox_streams').all() as { stream: string; next_seq: number; dropped: number }[];
    for (const row of streams) this.#streams.set(row.stream, { nextSeq: row.next_seq, pending: 0, dropped: row.dropped, acked: 0, deleted: 0 });
    const pending = db.prepare('SELECT stream, count(*) AS n FROM outbox_pending GROUP BY stream').all() as { stream: string; n: number }[];
    for (const row of pending) this.#stream(row.stream).pending = row.n;
  }

  /** The stream's own policy, else the default with the stream's lane (protocols/streams). */
  policy(stream: string): StreamPolicy {
    const known = this.#policies.get(stream);
    if (known) return known;
    const lane = STREAM_PRIORITIES[stream as keyof typeof STREAM_PRIORITIES];
    const base = this.#config.defaultStream ?? StreamPolicySchema.parse({});
    const p = this.#config.streams[stream] ?? (lane === undefined ? base : { ...base, priority: lane });
    this.#policies.set(stream, p);
    return p;
  }

  /** Queues a record; resolves with its seq once committed, rejects if its stream refuses it. */
  append(stream: string, data: unknown, ts: number = this.#now()): Promise<number> {
    let json: string;
    try {
      json = JSON.stringify(data ?? null);
    } catch (err) {
      return Promise.reject(new Error(`outbox stream ${stream}: record is not JSON (${(err as Error).message})`));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ stream, ts, data: json, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Commits everything queued now, with the deletes of acks received since, in one transaction.
   * Never throws: a storage failure rejects the appends (or, for drop-oldest streams on a full
   * disk, makes room by dropping their oldest rows) and marks the outbox in trouble.
   */
  flush(): void {
    if (this.#timer) {
      if (this.#config.commitIntervalMs > 0) clearTimeout(this.#timer as NodeJS.Timeout);
      else clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = null;
    }
    const batch = this.#queue;
    if (batch.length === 0) {
      if (this.#ackTimer) this.#transact('ack deletes', () => this.#applyAcks());
      return;
    }
    this.#queue = [];
    // While the disk is full the outbox does not grow: straight to making room (drop-oldest streams
    // drop one row for each they add, reject-new streams refuse), so what room SQLite finds (the
    // disk reserve, pages freed by acks) goes to acks and checkpoints, not to new records.
    let outcomes = this.#diskFull() ? this.#trouble! : this.#transact('append', () => this.#insert(batch, false));
    if (outcomes instanceof Error && isStorageError(outcomes)) {
      const cause = outcomes;
      // Room may still be had by dropping what a drop-oldest stream would drop anyway.
      const second = this.#transact('append (making room)', () => this.#insert(batch, true));
      outcomes = second instanceof Error ? batch.map((q) => ({ q, err: new OutboxStorageError(q.stream, cause) })) : second;
    } else if (outcomes instanceof Error) {
      const cause = outcomes;
      outcomes = batch.map((q) => ({ q, err: cause }));
    }
    for (const o of outcomes) (o.err ? o.q.reject(o.err) : o.q.resolve(o.seq!));
    if (outcomes.some((o) => o.seq !== undefined)) for (const l of this.#listeners) l();
  }

  /** The inserts of one flush; inside a transaction. `makeRoom`: the disk is full, drop to insert. */
  #insert(batch: Queued[], makeRoom: boolean): { q: Queued; seq?: number; err?: Error }[] {
    const outcomes: { q: Queued; seq?: number; err?: Error }[] = [];
    this.#applyAcks();
    const touched = new Set<string>();
    const at = this.#clock.now();
    // The wall clock stepped since the clock was saved: save it with this commit, or a restart
    // before the next save would take the step for time that passed (outbox-clock.ts).
    if (this.#clock.stepped()) this.#clock.save();
    for (const q of batch) {
      const s = this.#stream(q.stream);
      const policy = this.policy(q.stream);
      const full = s.pending >= policy.capacity;
      if ((full || makeRoom) && policy.whenFull === 'reject-new') {
        outcomes.push({ q, err: full ? new OutboxFullError(q.stream, policy.capacity) : new OutboxStorageError(q.stream, this.#trouble!) });
        continue;
      }
      if (full || (makeRoom && s.pending > 0)) {
        const excess = makeRoom ? 1 : s.pending - policy.capacity + 1;
        const removed = this.#stmt.dropOldest.run(q.stream, q.stream, excess).changes;
        s.pending -= removed;
        s.dropped += removed;
      }
      const seq = s.nextSeq++;
      this.#stmt.insert.run(q.stream, seq, q.ts, q.data, at);
      s.pending++;
      touched.add(q.stream);
      outcomes.push({ q, seq });
    }
    for (const name of touched) {
      const s = this.#streams.get(name)!;
      this.#stmt.saveStream.run(name, s.nextSeq, s.dropped);
    }
    return outcomes;
  }

  /**
   * Runs `work` in one transaction. On failure nothing of it happened: the counters are restored,
   * a storage failure marks the outbox in trouble, and the error is returned, never thrown.
   */
  #transact<T>(what: string, work: () => T): T | Error {
    const before = new Map([...this.#streams].map(([k, s]) => [k, { ...s }]));
    const hadAckTimer = this.#ackTimer !== null;
    try {
      const result = this.#db.transaction(work)();
      if (this.#trouble && (what !== 'append (making room)' && this.#healed())) this.#trouble = null;
      return result;
    } catch (err) {
      this.#streams.clear();
      for (const [k, s] of before) this.#streams.set(k, s);
      this.#clock.reload();
      if (isStorageError(err)) {
        this.#trouble = err as Error;
        this.storageErrors++;
        try {
          this.#onStorageTrouble(err as Error);
        } catch {
          // the hook's fault is its own; the outbox carries on
        }
      }
      // Acks not yet deleted stay pending in memory: try again later.
      if (hadAckTimer || [...this.#streams.values()].some((s) => s.acked > s.deleted)) this.#armAckTimer();
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Whether the disk has room again (when we can tell; otherwise a write that went through says so). */
  #healed(): boolean {
    const free = this.#freeBytes();
    return free === null || free >= HEALED_FREE_BYTES;
  }

  /** While in trouble: a small write (pending ack deletes, the clock); it clears the trouble if it goes through with room to spare. */
  recover(): void {
    if (this.#trouble) this.#transact('recovery', () => (this.#applyAcks(), this.#clock.save()));
  }

  /** Saves the outbox clock now (the wall clock stepped); false if the storage refused. */
  saveClock(): boolean {
    return !(this.#transact('clock', () => this.#clock.save()) instanceof Error);
  }

  /**
   * A write to this database outside the outbox failed (opening it, see disk-reserve.ts): the
   * outbox is in trouble as if one of its own had, until a write of its own heals it.
   */
  storageFailed(err: Error): void {
    if (isStorageError(err)) this.#trouble = err;
  }

  /** `null` while the storage takes writes; otherwise what is wrong (`disk full`, …). */
  trouble(): string | null {
    if (!this.#trouble) return null;
    return this.#diskFull() ? 'disk full' : storageTrouble(this.#trouble);
  }

  /** In trouble for want of room: SQLite said so, or a storage error came with no room to spare. */
  #diskFull(): boolean {
    if (!this.#trouble) return false;
    if (isDiskFull(this.#trouble)) return true;
    const free = this.#freeBytes();
    return free !== null && free < HEALED_FREE_BYTES;
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
    this.#armAckTimer();
    return done;
  }

  /**
   * Drops records past their stream's TTL, by the outbox clock; saves that clock. Returns rows
   * dropped (0 when the storage refused: they are dropped on a later try).
   */
  expire(): number {
    let total = 0;
    const now = this.#clock.now();
    const wallToClock = now - this.#now();
    const result = this.#transact('expiry', () => {
      this.#applyAcks(); // acked rows are not the fleet's loss
      for (const [name, s] of this.#streams) {
        if (s.pending === 0) continue;
        const removed = this.#stmt.expire.run(name, wallToClock, now - this.policy(name).ttlS * 1000).changes;
        if (removed > 0) {
          s.pending -= removed;
          s.dropped += removed;
          this.#stmt.saveStream.run(name, s.nextSeq, s.dropped);
          total += removed;
        }
      }
      this.#clock.save();
    });
    return result instanceof Error ? 0 : total;
  }

  depth(): number {
    let n = 0;
    for (const s of this.#streams.values()) n += s.pending;
    return n;
  }

  stats(): OutboxStats {
    const now = this.#clock.now();
    const wallToClock = now - this.#now();
    let oldest: number | null = null;
    let dropped = 0;
    for (const [name, s] of this.#streams) {
      dropped += s.dropped;
      if (s.pending === 0) continue;
      const row = this.#stmt.oldest.get(wallToClock, name, s.acked) as { at: number } | undefined;
      if (row && (oldest === null || row.at < oldest)) oldest = row.at;
    }
    return { depth: this.depth(), oldestAgeS: oldest === null ? null : Math.max(0, (now - oldest) / 1000), dropped };
  }

  /** Commits what is queued and stops scheduling. The database stays open (its owner closes it). */
  close(): void {
    this.flush();
    if (this.#ackTimer) this.#transact('ack deletes', () => this.#applyAcks());
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
    this.#transact('clock', () => this.#clock.save());
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

  /** The deletes of acks go with the next commit, or alone after `ackCommitDelayMs`. */
  #armAckTimer(): void {
    if (this.#ackTimer) return;
    this.#ackTimer = setTimeout(() => {
      if (this.#db.open) this.flush();
    }, this.#config.ackCommitDelayMs);
    this.#ackTimer.unref();
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
