/**
 * The gtfs engine's HTTP routes (admin token), one feed per site:
 *
 * - `GET /api/gtfs` → `{feeds: GtfsSiteSummary[]}`, every site's summary, sorted by site
 * - `GET /api/gtfs/feeds/:site` → one site's summary
 * - `PUT /api/gtfs/feeds/:site?name=<file>` with the zip as the body (`content-type:
 *   application/zip`, up to `GTFS_LIMITS.zipBytes`) → 201 (new site) or 200 (replaced) with the
 *   summary, `replaced` and `firstProblems`; 422 `{error, site, reasons, problems}` for a feed
 *   parseGtfsZip refuses, the site keeping the feed it had
 * - `DELETE /api/gtfs/feeds/:site` → `{site, removed: true, stored}`
 * - `GET /api/gtfs/problems?site=&severity=&file=` → `{site, counts, listed, problems}`
 * - `GET /api/gtfs/stops/:stopId/departures?site=&from=ISO&minutes=N` → scheduled departures
 *   (N from 1 to 1440, default 60; from defaults to now)
 *
 * `site` may be left out of a query when there is one feed, or, for a stop, when one feed has it.
 */
import type { GtfsLimits } from '../../../protocols/index.js';
import { GtfsRefused, departuresAt, formatGtfsTime, isoLocal } from '../../../protocols/index.js';
import { HttpError, type ApiRequest } from '../../http/router.js';
import type { EngineContext } from '../engine.js';
import type { SiteFeeds } from './feeds.js';
import { SITE_NAME, SITE_RULE } from './store.js';
import type { SiteTimetable } from './timetables.js';

const MAX_MINUTES = 24 * 60;
/** Problems a refusal answers with (all are in the log's count; the first are enough to fix it). */
const REFUSAL_PROBLEMS = 100;
/** Problems an import answers with; the rest are at /api/gtfs/problems. */
const FIRST_PROBLEMS = 10;
const NO_FEED = 'no GTFS feed loaded (tabla gtfs import <zip|dir> --site <site>)';

export function gtfsRoutes(ctx: EngineContext, feeds: SiteFeeds, limits: GtfsLimits): void {
  const { timetables } = feeds;
  const siteParam = (req: ApiRequest): string => checkSite(req.params.site!);
  const summaryOf = (site: string) => {
    const s = feeds.summary(site);
    if (!s) throw new HttpError(404, `no GTFS feed for site ${site}`);
    return s;
  };
  /** The feed a query names by `?site=`, or the only one. */
  const chosen = (req: ApiRequest): SiteTimetable => {
    const site = req.url.searchParams.get('site');
    if (site !== null) return timetables.get(checkSite(site)) ?? notFound(`no GTFS feed for site ${site}`);
    const all = timetables.all();
    if (all.length === 1) return all[0]!;
    if (all.length === 0) throw new HttpError(404, NO_FEED);
    throw new HttpError(400, `site: which feed? one of ${all.map((t) => t.site).join(', ')}`);
  };

  ctx.routes.add('GET', '/api/gtfs', () => ({ body: { feeds: timetables.all().map((t) => feeds.summary(t.site)!) } }));

  ctx.routes.add('GET', '/api/gtfs/feeds/:site', (req) => ({ body: summaryOf(siteParam(req)) }));

  ctx.routes.add(
    'PUT',
    '/api/gtfs/feeds/:site',
    async (req) => {
      const site = siteParam(req);
      const type = (req.raw.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/zip') throw new HttpError(415, 'the body is the GTFS zip itself, with content-type: application/zip');
      const bytes = await req.bytes();
      if (bytes.length === 0) throw new HttpError(400, 'the body is empty: PUT the GTFS zip itself');
      const name = (req.url.searchParams.get('name') ?? '').replace(/[\p{Cc}]/gu, '').slice(0, 200) || 'upload.zip';
      try {
        const { summary, load, replaced } = await feeds.import(site, bytes, name);
        return { status: replaced ? 200 : 201, body: { ...summary, replaced, firstProblems: load.problems.slice(0, FIRST_PROBLEMS) } };
      } catch (err) {
        if (!(err instanceof GtfsRefused)) throw err;
        return { status: 422, body: { error: err.message, site, reasons: err.reasons, problems: err.problems.slice(0, REFUSAL_PROBLEMS) } };
      }
    },
    { maxBodyBytes: limits.zipBytes },
  );

  ctx.routes.add('DELETE', '/api/gtfs/feeds/:site', async (req) => {
    const site = siteParam(req);
    const removed = await feeds.remove(site);
    if (!removed) throw new HttpError(404, `no GTFS feed for site ${site}`);
    return { body: { site, removed: true, stored: removed.stored } };
  });

  ctx.routes.add('GET', '/api/gtfs/problems', (req) => {
    const t = chosen(req);
    const severity = req.url.searchParams.get('severity');
    const ofFile = req.url.searchParams.get('file');
    if (severity !== null && severity !== 'error' && severity !== 'warning') throw new HttpError(400, 'severity: error or warning');
    const problems = t.load.problems.filter((p) => (severity === null || p.severity === severity) && (ofFile === null || p.file === ofFile));
    return { body: { site: t.site, counts: t.load.counts, listed: t.load.problems.length, problems } };
  });

  ctx.routes.add('GET', '/api/gtfs/stops/:stopId/departures', (req) => {
    const stopId = req.params.stopId!;
    const t = feedOfStop(req, stopId);
    const f = t.feed;
    const stop = f.stops.get(stopId)!;
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
        site: t.site,
        stop: { id: stop.id, name: stop.name ?? null, lat: stop.lat ?? null, lon: stop.lon ?? null },
        timeZone: tz,
        from: isoLocal(from, tz),
        to: isoLocal(to, tz),
        departures,
      },
    };
  });

  /** The feed with the stop: `?site=`'s, else the only feed that has it. */
  function feedOfStop(req: ApiRequest, stopId: string): SiteTimetable {
    const shown = stopId.slice(0, 80);
    const site = req.url.searchParams.get('site');
    if (site !== null) {
      const t = timetables.get(checkSite(site)) ?? notFound(`no GTFS feed for site ${site}`);
      return t.feed.stops.has(stopId) ? t : notFound(`no stop ${shown} in the feed of site ${site}`);
    }
    const all = timetables.all();
    if (all.length === 0) throw new HttpError(404, NO_FEED);
    const having = all.filter((t) => t.feed.stops.has(stopId));
    if (having.length === 1) return having[0]!;
    if (having.length === 0) throw new HttpError(404, `no stop ${shown} in the feed${all.length > 1 ? 's' : ''}`);
    throw new HttpError(400, `stop ${shown} is in the feeds of ${having.map((t) => t.site).join(', ')}: say which with ?site=`);
  }
}

function checkSite(site: string): string {
  if (!SITE_NAME.test(site)) throw new HttpError(400, `site "${site.slice(0, 40)}": ${SITE_RULE}`);
  return site;
}

function notFound(message: string): never {
  throw new HttpError(404, message);
}
