/**
 * Moves the outbox to the fleet: batches per stream in priority order, a window of batches sent
 * but not yet acked, a rate limit in batches per second, and a resend when an ack does not come.
 * Rows leave the outbox only on the fleet's ack (never on the broker's PUBACK).
 */
import type { DrainPolicy } from '../protocols/index.js';
import { encodeTelemetryBatch } from '../protocols/index.js';
import type { Outbox } from './outbox.js';

export type BatchPublisher = (stream: string, payload: string) => void;

interface InFlight {
  stream: string;
  toSeq: number;
  sentAt: number;
}

export class Drainer {
  readonly #outbox: Outbox;
  readonly #policy: DrainPolicy;
  readonly #now: () => number;
  #publish: BatchPublisher | null = null;
  #epoch = 0;
  #sentUpTo = new Map<string, number>();
  #inflight: InFlight[] = [];
  #tokens: number;
  #refilledAt: number;
  #timer: NodeJS.Timeout | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #scheduled = false;
  #unsubscribe: (() => void) | null = null;
  /** Batches and records sent since start (for the heartbeat and the benchmarks). */
  sentBatches = 0;
  sentRecords = 0;
  /** Pumps that failed reading the outbox, and the last such error. */
  pumpErrors = 0;
  lastError: string | null = null;

  constructor(outbox: Outbox, policy: DrainPolicy, now: () => number = Date.now) {
    this.#outbox = outbox;
    this.#policy = policy;
    this.#now = now;
    this.#tokens = Math.max(1, policy.maxBatchesPerS);
    this.#refilledAt = now();
  }

  get active(): boolean {
    return this.#publish !== null;
  }

  /** Starts sending for a session; everything pending is (re)sent from its lowest seq. */
  start(epoch: number, publish: BatchPublisher): void {
    this.stop();
    this.#epoch = epoch;
    this.#publish = publish;
    this.#unsubscribe = this.#outbox.onAppended(() => this.kick());
    this.#watchdog = setInterval(() => this.#checkTimeouts(), 1000);
    this.#watchdog.unref();
    this.kick();
  }

  /** Stops sending (link lost, fleet offline). In-flight batches will be resent next time. */
  stop(): void {
    this.#publish = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#timer = this.#watchdog = null;
    this.#sentUpTo.clear();
    this.#inflight = [];
  }

  /** The fleet's committed high-water marks arrived. */
  onAck(streams: Record<string, number>): void {
    for (const [stream, hwm] of Object.entries(streams)) {
      this.#outbox.ack(stream, hwm);
      this.#inflight = this.#inflight.filter((b) => b.stream !== stream || b.toSeq > hwm);
    }
    this.kick();
  }

  /** Asks for a pump on the next turn (coalesces many appends or acks into one). */
  kick(): void {
    if (this.#scheduled || !this.#publish) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pumpSafely();
    });
  }

  /** The outbox's reads can fail (I/O errors): the drain pauses and tries again in a second. */
  #pumpSafely(): void {
    try {
      this.#pump();
    } catch (err) {
      this.pumpErrors++;
      this.lastError = (err as Error).message;
      if (this.#publish && !this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#pumpSafely();
        }, 1000);
      }
    }
  }

  #pump(): void {
    const publish = this.#publish;
    if (!publish || this.#timer) return;
    const now = this.#now();
    const rate = this.#policy.maxBatchesPerS;
    this.#tokens = Math.min(Math.max(1, rate), this.#tokens + ((now - this.#refilledAt) / 1000) * rate);
    this.#refilledAt = now;
    while (this.#inflight.length < this.#policy.window) {
      if (this.#tokens < 1) {
        const waitMs = Math.ceil(((1 - this.#tokens) / rate) * 1000);
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#pumpSafely();
        }, waitMs);
        return;
      }
      const next = this.#nextBatch();
      if (!next) return;
      this.#tokens -= 1;
      const { stream, records } = next;
      const low = this.#outbox.lowWater(stream);
      const toSeq = records[records.length - 1]!.seq;
      this.#sentUpTo.set(stream, toSeq);
      this.#inflight.push({ stream, toSeq, sentAt: now });
      this.sentBatches++;
      this.sentRecords += records.length;
      publish(stream, encodeTelemetryBatch(this.#epoch, low, records, this.#outbox.id));
    }
  }

  #nextBatch() {
    for (const stream of this.#outbox.streams()) {
      const records = this.#outbox.pendingAfter(stream, this.#sentUpTo.get(stream) ?? 0, this.#policy.batchSize);
      if (records.length > 0) return { stream, records };
    }
    return null;
  }

  #checkTimeouts(): void {
    const limit = this.#now() - this.#policy.ackTimeoutS * 1000;
    const late = new Set(this.#inflight.filter((b) => b.sentAt < limit).map((b) => b.stream));
    if (late.size === 0) return;
    for (const stream of late) this.#sentUpTo.delete(stream);
    this.#inflight = this.#inflight.filter((b) => !late.has(b.stream));
    this.kick();
  }
}
