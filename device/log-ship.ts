/**
 * Ships the log ring (device/log-ring.ts) to the fleet through the outbox's `log` stream, the
 * lowest lane (protocols/streams: it drains after everything else, and the drainer's own rate
 * limit applies):
 *
 * - `logs {since?, limit?}`: the newest `limit` lines (default 1000, at most 5000) logged at or after
 *   `since` (ms since the epoch; default the last hour), within 256 KiB, queued at once. The answer
 *   says how many and the numbers of the first and last.
 * - `logs-follow {forS}`: every new line is queued as it is kept, for `forS` seconds (at most 600;
 *   0 stops), renewed by whoever follows. Through a token bucket in lines and bytes per second, so a
 *   burst never floods a weak uplink; the lines it refuses are counted and shipped as one note
 *   ("… 312 lines dropped") once there is room again or the follow ends.
 */
import type { Logger, LogRecord } from '../protocols/index.js';
import { CommandRejected, type Commands } from './commands.js';
import type { LogRing, StoredLogLine } from './log-ring.js';

export interface LogShipOptions {
  /** Follow: lines per second, on average (default 20). */
  linesPerS: number;
  /** Follow: bytes per second, on average (default 8 KiB). */
  bytesPerS: number;
  /** Follow: how many seconds' worth a burst may use at once (default 2). */
  burstS: number;
  /** Longest follow one command asks for (default 600 s). */
  maxFollowS: number;
  /** A slice: most lines and bytes (defaults 5000 and 256 KiB). */
  maxSliceLines: number;
  maxSliceBytes: number;
}

export const LOG_SHIP_DEFAULTS: LogShipOptions = {
  linesPerS: 20,
  bytesPerS: 8 * 1024,
  burstS: 2,
  maxFollowS: 600,
  maxSliceLines: 5000,
  maxSliceBytes: 256 * 1024,
};

const DEFAULT_SLICE_LINES = 1000;
const DEFAULT_SINCE_MS = 3600_000;
const NOTE_EVERY_MS = 1000;

/** A token bucket in lines and bytes; pure given `now` (ms, monotonic). */
export class LogRateLimit {
  #lines: number;
  #bytes: number;
  #at: number;

  constructor(
    readonly linesPerS: number,
    readonly bytesPerS: number,
    readonly burstS: number,
    now: number,
  ) {
    this.#lines = linesPerS * burstS;
    this.#bytes = bytesPerS * burstS;
    this.#at = now;
  }

