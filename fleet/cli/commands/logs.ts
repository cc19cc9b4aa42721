/**
 * `tabla logs <id> [--since <time>] [--follow]`: a device's log lines, from the log ring it keeps
 * across reboots.
 *
 * Without --follow: asks the device for the lines since `--since` (command `logs`; ISO 8601 or a
 * span back from now: `90s`, `10m`, `2h`, `1d`; default 1h), waits until they have reached the
 * fleet, and prints what the fleet has. A device that does not answer in --timeout gets the lines
 * the fleet already had, a warning, and exit 1.
 *
 * With --follow: prints the lines as they arrive (after the --since slice, when given) until
 * Ctrl-C; it asks the device to ship new lines for a minute (`logs-follow`) and renews that every
 * half minute, and on Ctrl-C tells it to stop. The device rate-limits what it ships (dropped lines
 * show as "… N lines dropped").
 *
 * A line: `<ts> <level> <module>: <msg> key=value…`, as the device logged it; --json prints the
 * lines as JSON (one object per line with --follow).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { FINAL_STATUSES, type CommandRecord } from '../../commands.js';
import type { DeviceLogLine, DeviceLogs } from '../../engines/logs/index.js';
import { enc, type FleetApi } from '../api.js';
import { positiveInt, positiveNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { examples } from '../help.js';

const POLL_MS = 250;
/** How long one follow request asks the device to ship, and how often it is renewed. */
const FOLLOW_S = 60;
const RENEW_MS = 30_000;
/** A long poll's wait (below the API client's own request timeout). */
const WAIT_S = 10;
const SPANS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

interface LogsOptions {
  since?: number;
  follow?: boolean;
  limit: number;
  timeout: number;
  json?: boolean;
}

