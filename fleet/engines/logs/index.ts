/**
 * The "logs" engine: the log lines devices ship from their log rings (the `log` stream: a slice on
 * a `logs` command, new lines while a technician follows with `logs-follow`), kept per device and
 * served to the CLI (`tabla logs`).
 *
 * - A line is kept once per (device, outbox, line number), however often it is shipped; a note of
 *   the device's shipper (lines dropped by its rate limit) has no number and is kept as it comes.
 * - Bounded: at most `maxLinesPerDevice` lines per device (the oldest go), pruned once a minute.
 * - `GET /api/devices/:id/logs?since=&limit=`: the newest `limit` lines (default 1000, at most
 *   5000) logged at or after `since` (ISO 8601 or ms; default the last hour), oldest first.
 * - `GET /api/devices/:id/logs?after=<cursor>&waitS=<s>`: the lines stored after `cursor` (the
 *   `cursor` of an earlier answer) in the order they arrived; with `waitS` (at most 25) the answer
 *   waits until there is one (a long poll: how `tabla logs --follow` reads).
 */
import { LogRecord } from '../../../protocols/index.js';
import { HttpError } from '../../http/router.js';
import type { FleetEngine } from '../engine.js';
import { readRecord } from '../records.js';

const MIGRATIONS = [
  `CREATE TABLE logs_lines (
    id          INTEGER PRIMARY KEY,
    device_id   TEXT NOT NULL,
    outbox      TEXT NOT NULL,
    line        INTEGER,
    ts          INTEGER NOT NULL,
    level       TEXT NOT NULL,
    module      TEXT NOT NULL,
    msg         TEXT NOT NULL,
    fields      TEXT,
    received_at INTEGER NOT NULL,
    UNIQUE (device_id, outbox, line)
  );
  CREATE INDEX logs_lines_device_ts ON logs_lines (device_id, ts);`,
];

export interface LogsOptions {
  /** Most lines kept per device (default 50,000). */
  maxLinesPerDevice?: number;
}

/** A line as the API answers it. */
export interface DeviceLogLine {
  /** Where it is in the fleet's store (the follow cursor). */
  id: number;
  /** ISO 8601: when the device logged it. */
  ts: string;
  level: LogRecord['level'];
  module: string;
  msg: string;
  fields?: Record<string, unknown>;
  /** Its number in the device's log ring; none for a note of the device's shipper. */
  line?: number;
}

export interface DeviceLogs {
  lines: DeviceLogLine[];
  /** Pass as `after` to get what arrives next. */
  cursor: number;
}

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 5000;
const MAX_WAIT_S = 25;
const PRUNE_EVERY_MS = 60_000;

interface Row {
  id: number;
  ts: number;
  level: LogRecord['level'];
  module: string;
  msg: string;
  fields: string | null;
  line: number | null;
}

function toLine(r: Row): DeviceLogLine {
  const l: DeviceLogLine = { id: r.id, ts: new Date(r.ts).toISOString(), level: r.level, module: r.module, msg: r.msg };
  if (r.fields !== null) l.fields = JSON.parse(r.fields) as Record<string, unknown>;
  if (r.line !== null) l.line = r.line;
  return l;
}

/** A query's `since`: ISO 8601 or ms since the epoch. */
export function parseSince(text: string | null, now: number): number {
  if (text === null || text === '') return now - 3600_000;
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw new HttpError(400, `since: ${text.slice(0, 40)} is not a time (ISO 8601 or ms since the epoch)`);
  return n;
}

function intParam(url: URL, name: string, fallback: number, max: number, min = 1): number {
  const text = url.searchParams.get(name);
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new HttpError(400, `${name} must be a whole number, ${min} or more`);
  return Math.min(n, max);
}

