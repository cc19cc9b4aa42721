/**
 * The agent's log ring: every line the agent's logger writes at or above a level (`info` unless the
 * logger itself is more verbose) is kept in a table of the agent's SQLite database, so the lines
 * before a reboot or a crash are still there to ship to the fleet (device/log-ship.ts).
 *
 * - Each line carries the module that wrote it: the logger the agent hands out is wrapped
 *   (`ringLogger`), and a child logger's names are the line's module (`link`, `cmd`, a module's
 *   own name as device/module-host.ts gives it; `agent` for the root).
 * - Bounded by rows and by bytes: past either bound the oldest lines go, down to 90 % of it, so a
 *   chatty module costs the SD card a fixed amount and never the outbox's room.
 * - Writes are grouped: the lines of one event-loop turn go into one transaction; an `error` line
 *   is written at once (the last words before a crash). Lines logged before the database is open
 *   wait in memory (a bounded number). A write that fails loses its lines, counted, and the agent
 *   logs on; the logger never throws.
 * - Line numbers (the table's AUTOINCREMENT key) are never reused, so the fleet keeps a line once
 *   however often it is shipped.
 */
import type Database from 'better-sqlite3';
import type { Logger, LogLevel } from '../protocols/index.js';
import { LOG_LEVELS } from '../protocols/index.js';

/** One line as a logger wrote it. */
export interface LogLine {
  /** Wall time, ms since the epoch. */
  ts: number;
  level: LogLevel;
  module: string;
  msg: string;
  fields?: Record<string, unknown>;
}

/** A line as the ring keeps it, with its number. */
export interface StoredLogLine extends LogLine {
  line: number;
}

export interface LogRingOptions {
  /** Most lines kept (default 20,000). */
  maxRows: number;
  /** Most bytes of messages and fields kept (default 4 MiB). */
  maxBytes: number;
  /** Lines at this level and above are kept (default info; more when the logger is more verbose). */
  level: LogLevel;
}

export const LOG_RING_DEFAULTS: LogRingOptions = { maxRows: 20_000, maxBytes: 4 * 1024 * 1024, level: 'info' };

/** A message longer than this is cut (the `log` stream's limit). */
export const MAX_MSG_CHARS = 1000;
/** Fields whose JSON is longer than this are kept as their first characters. */
export const MAX_FIELDS_CHARS = 4000;
/** Lines kept in memory before the database is open, or while a write waits. */
const MAX_PENDING = 2000;
const MAX_MODULE_CHARS = 64;

const SCHEMA = `CREATE TABLE IF NOT EXISTS log_ring (
  line   INTEGER PRIMARY KEY AUTOINCREMENT,
  ts     INTEGER NOT NULL,
  level  TEXT NOT NULL,
  module TEXT NOT NULL,
  msg    TEXT NOT NULL,
  fields TEXT,
  bytes  INTEGER NOT NULL
)`;

interface Row {
  line: number;
  ts: number;
  level: LogLevel;
  module: string;
  msg: string;
  fields: string | null;
}

export interface LogRingStats {
  rows: number;
  bytes: number;
  /** Oldest lines dropped by the bounds since start. */
  evicted: number;
  /** Lines lost since start (a failed write, too many waiting before the database opened). */
  lost: number;
}

type WrittenListener = (lines: StoredLogLine[]) => void;

export class LogRing {
  readonly options: LogRingOptions;
  readonly #trouble: Logger | undefined;
  #db: Database.Database | null = null;
  #pending: LogLine[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  #listeners = new Set<WrittenListener>();
  #rows = 0;
  #bytes = 0;
  #evicted = 0;
  #lost = 0;
  #lastTroubleAt = 0;
  #insert: Database.Statement | null = null;

  /** `trouble` is where the ring reports its own failures: a logger that does not write into the ring. */
  constructor(options: Partial<LogRingOptions> = {}, trouble?: Logger) {
    this.options = { ...LOG_RING_DEFAULTS, ...options };
    this.#trouble = trouble;
  }

