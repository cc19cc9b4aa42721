/**
 * `tabla eta <stopId>` (a stop's board as the fleet predicts it), `tabla eta eval` (the accuracy
 * harness: AVL traces through the real ETA model, scored), `tabla vehicles` (where each bus is on
 * the timetable), `tabla assign <vehicle> <trip|block|none|auto>` (a technician's assignment) and
 * `tabla ridership` (passenger counts per stop and hour, load profiles).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseGtfsZip, type GtfsFeed } from '../../../protocols/index.js';
import { parseAvlCsv, type AvlRow } from '../../engines/eta/avl.js';
import { evaluate, type EvalResult } from '../../engines/eta/evaluate.js';
import { noHeadersOption, optionsGiven, positiveInt } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { table, type Style } from '../format.js';
import { readFeedSource } from '../gtfs-source.js';
import { examples } from '../help.js';

interface Arrival {
  line: string;
  colour: string;
  destination: string;
  scheduled: string;
  expected: string;
  minutes: number;
  source: 'realtime' | 'scheduled';
  vehicleId: string | null;
  delay: number | null;
  uncertainty: number | null;
  age: number | null;
  load: string | null;
  tripId: string;
}
interface Arrivals {
  stop: { id: string; name: string | null; site: string };
  timeZone: string;
  generatedAt: string;
  arrivals: Arrival[];
}
interface Vehicle {
  id: string;
  label: string | null;
  site: string;
  status: string;
  assignment: string;
  trip: string | null;
  block: string | null;
  route: string | null;
  headsign: string | null;
  delay: number | null;
  nextStop: { id: string; name: string | null } | null;
  lastFix: { time: string } | null;
  load: { onboard: number; capacity: number; level: string } | null;
}

interface Ridership {
  from: string;
  to: string;
  route: string | null;
  totals: { visits: number; boardings: number; alightings: number };
  unmapped: { visits: number };
  stops: { stopId: string; stopName: string | null; hour: number; boardings: number; alightings: number; visits: number }[];
  loadProfiles: {
    routeId: string;
    directionId: number | null;
    stops: { stopSequence: number; stopId: string; stopName: string | null; boardings: number; alightings: number; meanOnboard: number; maxOnboard: number }[];
  }[];
}

const enc = encodeURIComponent;
const hhmm = (iso: string) => iso.slice(11, 16);
const signed = (s: number | null) => (s === null ? '-' : `${s >= 0 ? '+' : '−'}${Math.floor(Math.abs(s) / 60)}:${String(Math.abs(s) % 60).padStart(2, '0')}`);

export function register(program: Command, ctx: CliContext): void {
  const eta = program
    .command('eta')
    .description("a stop's next departures as the fleet predicts them; eval: score the predictions on AVL traces")
    .argument('[stopId]', 'the GTFS stop_id (or a station id)')
    .option('--site <site>', 'the site whose timetable has the stop (when several do)')
    .option('--json', 'as JSON')
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        ['tabla eta LV12', 'tabla eta LV12 --site velenje --json', 'tabla eta eval --gtfs feed.zip --avl day1.csv --avl day2.csv'],
        `"rt" marks a real-time time (from the bus's position, its fix at most 90 s old); "sched" one from
the timetable.`,
      ),
    )
    .action(async (stopId: string | undefined, o: { site?: string; json?: boolean; headers: boolean }, cmd: Command) => {
      if (!stopId) return cmd.error("error: missing argument 'stopId' (tabla gtfs departures <stopId> lists a stop's timetable)", { exitCode: 2, code: 'tabla.usage' });
      const r = await ctx.api().get<Arrivals>(`/api/stops/${enc(stopId)}/arrivals${o.site ? `?site=${enc(o.site)}` : ''}`);
      if (o.json) return ctx.json(r);
      const s = ctx.style(o);
      ctx.out(
        [
          `${r.stop.name ?? r.stop.id} (${r.stop.id}, site ${r.stop.site}) at ${hhmm(r.generatedAt)}`,
          r.arrivals.length
            ? table(
                ['line', 'to', 'in', 'at', 'source', 'delay', 'bus', 'load'],
                r.arrivals.map((a) => [
                  a.line,
                  a.destination,
                  a.minutes === 0 ? 'now' : `${a.minutes} min`,
                  hhmm(a.expected),
                  a.source === 'realtime' ? 'rt' : 'sched',
                  signed(a.delay),
                  a.vehicleId ?? '-',
                  a.load ?? '-',
                ]),
                s,
              )
            : 'no departures in the next two hours',
        ].join('\n'),
      );
    });

  eta
    .command('eval')
    .description('replay AVL traces through the ETA model and score its predictions (ETA Accuracy Benchmark buckets) beside two baselines')
    .requiredOption('--gtfs <zip|dir>', 'the static feed the traces ran on')
    .requiredOption('--avl <csv>', 'a trace: vehicle_id,timestamp,lat,lon[,bearing,trip_id,block_id]; repeat for several days', (v: string, all: string[] = []) => [...all, v])
    .option('--json', 'print {score, buckets, mae, baselines: {schedule, delay}, samples} on the last line')
    .option('--predictions-out <csv>', 'write every prediction: sample_time,vehicle_id,trip_id,stop_id,stop_sequence,predicted_time')
    .option('--sample-every <s>', 'seconds between the samples of one vehicle (default 30)', positiveInt)
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        ['tabla eta eval --gtfs gtfs.zip --avl 2024-03-04.csv --avl 2024-03-05.csv', 'tabla eta eval --gtfs ./gtfs --avl trace.csv --json --predictions-out predictions.csv'],
        `Runs on this machine (no fleet needed). The traces replay in time order, so the model learns as it
goes. Actual arrivals come from the traces themselves; score = mean of the buckets' accuracy.`,
      ),
    )
    .action(async (_o, cmd: Command) => {
      const o = optionsGiven<{ gtfs: string; avl: string[]; json?: boolean; headers: boolean; predictionsOut?: string; sampleEvery?: number }>(cmd);
      const feed = loadFeed(await readFeedSource(o.gtfs));
      const rows: AvlRow[] = [];
      for (const file of o.avl) {
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch (err) {
          throw new Failure(`${file}: ${(err as Error).message}`);
        }
        const parsed = parseAvlCsv(text);
        if (parsed.problems.length) {
          process.stderr.write(`${file}: ${parsed.problems.length} rows skipped, the first: line ${parsed.problems[0]!.line}: ${parsed.problems[0]!.message}\n`);
        }
        rows.push(...parsed.rows);
      }
      if (!rows.length) throw new Failure(`no usable rows in ${o.avl.join(', ')}`);
      rows.sort((a, b) => a.time - b.time);
      let out: fs.WriteStream | null = null;
      if (o.predictionsOut) {
        out = fs.createWriteStream(o.predictionsOut);
        out.write('sample_time,vehicle_id,trip_id,stop_id,stop_sequence,predicted_time\n');
      }
      const csv = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const result = evaluate(feed, rows, {
        ...(o.sampleEvery ? { sampleEveryS: o.sampleEvery } : {}),
        ...(out
          ? {
              onPrediction: (t, p) =>
                out!.write(
                  `${new Date(t).toISOString()},${csv(p.vehicleId)},${csv(p.tripId)},${csv(p.stopId)},${p.stopSequence},${new Date(p.arrival).toISOString()}\n`,
                ),
            }
          : {}),
      });
      if (out) await new Promise<void>((resolve, reject) => out!.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (o.json) {
        return ctx.out(
          JSON.stringify({
            score: result.score,
            buckets: result.buckets,
            mae: result.mae,
            baselines: { schedule: result.baselines.schedule.score, delay: result.baselines.delay.score },
            samples: result.samples,
            counts: result.counts,
          }),
        );
      }
      ctx.out(evalText(result, ctx.style(o)));
    });

  program
    .command('vehicles')
    .description('the buses the ETA engine follows: trip, delay, next stop, load')
    .option('--json', 'as JSON')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla vehicles', 'tabla vehicles --no-headers', 'tabla vehicles --json']))
    .action(async (o: { json?: boolean; headers: boolean }) => {
      const r = await ctx.api().get<{ vehicles: Vehicle[] }>('/api/vehicles');
      if (o.json) return ctx.json(r);
      if (!r.vehicles.length) return ctx.out('no bus has sent a position yet');
      ctx.out(
        table(
          ['bus', 'status', 'route', 'trip', 'block', 'delay', 'next stop', 'load', 'assigned', 'last fix'],
          r.vehicles.map((v) => [
            v.label ? `${v.id} (${v.label})` : v.id,
            v.status,
            v.route ?? '-',
            v.trip ?? '-',
            v.block ?? '-',
            signed(v.delay),
            v.nextStop ? (v.nextStop.name ?? v.nextStop.id) : '-',
            v.load ? `${v.load.onboard}/${v.load.capacity}` : '-',
            v.assignment,
            v.lastFix?.time ?? '-',
          ]),
          ctx.style(o),
        ),
      );
    });

  program
    .command('ridership')
    .description('boardings and alightings per stop and hour, and load profiles per route and direction, from the buses\' passenger counters')
    .option('--route <routeId>', 'only this route (GTFS route_id)')
    .option('--site <site>', 'only this site')
    .option('--from <date>', 'from this date or instant (ISO 8601; default 7 days before --to)')
    .option('--to <date>', 'up to this date or instant (default now)')
    .option('--csv', 'the stop-hour table as CSV: stop_id,stop_name,hour,boardings,alightings,visits')
    .option('--json', 'everything as JSON (with the load profiles)')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla ridership', 'tabla ridership --route rumena --from 2026-11-01 --to 2026-12-01', 'tabla ridership --csv > ridership.csv']))
    .action(async (o: { route?: string; site?: string; from?: string; to?: string; csv?: boolean; json?: boolean; headers: boolean }) => {
      const q = new URLSearchParams();
      for (const k of ['route', 'site', 'from', 'to'] as const) if (o[k]) q.set(k, o[k]!);
      const r = await ctx.api().get<Ridership>(`/api/ridership${q.size ? `?${q}` : ''}`);
      if (o.json) return ctx.json(r);
      const csv = (v: string | number | null) => {
        const t = v === null ? '' : String(v);
        return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
      };
      if (o.csv) {
        return ctx.out(
          ['stop_id,stop_name,hour,boardings,alightings,visits', ...r.stops.map((x) => [x.stopId, x.stopName, x.hour, x.boardings, x.alightings, x.visits].map(csv).join(','))].join(
            '\n',
          ),
        );
      }
      const s = ctx.style(o);
      const lines = [
        `${r.from} … ${r.to}${r.route ? `, route ${r.route}` : ''}: ${r.totals.visits} stop visits, ${r.totals.boardings} boardings, ${r.totals.alightings} alightings` +
          (r.unmapped.visits ? ` (${r.unmapped.visits} visits at no known stop)` : ''),
      ];
      if (!r.stops.length) return ctx.out(lines.concat('no counted stop visits in this window').join('\n'));
      lines.push('', table(['stop', 'hour', 'on', 'off', 'visits'], r.stops.map((x) => [x.stopName ?? x.stopId, `${String(x.hour).padStart(2, '0')}:00`, x.boardings, x.alightings, x.visits]), s));
      for (const p of r.loadProfiles) {
        lines.push(
          '',
          `load profile: route ${p.routeId}${p.directionId !== null ? `, direction ${p.directionId}` : ''}`,
          table(['#', 'stop', 'on', 'off', 'mean on board', 'max'], p.stops.map((x) => [x.stopSequence, x.stopName ?? x.stopId, x.boardings, x.alightings, x.meanOnboard, x.maxOnboard]), s),
        );
      }
      ctx.out(lines.join('\n'));
    });

  program
    .command('assign')
    .description('fix which trip or block a bus runs (none: out of service; auto: matched from its position again)')
    .argument('<vehicle>', 'the bus device id')
    .argument('<target>', 'a trip_id, a block_id, none or auto')
    .option('--json', 'the answer as JSON')
    .addHelpText('after', examples(['tabla assign bus-01 rumena-b1', 'tabla assign bus-01 none', 'tabla assign bus-01 auto']))
    .action(async (vehicle: string, target: string, o: { json?: boolean }) => {
      const r = await ctx.api().request<{ id: string; assignment: string }>('PUT', `/api/vehicles/${enc(vehicle)}/assignment`, { target });
      if (o.json) return ctx.json(r);
      ctx.out(
        target === 'auto'
          ? `${vehicle}: matched from its position again`
          : target === 'none'
            ? `${vehicle}: out of service (no predictions; tabla assign ${vehicle} auto to undo)`
            : `${vehicle}: runs ${target} (tabla vehicles shows it from its next fix; tabla assign ${vehicle} auto to undo)`,
      );
    });
}

function loadFeed(source: { bytes: Uint8Array; name: string }): GtfsFeed {
  try {
    const load = parseGtfsZip(source.bytes);
    if (load.counts.error) process.stderr.write(`${source.name}: ${load.counts.error} rows with errors skipped (tabla gtfs import lists them)\n`);
    return load.feed;
  } catch (err) {
    throw new Failure(`${source.name}: ${(err as Error).message}`);
  }
}

function evalText(r: EvalResult, s: Style): string {
  const pct = (x: number | null) => (x === null || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)} %`);
  const rows = r.buckets.map((b, i) => [
    `${b.bucket} min`,
    b.samples,
    pct(b.samples ? b.fraction : null),
    b.maeS === null ? '-' : `${Math.round(b.maeS)} s`,
    b.biasS === null ? '-' : `${b.biasS >= 0 ? '+' : ''}${Math.round(b.biasS)} s`,
    pct(r.baselines.schedule.buckets[i]?.samples ? r.baselines.schedule.buckets[i]!.fraction : null),
    pct(r.baselines.delay.buckets[i]?.samples ? r.baselines.delay.buckets[i]!.fraction : null),
  ]);
  return [
    `replayed ${r.counts.fixes} fixes of ${r.counts.vehicles} vehicles; ${r.counts.arrivals} stop arrivals seen; ${r.samples} predictions scored`,
    table(['lead', 'samples', 'engine', 'MAE', 'late by', 'schedule', 'delay'], rows, s),
    `score ${pct(r.score)} (schedule only ${pct(r.baselines.schedule.score)}, delay carried forward ${pct(r.baselines.delay.score)})`,
  ].join('\n');
}