export function logsEngine(options: LogsOptions = {}): FleetEngine {
  const maxLines = options.maxLinesPerDevice ?? 50_000;
  let timer: NodeJS.Timeout | null = null;
  /** Long polls waiting for a device's next lines. */
  const waiting = new Map<string, Set<() => void>>();
  const wake = (deviceId: string) => {
    const set = waiting.get(deviceId);
    if (!set) return;
    waiting.delete(deviceId);
    for (const resolve of set) resolve();
  };
  return {
    name: 'logs',
    start(ctx) {
      const db = ctx.migrate(MIGRATIONS);
      const m = ctx.metrics;
      m.define('tabla_logs_lines_total', 'counter', 'Log lines devices shipped that the fleet kept (not repeats).');
      m.define('tabla_logs_bad_records_total', 'counter', 'Records of the log stream that did not fit its schema.');
      const insert = db.prepare(
        `INSERT INTO logs_lines (device_id, outbox, line, ts, level, module, msg, fields, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, outbox, line) DO NOTHING`,
      );
      const cols = 'id, ts, level, module, msg, fields, line';
      const since = db.prepare(`SELECT ${cols} FROM logs_lines WHERE device_id = ? AND ts >= ? ORDER BY ts DESC, id DESC LIMIT ?`);
      const after = db.prepare(`SELECT ${cols} FROM logs_lines WHERE device_id = ? AND id > ? ORDER BY id LIMIT ?`);
      const last = db.prepare('SELECT coalesce(max(id), 0) AS id FROM logs_lines');
      const devices = db.prepare('SELECT device_id AS id, count(*) AS n FROM logs_lines GROUP BY device_id HAVING n > ?');
      const cutoff = db.prepare('SELECT id FROM logs_lines WHERE device_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?');
      const prune = db.prepare('DELETE FROM logs_lines WHERE device_id = ? AND id <= ?');

      ctx.on('telemetry-committed', ({ deviceId, stream, outbox, receivedAt, records }) => {
        if (stream !== 'log') return;
        let kept = 0;
        db.transaction(() => {
          for (const r of records) {
            const data = readRecord(LogRecord, r);
            if (!data) {
              m.inc('tabla_logs_bad_records_total');
              continue;
            }
            const fields = data.fields ? JSON.stringify(data.fields) : null;
            kept += insert.run(deviceId, outbox ?? '', data.line ?? null, r.ts, data.level, data.module, data.msg, fields, receivedAt).changes;
          }
        })();
        if (kept) {
          m.inc('tabla_logs_lines_total', {}, kept);
          wake(deviceId);
        }
      });

      timer = setInterval(() => {
        try {
          for (const d of devices.all(maxLines) as { id: string }[]) {
            const row = cutoff.get(d.id, maxLines) as { id: number } | undefined;
            if (row) prune.run(d.id, row.id);
          }
        } catch (err) {
          ctx.log.warn('log lines not pruned (tried again)', { error: (err as Error).message });
        }
      }, PRUNE_EVERY_MS);
      timer.unref();

      const lines = (id: string, url: URL): DeviceLogs => {
        const limit = intParam(url, 'limit', DEFAULT_LIMIT, MAX_LIMIT);
        const cursorText = url.searchParams.get('after');
        if (cursorText !== null) {
          const from = intParam(url, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
          const rows = (after.all(id, from, limit) as Row[]).map(toLine);
          return { lines: rows, cursor: rows.length ? rows[rows.length - 1]!.id : from };
        }
        const rows = (since.all(id, parseSince(url.searchParams.get('since'), ctx.clock.now()), limit) as Row[]).reverse().map(toLine);
        // The cursor of a slice is the store's end, so a follow after it misses nothing that came since.
        return { lines: rows, cursor: (last.get() as { id: number }).id };
      };

      ctx.routes.add('GET', '/api/devices/:id/logs', async (req) => {
        const id = req.params.id!;
        if (!ctx.devices.get(id)) throw new HttpError(404, `no device ${id}`);
        const waitS = intParam(req.url, 'waitS', 0, MAX_WAIT_S, 0);
        let body = lines(id, req.url);
        if (body.lines.length === 0 && waitS > 0 && req.url.searchParams.has('after')) {
          await new Promise<void>((resolve) => {
            let set = waiting.get(id);
            if (!set) waiting.set(id, (set = new Set()));
            // The client going away ends the wait too (a follow stopped with Ctrl-C).
            const socket = req.raw.socket;
            const done = () => {
              clearTimeout(t);
              set!.delete(done);
              socket.off('close', done);
              resolve();
            };
            const t = setTimeout(done, waitS * 1000);
            set.add(done);
            socket.once('close', done);
          });
          body = lines(id, req.url);
        }
        return { body };
      });
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      for (const id of [...waiting.keys()]) wake(id);
    },
  };
}
