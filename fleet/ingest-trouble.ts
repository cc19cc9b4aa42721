/**
 * Ingest's bad days, kept apart from its good ones: commits that failed, batches parked because
 * they failed alone (recorded in `ingest_parked` for a look, not acked: their devices keep them and
 * resend), and what `/healthz` makes of it all.
 */
import type Database from 'better-sqlite3';
import type { Clock, Logger, TelemetryBatch } from '../protocols/index.js';
import type { Metrics } from './metrics.js';

/** A queue older than this means the flush is not running: health says so. */
const STUCK_MS = 5000;
/** How long an error or a parked batch keeps health degraded. */
const RECENT_MS = 15 * 60 * 1000;
/** Parked batches kept for inspection. */
const PARKED_KEPT = 1000;

/** SQLite failures of the store itself (not of one batch): retrying batch by batch cannot help. */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM)/;

export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code);
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}`.slice(0, 500);
}

export interface IngestHealth {
  status: 'ok' | 'degraded';
  /** batches waiting for a commit, and how long the oldest has waited */
  queued: number;
  oldestQueuedMs: number;
  lastError: { message: string; agoS: number } | null;
  /** batches parked in the last 15 minutes */
  parkedRecently: number;
}

export class IngestTrouble {
  readonly #db: Database.Database;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #clock: Clock;
  #lastError: { message: string; at: number } | null = null;
  #parkedAt: number[] = [];
  readonly #park;
  readonly #trim;
  readonly #list;

  constructor(db: Database.Database, metrics: Metrics, log: Logger, clock: Clock) {
    this.#db = db;
    this.#metrics = metrics;
    this.#log = log;
    this.#clock = clock;
    this.#park = db.prepare('INSERT INTO ingest_parked (device_id, stream, first_seq, last_seq, parked_at, error, batch) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#trim = db.prepare('DELETE FROM ingest_parked WHERE id <= (SELECT max(id) FROM ingest_parked) - ?');
    this.#list = db.prepare(
      'SELECT device_id AS deviceId, stream, first_seq AS firstSeq, last_seq AS lastSeq, parked_at AS parkedAt, error FROM ingest_parked ORDER BY id DESC LIMIT ?',
    );
  }

  /** A commit failed (nothing of it acked; the devices resend). */
  failed(err: unknown, batches: number): void {
    const message = describe(err);
    this.#metrics.inc('tabla_ingest_errors_total');
    this.#lastError = { message, at: this.#clock.mono() };
    this.#log.error('ingest commit failed; nothing of it acked, the devices resend', { batches, error: message });
  }

  /** A batch that fails on its own: recorded for inspection, not acked (its device keeps it). */
  park(deviceId: string, stream: string, batch: TelemetryBatch, err: unknown): void {
    const recs = batch.records;
    const message = describe(err);
    this.#metrics.inc('tabla_ingest_parked_total');
    this.#parkedAt = this.#recent(this.#parkedAt);
    this.#parkedAt.push(this.#clock.mono());
    this.#log.error('telemetry batch parked', { device: deviceId, stream, seqs: `${recs[0]!.seq}-${recs[recs.length - 1]!.seq}`, error: message });
    let text: string | null;
    try {
      text = JSON.stringify(batch);
    } catch {
      text = null;
    }
    try {
      this.#db.transaction(() => {
        this.#park.run(deviceId, stream, recs[0]!.seq, recs[recs.length - 1]!.seq, this.#clock.now(), message, text);
        this.#trim.run(PARKED_KEPT);
      })();
    } catch (err2) {
      this.#log.warn('parked batch not recorded', { error: describe(err2) });
    }
  }

  /** Degraded while a batch has waited too long, or a commit failed or a batch was parked lately. */
  health(queued: number, oldestQueuedMs: number): IngestHealth {
    const now = this.#clock.mono();
    this.#parkedAt = this.#recent(this.#parkedAt);
    const recentError = this.#lastError && now - this.#lastError.at < RECENT_MS ? this.#lastError : null;
    const degraded = oldestQueuedMs > STUCK_MS || recentError !== null || this.#parkedAt.length > 0;
    return {
      status: degraded ? 'degraded' : 'ok',
      queued,
      oldestQueuedMs: Math.round(oldestQueuedMs),
      lastError: recentError ? { message: recentError.message, agoS: Math.round((now - recentError.at) / 1000) } : null,
      parkedRecently: this.#parkedAt.length,
    };
  }

  list(limit: number): { deviceId: string; stream: string; firstSeq: number; lastSeq: number; parkedAt: string; error: string }[] {
    const rows = this.#list.all(limit) as { deviceId: string; stream: string; firstSeq: number; lastSeq: number; parkedAt: number; error: string }[];
    return rows.map((r) => ({ ...r, parkedAt: new Date(r.parkedAt).toISOString() }));
  }

  #recent(times: number[]): number[] {
    const now = this.#clock.mono();
    return times.filter((t) => now - t < RECENT_MS);
  }
}
