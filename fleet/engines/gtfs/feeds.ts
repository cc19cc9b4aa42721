/**
 * The gtfs engine's work on the shared `Timetables`: at start it loads every stored feed and the
 * TABLA_GTFS one; later it imports a site's feed (parse, store, swap in) and removes one. A feed
 * that is refused changes nothing: the site keeps the feed it had, in memory and on disk. Imports
 * and removals run one at a time, so what is on disk and what is in memory never disagree.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { GtfsFeedSummary, GtfsLimits, GtfsLoad, GtfsProblem, GtfsProblemCounts, Logger } from '../../../protocols/index.js';
import { GtfsRefused, feedSummary, parseGtfsFiles, parseGtfsZip } from '../../../protocols/index.js';
import type { EngineContext } from '../engine.js';
import { FeedStore, readFeedFolder, type FeedOrigin } from './store.js';
import type { SiteTimetable, Timetables } from './timetables.js';

/** A site's feed as `GET /api/gtfs` and `GET /api/gtfs/feeds/:site` show it. */
export interface GtfsSiteSummary extends GtfsFeedSummary {
  site: string;
  /** the name it was imported under, or the TABLA_GTFS path */
  source: string;
  /** when this fleet loaded it (ISO 8601) */
  loadedAt: string;
  /** when it was imported, or null for the TABLA_GTFS feed */
  importedAt: string | null;
  /** true when it is kept in the data dir (imported); false for TABLA_GTFS, read again at each start */
  stored: boolean;
  problems: GtfsProblemCounts;
}

/** Problems written to the log with a feed; the rest are at /api/gtfs/problems. */
const LOGGED_PROBLEMS = 5;

