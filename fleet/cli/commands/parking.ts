/**
 * `tabla parking [list] | import | show | adjust`: the car parks the fleet counts, as a technician
 * sees and corrects them.
 *
 * - `tabla parking [--site S] [--json]`: every car park, one line each (a plain aligned table)
 * - `tabla parking import <file.json> [--site S]`: puts a site's whole car park catalogue; a
 *   catalogue the fleet refuses exits 1 with its reasons by path, the site keeping the one it had
 * - `tabla parking show <id> [--json]`: one car park: status, thresholds, counts, its devices, history
 * - `tabla parking adjust <carParkId> <+N|-N|=N> --reason "<why>" [--by <name>]`: corrects the
 *   count, recorded with who (--by, default the OS user), when and why; then forwarded as the
 *   command `adjust` {carParkId, delta|set, reason, by} to each counter labelled with the car
 *   park. A counter that does not take the verb answers `rejected`; the fleet's correction stands.
 */
import fs from 'node:fs';
import os from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import type { CarParkStatus } from '../../../protocols/index.js';
import type { CommandRecord } from '../../commands.js';
import { ApiFailure, enc } from '../api.js';
import { noHeadersOption } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { age, table, type Style } from '../format.js';
import { examples } from '../help.js';

type Correction = { delta: number } | { set: number };

interface Detail {
  status: CarParkStatus;
  carPark: { id: string; name: string; site: string; timeZone: string; capacity: number; openingHours?: { days: string[]; from: string; to: string }[]; staleAfterS: number; recalibrate?: { at: string; count: number }; panelLabel?: string; address?: string };
  thresholds: { almostFullIncreasing: number; almostFullDecreasing: number; fullIncreasing: number; fullDecreasing: number };
  counts: { clampedHigh: number; clampedLow: number; lastCountAt: string | null; recalibratedAt: string | null };
  counters: string[];
  panels: string[];
  history: ({ at: string; kind: string } & Record<string, unknown>)[];
}

interface Adjusted {
  adjustment: { carParkId: string; at: string; by: string; reason: string; before: number; after: number; clamped: 'high' | 'low' | null } & Correction;
  status: CarParkStatus;
  counters: string[];
}

/** `+N`, `-N` or `=N`. */
export function correction(text: string): Correction {
  const m = /^([+=-])(\d{1,6})$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError('+N (cars in the count missed), -N (cars out it missed) or =N (the count is N)');
  const n = Number(m[2]);
  if (m[1] === '=') return { set: n };
  if (n === 0) throw new InvalidArgumentError('a correction of 0 changes nothing');
  return { delta: m[1] === '-' ? -n : n };
}

const siteName = (text: string) => {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(text)) throw new InvalidArgumentError("a site's name: lower-case letters, digits and dashes");
  return text;
};

const dash = (x: number | null | undefined) => (x === null || x === undefined ? '-' : String(x));

function listText(statuses: CarParkStatus[], style: Style): string {
  if (!statuses.length) return 'no car parks (tabla parking import <catalogue.json> adds a site\'s)';
  return table(
    ['ID', 'NAME', 'SITE', 'STATE', 'FREE', 'CAPACITY', 'OCCUPIED', '%', 'TREND', 'LAST COUNT'],
    statuses.map((s) => [s.id, s.name, s.site, s.state, s.free ?? '-', s.capacity, s.occupied, s.percent ?? '-', s.trend ?? '-', age(s.updatedAt, style.now)]),
    style,
  );
}

function historyLine(h: Detail['history'][number]): string {
  const { at, kind, ...rest } = h;
  const what =
    kind === 'adjust'
      ? `${'set' in rest ? `=${rest.set}` : `${Number(rest.delta) > 0 ? '+' : ''}${rest.delta}`} ${rest.before} → ${rest.after} by ${rest.by}: ${rest.reason}${rest.clamped ? ` (clamped ${rest.clamped})` : ''}`
      : kind === 'recalibrate'
        ? `${rest.before} → ${rest.after}`
        : kind === 'state'
          ? `${rest.from} → ${rest.to}${rest.free !== null && rest.free !== undefined ? ` (${rest.free} free)` : ''}`
          : kind === 'recalibration-missed'
            ? `not done (the fleet was not running at the time); the count stayed ${rest.count}`
            : `${rest.change}${rest.capacity !== undefined ? ` (capacity ${rest.capacity})` : ''}`;
  return `${at}  ${kind.padEnd(20)}  ${what}`;
}