/** `--since`: ISO 8601, or a span back from `now` (`90s`, `10m`, `2h`, `1d`). */
export function parseSinceArg(text: string, now: number = Date.now()): number {
  const span = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (span) return now - Number(span[1]) * SPANS[span[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  throw new InvalidArgumentError('must be an ISO 8601 time (2026-11-27T05:10:00Z) or a span back from now (90s, 10m, 2h, 1d)');
}

/** One line as the device's console showed it. */
export function formatLogLine(l: DeviceLogLine): string {
  let out = `${l.ts} ${l.level.padEnd(5)} ${l.module}: ${l.msg}`;
  if (l.fields) for (const [k, v] of Object.entries(l.fields)) out += ` ${k}=${JSON.stringify(v) ?? 'undefined'}`;
  return out;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("show a device's log lines (from the log ring it keeps across reboots); --follow to watch")
    .argument('<id>', 'device id')
    .option('--since <time>', 'ISO 8601 or a span back from now: 90s, 10m, 2h, 1d (default 1h; with --follow, now)', (t: string) => parseSinceArg(t))
    .option('--follow', 'print new lines as they arrive until Ctrl-C')
    .option('--limit <lines>', 'at most this many lines of the slice (the newest)', positiveInt, 1000)
    .option('--timeout <seconds>', 'how long to wait for the device to answer', positiveNumber, 15)
    .option('--json', 'print the lines as JSON (with --follow: one object a line)')
    .addHelpText(
      'after',
      examples(
        ['tabla logs bus-01', 'tabla logs bus-01 --since 10m', 'tabla logs bus-01 --since 2026-11-27T05:10:00Z --limit 200 --json', 'tabla logs bus-01 --follow'],
        'A line: <time> <level> <module>: <message> key=value…, as the device logged it. A device that does not\nanswer in --timeout gets the lines the fleet already had, a warning, and exit 1.',
      ),
    )
    .action((id: string, o: LogsOptions) => showLogs(id, o, ctx.api(), ctx));
}

const isFinal = (status: string) => (FINAL_STATUSES as readonly string[]).includes(status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function command(api: FleetApi, id: string, verb: string, args: Record<string, unknown>, timeoutS: number): Promise<CommandRecord> {
  let c = await api.request<CommandRecord>('POST', `/api/devices/${enc(id)}/commands`, { verb, args, ttlS: Math.max(1, Math.ceil(timeoutS)) });
  const deadline = Date.now() + timeoutS * 1000;
  while (!isFinal(c.status) && Date.now() < deadline) {
    await sleep(POLL_MS);
    c = await api.get<CommandRecord>(`/api/devices/${enc(id)}/commands/${enc(c.cmdId)}`);
  }
  return c;
}

async function showLogs(id: string, o: LogsOptions, api: FleetApi, ctx: CliContext): Promise<void> {
  const warn = (text: string) => void process.stderr.write(`tabla: ${text}\n`);
  const path = `/api/devices/${enc(id)}/logs`;
  await api.get(`/api/devices/${enc(id)}`); // an unknown device fails here, before anything is asked of it
  let silent: string | null = null;
  let cursor: number;
  if (!o.follow || o.since !== undefined) {
    const since = o.since ?? Date.now() - SPANS.h!;
    const slice = `${path}?since=${since}&limit=${o.limit}`;
    const deadline = Date.now() + o.timeout * 1000;
    const c = await command(api, id, 'logs', { since, limit: o.limit }, o.timeout);
    const lastLine = (c.result as { lastLine?: number } | undefined)?.lastLine;
    if (c.status !== 'succeeded') {
      silent = `${id} did not ship its logs (${c.status}${c.error ? `: ${c.error}` : ''}); these are the lines the fleet already had`;
    } else if (lastLine !== undefined) {
      // The lines travel in the outbox's lowest lane: wait for the last of them.
      while (Date.now() < deadline && !(await api.get<DeviceLogs>(slice)).lines.some((l) => l.line === lastLine)) await sleep(POLL_MS);
    }
    const got = await api.get<DeviceLogs>(slice);
    cursor = got.cursor;
    if (o.json && !o.follow) ctx.json(got.lines);
    else for (const l of got.lines) ctx.out(o.json ? JSON.stringify(l) : formatLogLine(l));
    if (!o.follow) {
      if (silent) throw new Failure(silent);
      return;
    }
    if (silent) warn(silent);
  } else {
    cursor = (await api.get<DeviceLogs>(`${path}?since=${Date.now()}&limit=1`)).cursor;
  }
  await follow(id, o, api, ctx, path, cursor, warn);
}

async function follow(id: string, o: LogsOptions, api: FleetApi, ctx: CliContext, path: string, from: number, warn: (t: string) => void): Promise<void> {
  let stopping = false;
  const ask = async (forS: number) => {
    const c = await command(api, id, 'logs-follow', { forS }, Math.min(o.timeout, 5)).catch((err: Error) => ({ status: 'failed', error: err.message }));
    if (c.status !== 'succeeded' && !stopping) warn(`${id} did not start shipping new lines (${c.status}${c.error ? `: ${c.error}` : ''}); still waiting`);
  };
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(renew);
    // Best effort, briefly: the device's follow ends by itself within a minute anyway.
    await Promise.race([api.request('POST', `/api/devices/${enc(id)}/commands`, { verb: 'logs-follow', args: { forS: 0 }, ttlS: 30 }).catch(() => {}), sleep(2000)]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  void ask(FOLLOW_S);
  const renew = setInterval(() => void ask(FOLLOW_S), RENEW_MS);
  let cursor = from;
  try {
    while (!stopping) {
      const got = await api.get<DeviceLogs>(`${path}?after=${cursor}&waitS=${WAIT_S}&limit=1000`);
      if (stopping) break;
      for (const l of got.lines) ctx.out(o.json ? JSON.stringify(l) : formatLogLine(l));
      cursor = got.cursor;
    }
  } finally {
    clearInterval(renew); // a fleet that fails the poll ends the follow (exit 1), with nothing left running
  }
}
