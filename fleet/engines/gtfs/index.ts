/**
 * The "gtfs" engine: the town's timetable. At start it reads the GTFS zip at `path`, loads it
 * through `parseGtfsZip` (protocols/gtfs) and keeps the model in memory — the base the ETA engine
 * and the arrival boards build on. The problems found are counted in `tabla_gtfs_problems` (gauge,
 * by severity) and the first few logged; a feed that is refused (not a zip, over a limit, a
 * required file missing or unusable) fails the start with the reason, and the fleet runs without
 * the engine.
 *
 * Routes (admin token): `GET /api/gtfs` (summary), `GET /api/gtfs/problems` (`?severity=`,
 * `?file=`), `GET /api/gtfs/stops/:stopId/departures?from=ISO&minutes=N` (scheduled departures,
 * N from 1 to 1440, default 60; from defaults to now).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { GtfsFeed, GtfsLimits, GtfsLoad, GtfsProblem } from '../../../protocols/index.js';
import { GTFS_LIMITS, GtfsRefused, departuresAt, feedSummary, formatGtfsTime, isoLocal, parseGtfsZip } from '../../../protocols/index.js';
import { HttpError } from '../../http/router.js';
import type { FleetEngine } from '../engine.js';

export interface GtfsEngineOptions {
  /** the feed's zip file */
  path: string;
  /** bounds other than GTFS_LIMITS (a region's feed may need more) */
  limits?: Partial<GtfsLimits>;
}

/** Problems written to the log at start; the rest are at /api/gtfs/problems. */
const LOGGED_PROBLEMS = 5;
const MAX_MINUTES = 24 * 60;

export function gtfsEngine(options: GtfsEngineOptions): FleetEngine {
  let loaded: (GtfsLoad & { loadedAt: number }) | null = null;
  const feed = (): GtfsFeed => {
    if (!loaded) throw new HttpError(503, 'no GTFS feed loaded');
    return loaded.feed;
  };
  return {
    name: 'gtfs',
    async start(ctx) {
      ctx.metrics.define('tabla_gtfs_problems', 'gauge', 'Problems in the loaded GTFS feed, by severity (an error skipped its row; a warning kept it).');
      const file = path.resolve(options.path);
      const limits = { ...GTFS_LIMITS, ...options.limits };
      const { size } = await fs.stat(file);
      if (size > limits.zipBytes) throw new GtfsRefused(`${file}: ${size} bytes, over the limit of ${limits.zipBytes}`);
      let load: GtfsLoad;
      try {
        load = parseGtfsZip(await fs.readFile(file), { limits });
      } catch (err) {
        if (!(err instanceof GtfsRefused)) throw err;
        logProblems(ctx.log.error.bind(ctx.log), err.problems);
        throw new GtfsRefused(`${file}: ${err.message}`, err.problems);
      }
      loaded = { ...load, loadedAt: ctx.clock.now() };
      for (const severity of ['error', 'warning'] as const) ctx.metrics.set('tabla_gtfs_problems', { severity }, load.counts[severity]);
      const s = feedSummary(load.feed);
      ctx.log.info('feed loaded', { file, routes: s.routes.length, stops: s.stops, trips: s.trips, errors: load.counts.error, warnings: load.counts.warning });
      logProblems(ctx.log.warn.bind(ctx.log), load.problems, load.counts.error + load.counts.warning);

      ctx.routes.add('GET', '/api/gtfs', () => {
        const s = feedSummary(feed());
        return { body: { file, loadedAt: new Date(loaded!.loadedAt).toISOString(), ...s, problems: loaded!.counts } };
      });

      ctx.routes.add('GET', '/api/gtfs/problems', (req) => {
        feed();
        const severity = req.url.searchParams.get('severity');
        const ofFile = req.url.searchParams.get('file');
        if (severity !== null && severity !== 'error' && severity !== 'warning') throw new HttpError(400, 'severity: error or warning');
        const problems = loaded!.problems.filter((p) => (severity === null || p.severity === severity) && (ofFile === null || p.file === ofFile));
        return { body: { counts: loaded!.counts, listed: loaded!.problems.length, problems } };
      });

      ctx.routes.add('GET', '/api/gtfs/stops/:stopId/departures', (req) => {
        const f = feed();
        const stopId = req.params.stopId!;
        const stop = f.stops.get(stopId);
        if (!stop) throw new HttpError(404, `no stop ${stopId.slice(0, 80)} in the feed`);
        const fromText = req.url.searchParams.get('from');
        // A '+' of an offset left unencoded in the query arrives as a space.
        const from = fromText === null ? ctx.clock.now() : Date.parse(fromText.replace(' ', '+'));
        if (!Number.isFinite(from)) throw new HttpError(400, 'from: an ISO 8601 instant, e.g. 2026-03-29T08:00:00+02:00');
        const minutesText = req.url.searchParams.get('minutes') ?? '60';
        const minutes = Number(minutesText);
        if (!/^\d+$/.test(minutesText) || minutes < 1 || minutes > MAX_MINUTES) throw new HttpError(400, `minutes: a whole number from 1 to ${MAX_MINUTES}`);
        const to = from + minutes * 60_000;
        const tz = f.timeZone;
        const departures = departuresAt(f, stopId, new Date(from), new Date(to)).map((d) => ({
          departsAt: isoLocal(d.departsAt.getTime(), tz),
          scheduled: formatGtfsTime(d.time),
          serviceDate: d.serviceDate,
          route: d.routeName,
          routeId: d.routeId,
          color: d.routeColor,
          textColor: d.routeTextColor,
          headsign: d.headsign,
          tripId: d.tripId,
          stopId: d.stopId,
          exact: d.exact,
          ...(d.headwaySecs !== undefined ? { headwaySecs: d.headwaySecs } : {}),
        }));
        return {
          body: {
            stop: { id: stop.id, name: stop.name ?? null, lat: stop.lat ?? null, lon: stop.lon ?? null },
            timeZone: tz,
            from: isoLocal(from, tz),
            to: isoLocal(to, tz),
            departures,
          },
        };
      });
    },
    stop() {
      loaded = null;
    },
  };
}

function logProblems(write: (msg: string, fields?: Record<string, unknown>) => void, problems: readonly GtfsProblem[], total = problems.length): void {
  for (const p of problems.slice(0, LOGGED_PROBLEMS)) {
    write(`${p.file}${p.row !== null ? `:${p.row}` : ''}: ${p.message}`, { severity: p.severity, ...(p.field ? { field: p.field } : {}) });
  }
  if (total > LOGGED_PROBLEMS) write(`… and ${total - LOGGED_PROBLEMS} more problems (GET /api/gtfs/problems)`);
}
