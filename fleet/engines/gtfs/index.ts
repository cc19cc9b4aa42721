/**
 * The "gtfs" engine: the timetables of the fleet's sites, one GTFS feed per site, side by side in
 * the shared `Timetables` (timetables.ts) that the ETA and other engines read.
 *
 * At start it loads every feed stored in `<dataDir>/gtfs/<site>.zip` (imported earlier with `tabla
 * gtfs import`, store.ts), then the feed at `path` (TABLA_GTFS: a zip or a folder) as `site`
 * (TABLA_GTFS_SITE, default `default`) unless that site has an imported one. A feed that cannot be
 * loaded is logged with its first problems, counted in `tabla_gtfs_refused_total` and skipped; the
 * engine and the fleet run on, and a good feed can be imported over it. Each loaded feed's problems
 * are in `tabla_gtfs_problems` (gauge, by site and severity).
 *
 * Routes (admin token): routes.ts — import, list, show, remove a site's feed, its problems, and a
 * stop's scheduled departures.
 */
import type { GtfsLimits } from '../../../protocols/index.js';
import { GTFS_LIMITS } from '../../../protocols/index.js';
import type { FleetEngine } from '../engine.js';
import { SiteFeeds } from './feeds.js';
import { gtfsRoutes } from './routes.js';
import { DEFAULT_SITE, SITE_NAME, SITE_RULE } from './store.js';
import type { Timetables } from './timetables.js';

export type { GtfsSiteSummary } from './feeds.js';
export { DEFAULT_SITE, SITE_NAME, SITE_RULE, readFeedFolder } from './store.js';
export { Timetables, type SiteTimetable, type TimetableListener } from './timetables.js';

export interface GtfsEngineOptions {
  /** the fleet's timetables, shared with the engines that read them */
  timetables: Timetables;
  /** a feed to load at start (TABLA_GTFS): a zip, or a folder of its .txt files */
  path?: string;
  /** the site of the feed at `path` (TABLA_GTFS_SITE; default `default`) */
  site?: string;
  /** bounds other than GTFS_LIMITS (a region's feed may need more); `zipBytes` is also the upload limit */
  limits?: Partial<GtfsLimits>;
}

export function gtfsEngine(options: GtfsEngineOptions): FleetEngine {
  const limits: GtfsLimits = { ...GTFS_LIMITS, ...options.limits };
  const site = options.site ?? DEFAULT_SITE;
  let feeds: SiteFeeds | null = null;
  return {
    name: 'gtfs',
    async start(ctx) {
      if (!SITE_NAME.test(site)) throw new Error(`site "${site.slice(0, 40)}" of TABLA_GTFS (TABLA_GTFS_SITE): ${SITE_RULE}`);
      feeds = new SiteFeeds(ctx, options.timetables, limits);
      await feeds.loadStored();
      if (options.path !== undefined) await feeds.loadPath(site, options.path);
      gtfsRoutes(ctx, feeds, limits);
    },
    async stop() {
      await feeds?.close();
      feeds = null;
    },
  };
}