export class SiteFeeds {
  readonly store: FeedStore;
  readonly timetables: Timetables;
  readonly #ctx: EngineContext;
  readonly #limits: GtfsLimits;
  /** the imported feeds' origins (a site without one came from TABLA_GTFS) */
  readonly #origins = new Map<string, FeedOrigin>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(ctx: EngineContext, timetables: Timetables, limits: GtfsLimits) {
    this.#ctx = ctx;
    this.#limits = limits;
    this.timetables = timetables;
    this.store = new FeedStore(path.join(ctx.dataDir, 'gtfs'));
    ctx.metrics.define('tabla_gtfs_problems', 'gauge', 'Problems in each loaded GTFS feed, by site and severity (an error skipped its row; a warning kept it).');
    ctx.metrics.define('tabla_gtfs_refused_total', 'counter', 'GTFS feeds refused, by site: imports the fleet would not take, and stored or TABLA_GTFS feeds it could not load (each logged).');
  }

  /** Every stored feed; a broken one is logged, counted and skipped. */
  async loadStored(): Promise<void> {
    const { sites, strays } = await this.store.list();
    for (const name of strays) this.#ctx.log.warn('not a site name: the stored feed is skipped', { file: this.store.file(name) });
    for (const site of sites) {
      const file = this.store.file(site);
      try {
        const { bytes, origin } = await this.store.read(site, this.#limits.zipBytes);
        const load = parseGtfsZip(bytes, { limits: this.#limits });
        if (origin) this.#origins.set(site, origin);
        this.#put(site, load, origin?.source ?? file);
      } catch (err) {
        this.#refused(site, file, err, this.#ctx.log.error.bind(this.#ctx.log), 'the stored feed cannot be loaded: skipped, the fleet runs without it');
      }
    }
  }

  /** The TABLA_GTFS feed (a zip or a folder), unless the site has an imported one. */
  async loadPath(site: string, feedPath: string): Promise<void> {
    const file = path.resolve(feedPath);
    if (this.timetables.get(site)) {
      this.#ctx.log.warn(`TABLA_GTFS is not loaded: site ${site} has an imported feed (tabla gtfs remove --site ${site} to use TABLA_GTFS again)`, { file });
      return;
    }
    try {
      const stat = await fs.stat(file);
      let load: GtfsLoad;
      if (stat.isDirectory()) load = parseGtfsFiles(await readFeedFolder(file, this.#limits), { limits: this.#limits });
      else if (stat.size > this.#limits.zipBytes) throw new GtfsRefused(`${stat.size} bytes, over the limit of ${this.#limits.zipBytes}`);
      else load = parseGtfsZip(new Uint8Array(await fs.readFile(file)), { limits: this.#limits });
      this.#put(site, load, file);
    } catch (err) {
      this.#refused(site, file, err, this.#ctx.log.error.bind(this.#ctx.log), 'the TABLA_GTFS feed cannot be loaded: the fleet runs without it');
    }
  }

  /**
   * Parses a site's zip; if it is not refused (GtfsRefused, thrown), stores it and swaps it in.
   * A failure to store leaves the site's feed as it was, on disk and in memory.
   */
  import(site: string, bytes: Uint8Array, source: string): Promise<{ summary: GtfsSiteSummary; load: GtfsLoad; replaced: boolean }> {
    return this.#serial(async () => {
      let load: GtfsLoad;
      try {
        load = parseGtfsZip(bytes, { limits: this.#limits });
      } catch (err) {
        if (err instanceof GtfsRefused) this.#refused(site, source, err, this.#ctx.log.warn.bind(this.#ctx.log), 'import refused: the site keeps the feed it had');
        throw err;
      }
      const origin = await this.store.write(site, bytes, source, new Date(this.#ctx.clock.now()));
      const replaced = this.timetables.get(site) !== null;
      this.#origins.set(site, origin);
      this.#put(site, load, source);
      return { summary: this.summary(site)!, load, replaced };
    });
  }

  /** Forgets a site's feed and deletes its stored zip; null when it had none. */
  remove(site: string): Promise<{ stored: boolean } | null> {
    return this.#serial(async () => {
      const stored = await this.store.remove(site);
      const loaded = this.timetables.delete(site);
      this.#origins.delete(site);
      this.#gauge();
      if (!stored && !loaded) return null;
      this.#ctx.log.info('feed removed', { site, stored });
      return { stored };
    });
  }

  summary(site: string): GtfsSiteSummary | null {
    const t = this.timetables.get(site);
    if (!t) return null;
    const origin = this.#origins.get(site);
    return {
      site,
      source: t.source,
      loadedAt: new Date(t.loadedAt).toISOString(),
      importedAt: origin?.importedAt ?? null,
      stored: origin !== undefined,
      ...feedSummary(t.feed),
      problems: t.load.counts,
    };
  }

  /** Waits for an import or removal under way, then forgets every feed. */
  async close(): Promise<void> {
    await this.#chain;
    for (const t of this.timetables.all()) this.timetables.delete(t.site);
    this.#origins.clear();
  }

  #put(site: string, load: GtfsLoad, source: string): void {
    const timetable: SiteTimetable = { site, feed: load.feed, load, source, loadedAt: this.#ctx.clock.now() };
    this.timetables.set(timetable);
    this.#gauge();
    const s = feedSummary(load.feed);
    const { error, warning } = load.counts;
    this.#ctx.log.info('feed loaded', { site, source, routes: s.routes.length, stops: s.stops, trips: s.trips, errors: error, warnings: warning });
    logProblems(this.#ctx.log.warn.bind(this.#ctx.log), site, load.problems, error + warning);
  }

  /** Logs and counts a feed that could not be loaded: refused, unreadable, or a fault of ours (with its stack). */
  #refused(site: string, source: string, err: unknown, write: Logger['error'], what: string): void {
    this.#ctx.metrics.inc('tabla_gtfs_refused_total', { site });
    const known = err instanceof GtfsRefused || (err instanceof Error && 'code' in err); // refused, or a file's error (ENOENT, EACCES)
    write(what, { site, source, reason: (err as Error).message, ...(known ? {} : { stack: (err as Error).stack }) });
    if (err instanceof GtfsRefused) logProblems(write, site, err.problems);
  }

  #gauge(): void {
    const m = this.#ctx.metrics;
    m.reset('tabla_gtfs_problems');
    for (const t of this.timetables.all()) for (const severity of ['error', 'warning'] as const) m.set('tabla_gtfs_problems', { site: t.site, severity }, t.load.counts[severity]);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work);
    this.#chain = run.catch(() => {});
    return run;
  }
}

function logProblems(write: Logger['error'], site: string, problems: readonly GtfsProblem[], total = problems.length): void {
  for (const p of problems.slice(0, LOGGED_PROBLEMS)) {
    write(`${p.file}${p.row !== null ? `:${p.row}` : ''}: ${p.message}`, { site, severity: p.severity, ...(p.field ? { field: p.field } : {}) });
  }
  if (total > LOGGED_PROBLEMS) write(`… and ${total - LOGGED_PROBLEMS} more problems (GET /api/gtfs/problems?site=${site})`, { site });
}