  /** True (and the tokens spent) when a line of `bytes` may go now. */
  take(bytes: number, now: number): boolean {
    const dt = Math.max(0, now - this.#at) / 1000;
    this.#at = now;
    this.#lines = Math.min(this.linesPerS * this.burstS, this.#lines + dt * this.linesPerS);
    this.#bytes = Math.min(this.bytesPerS * this.burstS, this.#bytes + dt * this.bytesPerS);
    if (this.#lines < 1 || this.#bytes < bytes) return false;
    this.#lines -= 1;
    this.#bytes -= bytes;
    return true;
  }
}

/** The `log` stream's record of a ring line. */
export function logRecordOf(l: StoredLogLine): LogRecord {
  return { module: l.module, level: l.level, msg: l.msg, ...(l.fields ? { fields: l.fields } : {}), line: l.line };
}

function recordBytes(r: LogRecord): number {
  return Buffer.byteLength(JSON.stringify(r));
}

export interface LogShipperOptions {
  ring: LogRing;
  /** Queues one `log` record in the outbox. */
  record: (data: LogRecord, ts: number) => Promise<number>;
  /** Wall time (line timestamps, the default `since`) and monotonic time (the follow and the bucket). */
  now: () => number;
  mono: () => number;
  log: Logger;
  options?: Partial<LogShipOptions>;
}

export class LogShipper {
  readonly options: LogShipOptions;
  readonly #o: LogShipperOptions;
  #followUntil = 0;
  #limit: LogRateLimit;
  #dropped = 0;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  /** Lines queued, and refused by the rate limit, since start. */
  shipped = 0;
  droppedTotal = 0;

  constructor(o: LogShipperOptions) {
    this.#o = o;
    this.options = { ...LOG_SHIP_DEFAULTS, ...o.options };
    this.#limit = new LogRateLimit(this.options.linesPerS, this.options.bytesPerS, this.options.burstS, o.mono());
  }

  register(commands: Commands): void {
    commands.register('logs', (args) => this.slice(args));
    commands.register('logs-follow', (args) => this.follow(args));
  }

  get following(): boolean {
    return this.#followUntil > this.#o.mono();
  }

  /** `logs`: queues a slice of the ring. */
  slice(args: Record<string, unknown>): { lines: number; firstLine?: number; lastLine?: number; more: boolean } {
    const since = args.since ?? this.#o.now() - DEFAULT_SINCE_MS;
    if (typeof since !== 'number' || !Number.isFinite(since)) throw new CommandRejected('args.since must be a time in ms since the epoch');
    const limit = args.limit ?? DEFAULT_SLICE_LINES;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new CommandRejected('args.limit must be a whole number above 0');
    const { lines, more } = this.#o.ring.slice({
      since,
      limit: Math.min(limit, this.options.maxSliceLines),
      maxBytes: this.options.maxSliceBytes,
    });
    for (const l of lines) this.#queue(logRecordOf(l), l.ts);
    return {
      lines: lines.length,
      ...(lines.length ? { firstLine: lines[0]!.line, lastLine: lines[lines.length - 1]!.line } : {}),
      more: more || limit > this.options.maxSliceLines,
    };
  }

  /** `logs-follow`: ships new lines for `forS` seconds from now (0 stops). */
  follow(args: Record<string, unknown>): { following: boolean; forS: number; lastLine: number } {
    const forS = args.forS;
    if (typeof forS !== 'number' || !Number.isFinite(forS) || forS < 0) throw new CommandRejected('args.forS must be a number of seconds, 0 or more');
    const s = Math.min(forS, this.options.maxFollowS);
    if (s === 0) {
      this.#end();
      return { following: false, forS: 0, lastLine: this.#o.ring.lastLine() };
    }
    const lastLine = this.#o.ring.lastLine(); // writes what waits first: a follow ships only lines logged after it
    this.#followUntil = this.#o.mono() + s * 1000;
    if (!this.#unsubscribe) this.#unsubscribe = this.#o.ring.onWritten((lines) => this.#offer(lines));
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), NOTE_EVERY_MS);
      this.#timer.unref();
    }
    return { following: true, forS: s, lastLine };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#followUntil = 0;
  }

  #offer(lines: StoredLogLine[]): void {
    if (!this.following) return this.#end();
    const now = this.#o.mono();
    for (const l of lines) {
      const r = logRecordOf(l);
      if (!this.#limit.take(recordBytes(r), now)) {
        this.#dropped++;
        this.droppedTotal++;
        continue;
      }
      if (this.#dropped) this.#note(l.ts);
      this.#queue(r, l.ts);
    }
  }

  /** Once a second while following: a note of dropped lines once the bucket has room; the end of a follow. */
  #tick(): void {
    try {
      if (!this.following) return this.#end();
      if (this.#dropped && this.#limit.take(80, this.#o.mono())) this.#note(this.#o.now());
    } catch (err) {
      this.#o.log.warn('log follow tick failed', { error: (err as Error).message });
    }
  }

  #end(): void {
    if (this.#dropped) this.#note(this.#o.now());
    this.stop();
  }

  #note(ts: number): void {
    const n = this.#dropped;
    this.#dropped = 0;
    this.#queue({ module: 'log-ship', level: 'warn', msg: `… ${n} lines dropped (rate limit)`, fields: { dropped: n } }, ts);
  }

  #queue(r: LogRecord, ts: number): void {
    this.shipped++;
    this.#o.record(r, ts).catch((err: Error) => this.#o.log.debug('log line not queued', { error: err.message }));
  }
}
