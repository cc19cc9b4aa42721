/**
 * `tabla gtfs info` and `tabla gtfs departures <stopId>`: the timetable the fleet loaded
 * (TABLA_GTFS), as a technician checks it — what the feed holds, what was wrong with it, and a
 * stop's scheduled departures.
 */
import type { Command } from 'commander';
import type { GtfsFeedSummary, GtfsProblem } from '../../../protocols/index.js';
import { positiveInt } from '../args.js';
import type { CliContext } from '../context.js';
import { table } from '../format.js';

type Info = GtfsFeedSummary & { file: string; loadedAt: string; problems: { error: number; warning: number } };
interface Departures {
  stop: { id: string; name: string | null };
  timeZone: string;
  from: string;
  to: string;
  departures: { departsAt: string; route: string; headsign: string; tripId: string; exact: boolean }[];
}

export function register(program: Command, ctx: CliContext): void {
  const gtfs = program.command('gtfs').description("info | departures <stopId>: the timetable the fleet loaded (TABLA_GTFS)");

  gtfs
    .command('info')
    .description('what the loaded feed holds, and its problems by severity')
    .option('--json', 'the summary as JSON')
    .option('--problems', 'list the problems (file, line, field, message)')
    .addHelpText('after', '\nExamples:\n  tabla gtfs info\n  tabla gtfs info --problems\n')
    .action(async (o: { json?: boolean; problems?: boolean }) => {
      const api = ctx.api();
      const info = await api.get<Info>('/api/gtfs');
      const problems = o.problems ? (await api.get<{ problems: GtfsProblem[] }>('/api/gtfs/problems')).problems : null;
      if (o.json) return ctx.json(problems ? { ...info, problemList: problems } : info);
      const s = ctx.style();
      ctx.out(
        [
          `feed       ${info.file} (loaded ${info.loadedAt})`,
          `agency     ${info.agencies.map((a) => a.name).join(', ')} (${info.timeZone})`,
          `service    ${info.serviceDates ? `${info.serviceDates.first} … ${info.serviceDates.last}` : 'none'}`,
          `contents   ${info.routes.length} routes, ${info.stops} stops, ${info.trips} trips (${info.frequencyTrips} by frequency), ${info.stopTimes} stop times, ${info.shapes} shapes`,
          `problems   ${info.problems.error} errors, ${info.problems.warning} warnings${info.problems.error + info.problems.warning && !problems ? ' (--problems lists them)' : ''}`,
          '',
          table(['route', 'name', 'colour'], info.routes.map((r) => [r.id, r.longName ? `${r.name} ${r.longName}` : r.name, `#${r.color}`]), s),
          ...(problems?.length
            ? ['', table(['severity', 'file', 'line', 'field', 'problem'], problems.map((p) => [p.severity, p.file, p.row ?? '-', p.field ?? '-', p.message]), s)]
            : []),
        ].join('\n'),
      );
    });

  gtfs
    .command('departures')
    .description("a stop's scheduled departures")
    .argument('<stopId>')
    .option('--from <iso>', 'from this instant (ISO 8601; default now)')
    .option('--minutes <n>', 'how far ahead (default 60)', positiveInt)
    .option('--json', 'as JSON')
    .addHelpText('after', '\nExamples:\n  tabla gtfs departures 401\n  tabla gtfs departures 401 --from 2026-11-30T08:00:00+01:00 --minutes 30\n')
    .action(async (stopId: string, o: { from?: string; minutes?: number; json?: boolean }) => {
      const q = new URLSearchParams({ ...(o.from ? { from: o.from } : {}), minutes: String(o.minutes ?? 60) });
      const d = await ctx.api().get<Departures>(`/api/gtfs/stops/${encodeURIComponent(stopId)}/departures?${q}`);
      if (o.json) return ctx.json(d);
      ctx.out(`${d.stop.name ?? d.stop.id} (${d.stop.id}), ${d.from} … ${d.to}`);
      if (!d.departures.length) return ctx.out('no departures in this window');
      ctx.out(
        table(
          ['departs', 'line', 'to', 'trip'],
          d.departures.map((x) => [x.departsAt.slice(11, 16) + (x.exact ? '' : '~'), x.route, x.headsign, x.tripId]),
          ctx.style(),
        ),
      );
    });
}
