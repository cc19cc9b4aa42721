/**
 * `tabla gtfs import|info|remove|departures`: the sites' timetables in the fleet, one GTFS feed per
 * site, as a technician loads and checks them — import a zip or a folder, see what each feed holds
 * and what was wrong with it (each problem by file:line), remove one, and a stop's scheduled
 * departures.
 *
 * A folder is zipped here (its .txt files only) and sent like a zip: the fleet parses and stores
 * one format. A feed the fleet refuses exits 1 with the reasons; the site keeps the feed it had.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { GtfsProblem } from '../../../protocols/index.js';
import type { GtfsSiteSummary } from '../../engines/gtfs/feeds.js';
import { DEFAULT_SITE, SITE_NAME, SITE_RULE } from '../../engines/gtfs/store.js';
import { ApiFailure, enc } from '../api.js';
import { noHeadersOption, positiveInt } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { type Style, table } from '../format.js';
import { readFeedSource } from '../gtfs-source.js';
import { examples } from '../help.js';

/** Problems a refusal prints (--json gives all the fleet sent). */
const REFUSAL_SHOWN = 20;

type Imported = GtfsSiteSummary & { replaced: boolean; firstProblems: GtfsProblem[] };
interface Refusal {
  error: string;
  site: string;
  reasons: string[];
  problems: GtfsProblem[];
}
interface Departures {
  site: string;
  stop: { id: string; name: string | null };
  timeZone: string;
  from: string;
  to: string;
  departures: { departsAt: string; route: string; headsign: string; tripId: string; exact: boolean }[];
}

function site(text: string): string {
  if (!SITE_NAME.test(text)) throw new InvalidArgumentError(`a site's name: ${SITE_RULE}`);
  return text;
}

export function register(program: Command, ctx: CliContext): void {
  const gtfs = program
    .command('gtfs')
    .description('import | info | remove | departures: the timetables in the fleet, one GTFS feed per site')
    .addHelpText('after', examples(['tabla gtfs import velenje-gtfs.zip --site velenje', 'tabla gtfs info', 'tabla gtfs departures LV12']));

  gtfs
    .command('import')
    .description("load a site's GTFS feed into the fleet, replacing the one it had: a zip, or a folder of its .txt files")
    .argument('<zip|dir>', 'a GTFS zip, or a folder holding agency.txt, stops.txt, … (zipped here, .txt files only)')
    .option('--site <site>', 'the site the feed serves', site, DEFAULT_SITE)
    .option('--json', 'the fleet\'s answer as JSON (the summary, or the refusal with its reasons and problems)')
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        ['tabla gtfs import bullrunner-gtfs.zip --site campus', 'tabla gtfs import ./velenje-gtfs/ --site velenje', 'tabla gtfs import feed.zip --json'],
        `A feed the fleet refuses (not a zip, a required file missing or unusable, over a limit) exits 1
with the reasons; the site keeps the feed it had. Rows with errors are skipped, not refused: they
are listed by file:line (tabla gtfs info --site <site> --problems lists them all).`,
      ),
    )
    .action(async (source: string, o: { site: string; json?: boolean; headers: boolean }) => {
      const { bytes, name } = await readFeedSource(source);
      let answer: Imported;
      try {
        answer = await ctx.api().upload<Imported>('PUT', `/api/gtfs/feeds/${enc(o.site)}?name=${enc(name)}`, bytes, 'application/zip');
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 422) throw err;
        const refusal = err.body as Refusal;
        if (o.json) ctx.json(refusal);
        else ctx.out(refusalText(name, refusal, ctx.style(o)));
        throw new Failure(`${refusal.error} (site ${o.site} keeps the feed it had)`);
      }
      if (o.json) return ctx.json(answer);
      const s = ctx.style(o);
      const total = answer.problems.error + answer.problems.warning;
      ctx.out(
        [
          `imported   ${name} as site ${answer.site} (${answer.replaced ? 'replacing the feed it had' : 'a new site'})`,
          ...feedLines(answer, `tabla gtfs info --site ${answer.site} --problems lists them`),
          ...(answer.firstProblems.length
            ? ['', `problems by file:line${total > answer.firstProblems.length ? ` (the first ${answer.firstProblems.length} of ${total})` : ''}:`, problemTable(answer.firstProblems, s)]
            : []),
        ].join('\n'),
      );
    });

  gtfs
    .command('info')
    .description('what each site\'s feed holds, and its problems by severity')
    .option('--site <site>', 'only this site (default: every site)', site)
    .option('--problems', 'list the problems (file:line, field, message)')
    .option('--json', 'as JSON: {feeds: [...]}, or the one site\'s summary with --site')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla gtfs info', 'tabla gtfs info --site campus --problems', 'tabla gtfs info --json']))
    .action(async (o: { site?: string; json?: boolean; problems?: boolean; headers: boolean }) => {
      const api = ctx.api();
      const feeds = o.site ? [await api.get<GtfsSiteSummary>(`/api/gtfs/feeds/${enc(o.site)}`)] : (await api.get<{ feeds: GtfsSiteSummary[] }>('/api/gtfs')).feeds;
      const lists = o.problems
        ? await Promise.all(feeds.map(async (f) => (await api.get<{ problems: GtfsProblem[] }>(`/api/gtfs/problems?site=${enc(f.site)}`)).problems))
        : null;
      if (o.json) {
        const shown = feeds.map((f, i) => (lists ? { ...f, problemList: lists[i] } : f));
        return ctx.json(o.site ? shown[0] : { feeds: shown });
      }
      if (!feeds.length) return ctx.out('no GTFS feed loaded (tabla gtfs import <zip|dir> --site <site> loads one)');
      const s = ctx.style(o);
      ctx.out(
        feeds
          .map((f, i) =>
            [
              ...feedLines(f, lists ? null : '--problems lists them'),
              '',
              table(['route', 'name', 'colour'], f.routes.map((r) => [r.id, r.longName ? `${r.name} ${r.longName}` : r.name, `#${r.color}`]), s),
              ...(lists?.[i]?.length ? ['', problemTable(lists[i]!, s)] : []),
            ].join('\n'),
          )
          .join('\n\n'),
      );
    });

  gtfs
    .command('remove')
    .description("remove a site's feed from the fleet, and its stored copy")
    .requiredOption('--site <site>', 'the site', site)
    .option('--json', 'the answer as JSON')
    .addHelpText('after', examples(['tabla gtfs remove --site campus']))
    .action(async (o: { site: string; json?: boolean }) => {
      const r = await ctx.api().request<{ site: string; removed: boolean; stored: boolean }>('DELETE', `/api/gtfs/feeds/${enc(o.site)}`);
      if (o.json) return ctx.json(r);
      ctx.out(`removed the feed of site ${r.site}${r.stored ? '' : ' (it came from TABLA_GTFS: the next start loads it again unless TABLA_GTFS changes)'}`);
    });

  gtfs
    .command('departures')
    .description("a stop's scheduled departures")
    .argument('<stopId>')
    .option('--site <site>', "the site's feed (needed only when several feeds have the stop)", site)
    .option('--from <iso>', 'from this instant (ISO 8601; default now)')
    .option('--minutes <n>', 'how far ahead (default 60)', positiveInt)
    .option('--json', 'as JSON')
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(['tabla gtfs departures 401', 'tabla gtfs departures 401 --site campus --from 2026-11-30T08:00:00+01:00 --minutes 30', 'tabla gtfs departures LV12 --no-headers']),
    )
    .action(async (stopId: string, o: { site?: string; from?: string; minutes?: number; json?: boolean; headers: boolean }) => {
      const q = new URLSearchParams({ ...(o.site ? { site: o.site } : {}), ...(o.from ? { from: o.from } : {}), minutes: String(o.minutes ?? 60) });
      const d = await ctx.api().get<Departures>(`/api/gtfs/stops/${enc(stopId)}/departures?${q}`);
      if (o.json) return ctx.json(d);
      ctx.out(`${d.stop.name ?? d.stop.id} (${d.stop.id}, site ${d.site}), ${d.from} … ${d.to}`);
      if (!d.departures.length) return ctx.out('no departures in this window');
      ctx.out(
        table(
          ['departs', 'line', 'to', 'trip'],
          d.departures.map((x) => [x.departsAt.slice(11, 16) + (x.exact ? '' : '~'), x.route, x.headsign, x.tripId]),
          ctx.style(o),
        ),
      );
    });
}

