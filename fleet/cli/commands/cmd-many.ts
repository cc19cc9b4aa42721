/**
 * `tabla cmd --role|--site|--all <verb>`: the same command to many devices. Devices online now are
 * followed until each answers or --timeout passes (a progress bar on a terminal); offline ones
 * keep it queued until it expires. Ends with who succeeded, failed, never answered, or is offline.
 */
import type { CommandRecord } from '../../commands.js';
import { ApiFailure, enc, type FleetApi } from '../api.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { status, table, type Style } from '../format.js';
import { expiry, follow, isFinal, reachable, type Target } from './cmd-follow.js';

/** Requests in flight at once, so that a big fleet does not get a burst from one terminal. */
const CONCURRENCY = 8;
const POLL_MS = 500;

export interface Selection {
  role?: string;
  site?: string;
  all?: boolean;
}

export type Outcome = 'succeeded' | 'failed' | 'refused' | 'no answer' | 'offline';

export interface DeviceOutcome {
  deviceId: string;
  outcome: Outcome;
  command?: CommandRecord;
  error?: string;
}

/** The devices a selection names; throws if it names none. */
export function selectTargets(devices: Target[], s: Selection): Target[] {
  const chosen = devices.filter((d) => (s.role === undefined || d.role === s.role) && (s.site === undefined || d.site === s.site));
  if (chosen.length === 0) {
    const what = s.all ? 'no devices are provisioned' : `no device has ${[s.role && `role ${s.role}`, s.site && `site ${s.site}`].filter(Boolean).join(' and ')}`;
    throw new Failure(what);
  }
  return chosen;
}

/** Where a command has got to, as the summary counts it. */
export function outcomeOf(d: Target, c: CommandRecord): Outcome {
  if (c.status === 'succeeded') return 'succeeded';
  if (isFinal(c.status)) return 'failed';
  return reachable(d.presence) ? 'no answer' : 'offline';
}

/** Runs `fn` over `items`, at most `limit` at once, results in the order of `items`. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One line of progress: "[██████······] 6/12 answered". */
export function progressLine(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${done}/${total} answered`;
}

/** A progress bar redrawn in place on stderr when it is a terminal; silent otherwise. */
function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr) {
  const on = Boolean(stream.isTTY) && total > 0;
  let done = 0;
  const draw = () => on && stream.write(`\r${progressLine(done, total)}`);
  draw();
  return {
    tick() {
      done++;
      draw();
    },
    stop() {
      if (on) stream.write('\r\x1b[2K');
    },
  };
}

export interface ManyOptions {
  args: Record<string, unknown>;
  ttl?: number;
  timeout: number;
  force?: boolean;
  json?: boolean;
  /** false: the table without its header row (--no-headers) */
  headers?: boolean;
}

export async function sendToMany(verb: string, sel: Selection, o: ManyOptions, api: FleetApi, ctx: CliContext): Promise<void> {
  const targets = selectTargets(await api.get<Target[]>('/api/devices'), sel);
  const bar = progressBar(targets.length);
  let results: DeviceOutcome[];
  try {
    results = await pool(targets, CONCURRENCY, async (d): Promise<DeviceOutcome> => {
      let c: CommandRecord;
      try {
        c = await api.request<CommandRecord>('POST', `/api/devices/${enc(d.id)}/commands`, {
          verb,
          args: o.args,
          ...(o.ttl ? { ttlS: o.ttl } : {}),
          ...(o.force ? { force: true } : {}),
        });
      } catch (err) {
        if (!(err instanceof ApiFailure)) throw err;
        bar.tick();
        return { deviceId: d.id, outcome: 'refused', error: err.message };
      }
      if (reachable(d.presence)) c = await follow(api, c, o.timeout, undefined, POLL_MS);
      bar.tick();
      return { deviceId: d.id, outcome: outcomeOf(d, c), command: c, ...(c.error ? { error: c.error } : {}) };
    });
  } finally {
    bar.stop();
  }
  const summary = countOutcomes(results);
  if (o.json) ctx.json({ verb, summary, results });
  else ctx.out(manyReport(verb, results, ctx.style(o)));
  const bad = results.length - summary.succeeded;
  if (bad > 0) throw new Failure(`${verb}: ${bad} of ${results.length} devices did not succeed`);
}

export function countOutcomes(results: DeviceOutcome[]): Record<Outcome, number> {
  const n: Record<Outcome, number> = { succeeded: 0, failed: 0, refused: 0, 'no answer': 0, offline: 0 };
  for (const r of results) n[r.outcome]++;
  return n;
}

/** The status word whose colour an outcome takes. */
const COLOURED_AS: Record<Outcome, string> = { succeeded: 'succeeded', failed: 'failed', refused: 'rejected', 'no answer': 'pending', offline: 'offline' };
const outcomeWord = (o: Outcome, style: Style) => status(COLOURED_AS[o], style).replace(COLOURED_AS[o], o);

/** The per-device table and the summary line. */
export function manyReport(verb: string, results: DeviceOutcome[], style: Style): string {
  const rows = results.map((r) => [
    r.deviceId,
    outcomeWord(r.outcome, style),
    r.command?.status ?? '-',
    r.outcome === 'offline' && r.command ? `queued until ${expiry(r.command, style.now)}` : (r.error ?? (r.command?.result === undefined ? '' : JSON.stringify(r.command.result))),
  ]);
  const n = countOutcomes(results);
  const parts = (Object.keys(n) as Outcome[]).filter((k) => n[k] > 0).map((k) => `${n[k]} ${k}`);
  return `${table(['device', 'outcome', 'status', 'result / error'], rows, style)}\n${verb} on ${results.length} devices: ${parts.join(', ')}`;
}