  get level(): LogLevel {
    return this.options.level;
  }

  /** Opens (creates) the table in the agent's database and writes the lines that waited. */
  open(db: Database.Database): void {
    try {
      db.exec(SCHEMA);
      const { n, b } = db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM log_ring').get() as { n: number; b: number };
      this.#rows = n;
      this.#bytes = b;
      this.#insert = db.prepare('INSERT INTO log_ring (ts, level, module, msg, fields, bytes) VALUES (?, ?, ?, ?, ?, ?)');
      this.#db = db;
    } catch (err) {
      // A database that cannot hold the ring (a full or read-only disk): the agent runs without it.
      this.#reportTrouble('log ring not opened; lines are not kept', err);
      return;
    }
    this.flush();
  }

  /** Keeps a line; never throws. */
  write(line: LogLine): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.#lost++;
      return;
    }
    this.#pending.push(line);
    if (!this.#db) return;
    if (line.level === 'error') return this.flush();
    if (!this.#scheduled) {
      this.#scheduled = setImmediate(() => {
        this.#scheduled = null;
        this.flush();
      });
      this.#scheduled.unref();
    }
  }

  /** Writes the waiting lines in one transaction, trims to the bounds, then tells the listeners. */
  flush(): void {
    const db = this.#db;
    if (!db || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    let written: StoredLogLine[];
    try {
      written = db.transaction(() => batch.map((l) => this.#insertOne(l)))();
      this.#trim(db);
    } catch (err) {
      this.#lost += batch.length;
      this.#reportTrouble('log lines not kept', err);
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener(written);
      } catch (err) {
        this.#reportTrouble('log ring listener failed', err);
      }
    }
  }

  /** Called with the lines of each write, once they have their numbers. */
  onWritten(listener: WrittenListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The newest `limit` lines logged at or after `since` (ms), oldest first, within `maxBytes`;
   * `more` says that older lines matched too.
   */
  slice(q: { since: number; limit: number; maxBytes?: number }): { lines: StoredLogLine[]; more: boolean } {
    this.flush();
    if (!this.#db) return { lines: [], more: false };
    const rows = this.#db
      .prepare('SELECT line, ts, level, module, msg, fields, bytes FROM log_ring WHERE ts >= ? ORDER BY line DESC LIMIT ?')
      .all(q.since, q.limit + 1) as (Row & { bytes: number })[];
    let more = rows.length > q.limit;
    const kept: StoredLogLine[] = [];
    let bytes = 0;
    for (const row of rows.slice(0, q.limit)) {
      bytes += row.bytes;
      if (q.maxBytes !== undefined && bytes > q.maxBytes && kept.length > 0) {
        more = true;
        break;
      }
      kept.push(fromRow(row));
    }
    return { lines: kept.reverse(), more };
  }

  /** The highest line number kept so far (0 when empty). */
  lastLine(): number {
    this.flush();
    if (!this.#db) return 0;
    return (this.#db.prepare('SELECT coalesce(max(line), 0) AS m FROM log_ring').get() as { m: number }).m;
  }

  stats(): LogRingStats {
    return { rows: this.#rows, bytes: this.#bytes, evicted: this.#evicted, lost: this.#lost };
  }

  /** Writes what waits and lets go of the database (the agent closes it). */
  close(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.flush();
    this.#db = null;
    this.#insert = null;
    this.#listeners.clear();
  }

  #insertOne(l: LogLine): StoredLogLine {
    const msg = l.msg.length > MAX_MSG_CHARS ? l.msg.slice(0, MAX_MSG_CHARS - 1) + '…' : l.msg;
    const module = (l.module || 'agent').slice(0, MAX_MODULE_CHARS);
    const fields = fieldsJson(l.fields);
    const bytes = 32 + Buffer.byteLength(msg) + module.length + (fields ? Buffer.byteLength(fields) : 0);
    const r = this.#insert!.run(l.ts, l.level, module, msg, fields, bytes);
    this.#rows++;
    this.#bytes += bytes;
    const stored: StoredLogLine = { line: Number(r.lastInsertRowid), ts: l.ts, level: l.level, module, msg };
    if (fields) stored.fields = JSON.parse(fields) as Record<string, unknown>;
    return stored;
  }

  /** Drops the oldest lines past either bound, down to 90 % of it. */
  #trim(db: Database.Database): void {
    const { maxRows, maxBytes } = this.options;
    if (this.#rows <= maxRows && this.#bytes <= maxBytes) return;
    const rowTarget = Math.floor(maxRows * 0.9);
    const byteTarget = Math.floor(maxBytes * 0.9);
    const oldest = db.prepare('SELECT line, bytes FROM log_ring WHERE line > ? ORDER BY line LIMIT 1000');
    let rows = this.#rows;
    let bytes = this.#bytes;
    let cutoff = 0;
    while (rows > rowTarget || bytes > byteTarget) {
      const page = oldest.all(cutoff) as { line: number; bytes: number }[];
      if (page.length === 0) break;
      for (const r of page) {
        if (rows <= rowTarget && bytes <= byteTarget) break;
        cutoff = r.line;
        rows--;
        bytes -= r.bytes;
      }
    }
    const gone = db.prepare('DELETE FROM log_ring WHERE line <= ?').run(cutoff).changes;
    this.#evicted += gone;
    this.#rows = rows;
    this.#bytes = bytes;
  }

  #reportTrouble(what: string, err: unknown): void {
    const now = Date.now();
    if (now - this.#lastTroubleAt < 60_000) return; // once a minute: a full disk must not flood the console
    this.#lastTroubleAt = now;
    try {
      this.#trouble?.warn(what, { error: (err as Error).message, lost: this.#lost });
    } catch {
      // the console itself failing leaves nothing to tell
    }
  }
}

function fromRow(r: Row): StoredLogLine {
  const line: StoredLogLine = { line: r.line, ts: r.ts, level: r.level, module: r.module, msg: r.msg };
  if (r.fields !== null) {
    try {
      line.fields = JSON.parse(r.fields) as Record<string, unknown>;
    } catch {
      line.fields = { unreadable: r.fields.slice(0, 200) };
    }
  }
  return line;
}

/** The fields as a JSON object's text, cut to MAX_FIELDS_CHARS; null when there are none. */
export function fieldsJson(fields: Record<string, unknown> | undefined): string | null {
  if (!fields || Object.keys(fields).length === 0) return null;
  let json: string;
  try {
    json = JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? v.message : v));
  } catch (err) {
    return JSON.stringify({ unserialisable: (err as Error).message });
  }
  if (json.length <= MAX_FIELDS_CHARS) return json;
  return JSON.stringify({ truncated: json.slice(0, MAX_FIELDS_CHARS) });
}

/** What `ringLogger` writes to. */
export interface LogLineSink {
  readonly level: LogLevel;
  write(line: LogLine): void;
}

/**
 * The logger the agent uses: writes as `base` does and keeps each line at or above the ring's
 * level (or the logger's own, when that is more verbose) in the ring, named by its module: the
 * child names below the root, `agent` for the root itself.
 */
export function ringLogger(base: Logger, ring: LogLineSink, path: readonly string[] = []): Logger {
  const module = path.length ? path.join('/') : 'agent';
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    base[level](msg, fields);
    const keepUpTo = Math.max(LOG_LEVELS.indexOf(ring.level), LOG_LEVELS.indexOf(base.level));
    if (LOG_LEVELS.indexOf(level) > keepUpTo) return;
    try {
      ring.write({ ts: Date.now(), level, module, msg, ...(fields ? { fields } : {}) });
    } catch {
      // the ring counts its own losses; logging never throws
    }
  };
  return {
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    child: (scope) => ringLogger(base.child(scope), ring, [...path, scope]),
    get level() {
      return base.level;
    },
    set level(l: LogLevel) {
      base.level = l;
    },
  };
}