/** A feed's summary, a line per aspect; `hint` says how to list the problems. */
function feedLines(f: GtfsSiteSummary, hint: string | null): string[] {
  const when = f.importedAt ? `imported ${f.importedAt}` : 'TABLA_GTFS, loaded at each start';
  const i = f.info;
  const total = f.problems.error + f.problems.warning;
  return [
    `site       ${f.site}`,
    `feed       ${f.source} (${when})`,
    ...(i
      ? [
          `publisher  ${i.publisherName} ${i.publisherUrl} (${[i.version && `version ${i.version}`, `language ${i.lang}`, i.contactEmail].filter(Boolean).join(', ')})`,
          ...(i.startDate || i.endDate ? [`covers     ${i.startDate ?? '?'} … ${i.endDate ?? '?'} (feed_info.txt)`] : []),
        ]
      : []),
    `agency     ${f.agencies.map((a) => a.name).join(', ')} (${f.timeZone})`,
    `service    ${f.serviceDates ? `${f.serviceDates.first} … ${f.serviceDates.last}` : 'none'}`,
    `contents   ${f.routes.length} routes, ${f.stops} stops, ${f.trips} trips (${f.frequencyTrips} by frequency), ${f.stopTimes} stop times, ${f.shapes} shapes`,
    `problems   ${f.problems.error} errors, ${f.problems.warning} warnings${total && hint ? ` (${hint})` : ''}`,
  ];
}

const where = (p: GtfsProblem) => (p.row !== null ? `${p.file}:${p.row}` : p.file);

function problemTable(problems: readonly GtfsProblem[], s: Style): string {
  return table(['where', 'severity', 'field', 'problem'], problems.map((p) => [where(p), p.severity, p.field ?? '-', p.message]), s);
}

/** The reasons, then the problems that say more than a reason does (a bad row of a file refused as unusable). */
function refusalText(name: string, r: Refusal, s: Style): string {
  const more = r.problems.filter((p) => !r.reasons.includes(p.message));
  const shown = more.slice(0, REFUSAL_SHOWN);
  return [
    `refused    ${name} for site ${r.site}: the site keeps the feed it had`,
    ...r.reasons.map((reason, i) => `${i ? '          ' : 'because   '} ${reason}`),
    ...(shown.length ? ['', problemTable(shown, s)] : []),
    ...(more.length > shown.length ? [`… and ${more.length - shown.length} more (--json lists them)`] : []),
  ].join('\n');
}