function showText(d: Detail, now: number): string {
  const s = d.status;
  const c = d.carPark;
  const hours = c.openingHours?.map((r) => `${r.days.join(',')} ${r.from}–${r.to}`).join('; ') ?? 'open day and night';
  const t = d.thresholds;
  return [
    `${c.name} (${c.id}, site ${c.site})${c.address ? `, ${c.address}` : ''}`,
    `state       ${s.state}${s.open ? '' : ' (outside opening hours)'}`,
    `free        ${dash(s.free)} of ${s.capacity}   occupied ${s.occupied}${s.percent !== null ? ` (${s.percent} %)` : ''}   trend ${s.trend ?? '-'}`,
    `last count  ${s.updatedAt ?? 'never'} (${age(s.updatedAt, now)}; unknown after ${c.staleAfterS} s without one)`,
    `hours       ${hours} (${c.timeZone})`,
    `thresholds  almostFull at ≤ ${t.almostFullIncreasing} free, back at ≥ ${t.almostFullDecreasing}; full at ≤ ${t.fullIncreasing} free, back at ≥ ${t.fullDecreasing}`,
    `recalibrate ${c.recalibrate ? `daily at ${c.recalibrate.at} to ${c.recalibrate.count} (last ${d.counts.recalibratedAt ?? 'never'})` : 'never'}`,
    `clamped     ${d.counts.clampedHigh} in at capacity, ${d.counts.clampedLow} out at 0`,
    `counters    ${d.counters.join(', ') || 'none labelled carPark=' + c.id}`,
    `panels      ${d.panels.join(', ') || 'none showing it'}`,
    '',
    'history (newest first):',
    ...(d.history.length ? d.history.map((h) => `  ${historyLine(h)}`) : ['  none']),
  ].join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  const parking = program
    .command('parking')
    .description('list | import | show | adjust: the car parks the fleet counts (no subcommand: the list)')
    .option('--site <site>', 'only this site (list); the site a catalogue is for (import)', siteName)
    .option('--json', 'as JSON')
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples([
        'tabla parking',
        'tabla parking --site celje --no-headers',
        'tabla parking import celje-car-parks.json --site celje',
        'tabla parking show glazija',
        'tabla parking adjust glazija -3 --reason "three cars left through the barrier while it was open"',
        'tabla parking adjust mestni-park =0 --reason "empty at 05:00, checked on site"',
      ]),
    )
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ site?: string; json?: boolean; headers: boolean }>();
      const body = await ctx.api().get<{ carParks: CarParkStatus[] }>(`/api/parking${o.site ? `?site=${enc(o.site)}` : ''}`);
      if (o.json) return ctx.json(body);
      ctx.out(listText(body.carParks, ctx.style(o)));
    });

  parking
    .command('import')
    .description("put a site's whole car park catalogue (JSON), replacing the one it had")
    .argument('<file.json>', '{site, timeZone, carParks: [{id, name, kind, capacity, lat, lon, address, thresholds, openingHours, staleAfterS, recalibrate}]}')
    .option('--site <site>', "the site (default: the file's own \"site\")", siteName)
    .option('--json', "the fleet's answer as JSON")
    .addHelpText('after', examples(['tabla parking import celje-car-parks.json --site celje', 'tabla parking import velenje.json --json']))
    .action(async (file: string, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ site?: string; json?: boolean }>();
      let doc: unknown;
      try {
        doc = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new Failure(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      let answer: { site: string; carParks: number; added: string[]; removed: string[]; kept: string[] };
      try {
        answer = await ctx.api().request('PUT', `/api/parking/car-parks${o.site ? `?site=${enc(o.site)}` : ''}`, doc);
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 422) throw err;
        const refusal = err.body as { error: string; reasons: { path: string; message: string }[] };
        if (o.json) ctx.json(refusal);
        else ctx.out(refusal.reasons.map((r) => `  ${r.path}: ${r.message}`).join('\n'));
        throw new Failure(`${file}: ${refusal.error} (the site keeps the catalogue it had)`);
      }
      if (o.json) return ctx.json(answer);
      const list = (ids: string[]) => (ids.length ? ids.join(', ') : 'none');
      ctx.out(`site ${answer.site}: ${answer.carParks} car parks (added ${list(answer.added)}; removed ${list(answer.removed)}; kept ${list(answer.kept)})`);
    });

  parking
    .command('show')
    .description('one car park: its status, thresholds, counts, counters and panels, and its history')
    .argument('<id>', 'car park id')
    .option('--json', 'as JSON')
    .addHelpText('after', examples(['tabla parking show glazija', 'tabla parking show glazija --json']))
    .action(async (id: string, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ json?: boolean }>();
      const d = await ctx.api().get<Detail>(`/api/parking/${enc(id)}`);
      if (o.json) return ctx.json(d);
      ctx.out(showText(d, ctx.style().now));
    });

  parking
    .command('adjust')
    .description("correct a car park's count: +N, -N or =N, with the reason (kept in its history)")
    .argument('<carParkId>', 'car park id')
    .argument('<+N|-N|=N>', '+N cars the count missed coming in, -N going out, =N the count is N', correction)
    .requiredOption('--reason <why>', 'why (kept in the history with who and when)')
    .option('--by <name>', 'who (default: the user running tabla)')
    .option('--json', "the fleet's answer and the forwarded commands as JSON")
    .addHelpText(
      'after',
      examples(
        ['tabla parking adjust glazija -3 --reason "three cars left through the barrier while it was open"', 'tabla parking adjust mestni-park =0 --reason "empty at 05:00, checked on site" --by "M. Novak"'],
        'The correction is forwarded as the command `adjust` to each counter labelled carPark=<id>; one that\ndoes not take the verb answers `rejected`, and the fleet\'s correction stands.',
      ),
    )
    .action(async (id: string, c: Correction, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ reason: string; by?: string; json?: boolean }>();
      const by = o.by?.trim() || osUser();
      const api = ctx.api();
      const a = await api.request<Adjusted>('POST', `/api/parking/${enc(id)}/adjust`, { ...c, reason: o.reason, by });
      // The counters keep their own count too: tell them, so the next count they report agrees.
      const forwarded: { deviceId: string; command?: CommandRecord; error?: string }[] = [];
      for (const deviceId of a.counters) {
        try {
          const command = await api.request<CommandRecord>('POST', `/api/devices/${enc(deviceId)}/commands`, { verb: 'adjust', args: { carParkId: id, ...c, reason: o.reason, by } });
          forwarded.push({ deviceId, command });
        } catch (err) {
          forwarded.push({ deviceId, error: (err as Error).message });
        }
      }
      if (o.json) return ctx.json({ ...a, forwarded });
      const x = a.adjustment;
      ctx.out(
        [
          `${id}: ${x.before} → ${x.after} occupied${x.clamped ? ` (clamped at ${x.clamped === 'high' ? 'capacity' : '0'})` : ''}; now ${a.status.state}, ${dash(a.status.free)} free`,
          `recorded by ${x.by} at ${x.at}: ${x.reason}`,
          a.counters.length
            ? forwarded.map((f) => (f.command ? `forwarded to ${f.deviceId} (command ${f.command.cmdId}, ${f.command.status})` : `not forwarded to ${f.deviceId}: ${f.error}`)).join('\n')
            : `no counter is labelled carPark=${id}: the fleet's correction only`,
        ].join('\n'),
      );
    });
}

function osUser(): string {
  try {
    return os.userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER || 'unknown';
  }
}
