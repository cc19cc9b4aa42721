/**
 * The "bikes" engine: bike share (GBFS: KolesCE in Celje, BICY in Velenje) beside the buses.
 *
 * - Sources (sources.ts): one GBFS feed per site, from TABLA_GBFS (`site=url-or-file,…`) and
 *   `PUT /api/bikes/sources` (kept in `bikes_sources`).
 * - Schedule: each site's feed is read (fetch.ts) again after its status file's `ttl`, held within
 *   [`minIntervalS`, `maxIntervalS`]; never two reads of one site at once. A read that fails is
 *   logged and counted, tried again sooner (doubling from the minimum), and the last good data is
 *   kept — but only until it goes stale (`last_updated + ttl + marginS`): stale data is never
 *   shown as live, neither in `GET /api/bikes` (`stale: true`) nor on a display.
 * - Delivery: each stop display (label `stop`) is sent `bike-stations` (near.ts: the stations
 *   within `radiusM` of its stop's place in its site's GTFS feed, nearest first) at its birth (the
 *   kind is not retained) and whenever what it would be sent changes (a new read, the data going
 *   stale: then an empty list). Info panels (label `stops`) get theirs inside their `kiosk` content:
 *   the kiosk engine reads `near` (the same stations, with the times of their counts); what a
 *   device is shown is also `forDevice` and `GET /api/bikes/devices/:id`.
 *
 * Routes: routes.ts. Table: `bikes_sources`.
 */
import type { BikeStations } from '../../../protocols/index.js';
import type { EngineContext, FleetEngine } from '../engine.js';
import type { Timetables } from '../gtfs/timetables.js';
import { readBikeFeed, type BikeFeed } from './fetch.js';
import { NEAR_DEFAULTS, bikeStationsBody, nearBikes, type NearBikes, type NearOptions, type Place } from './near.js';
import { addBikeRoutes } from './routes.js';
import { SOURCES_MIGRATION, parseSourcesEnv } from './sources.js';

export { nearestStations, nearBikes, bikeStationsBody, NEAR_DEFAULTS, type NearBikes, type NearOptions } from './near.js';
export { readBikeFeed, type BikeFeed } from './fetch.js';
export { parseSourcesEnv } from './sources.js';

export interface BikesEngineOptions {
  timetables: Timetables;
  /** TABLA_GBFS: `site=url-or-file,…` */
  sources?: string;
  /** bounds on the time between reads of a feed, s (defaults 15 and 300); the feed's ttl in between */
  minIntervalS?: number;
  maxIntervalS?: number;
  /** how often staleness is looked for, ms (default 5 s) */
  tickMs?: number;
  /** one read's bound, ms (default 10 s) */
  timeoutMs?: number;
  near?: Partial<NearOptions>;
}

/** One site's feed and its schedule. */
export interface BikeSite {
  site: string;
  source: string;
  /** where it came from: the environment or the API (stored) */
  origin: 'env' | 'stored';
  feed: BikeFeed | null;
  /** the last read's error, or null after a good one */
  error: string | null;
  failures: number;
  /** when the next read is due, ms, or null while one runs */
  nextAt: number | null;
  timer: NodeJS.Timeout | null;
  reading: boolean;
}

export interface BikesEngine extends FleetEngine {
  /** The sites, their feeds and schedules. */
  sites(): BikeSite[];
  /** What a stop display or info panel is shown now; null: nothing (no feed, stale, no place). */
  forDevice(id: string): BikeStations | null;
  /**
   * The stations near a stop display or info panel now and the times of their counts; null:
   * nothing (no feed, stale, no place, another kind of device or engine not running).
   */
  near(id: string): NearBikes | null;
  /** Reads a site's feed now (every site without `site`); resolves when done. */
  refresh(site?: string): Promise<void>;
}

export const BIKES_MIGRATIONS = [SOURCES_MIGRATION];

/** The stops a device stands at: a stop display's `stop`, an info panel's `stops` (comma-separated). */
export function deviceStops(d: { role: string; labels: Record<string, string> }): string[] | null {
  if (d.role === 'stop-display') return d.labels.stop ? [d.labels.stop] : [];
  if (d.role === 'info-panel')
    return (d.labels.stops ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return null;
}

export function bikesEngine(options: BikesEngineOptions): BikesEngine {
  const near: NearOptions = { ...NEAR_DEFAULTS, ...options.near };
  const minS = options.minIntervalS ?? 15;
  const maxS = Math.max(minS, options.maxIntervalS ?? 300);
  const sites = new Map<string, BikeSite>();
  /** per stop display, the key of what it was last sent */
  const sent = new Map<string, string>();
  let ctx: EngineContext | null = null;
  let tick: NodeJS.Timeout | null = null;

  const siteOf = (deviceSite: string | null): BikeSite | null => {
    if (deviceSite && sites.has(deviceSite)) return sites.get(deviceSite)!;
    return sites.size === 1 ? [...sites.values()][0]! : null;
  };

  const placesOf = (deviceSite: string | null, stopIds: readonly string[]): Place[] => {
    const stops = options.timetables.forSite(deviceSite)?.feed.stops;
    if (!stops) return [];
    const out: Place[] = [];
    for (const id of stopIds) {
      let s = stops.get(id);
      if (s && (s.lat === undefined || s.lon === undefined) && s.parentStation) s = stops.get(s.parentStation);
      if (s?.lat !== undefined && s.lon !== undefined) out.push({ lat: s.lat, lon: s.lon });
    }
    return out;
  };

  /** The device's site's feed and its stops' places; null for a device that stands at no stop. */
  const whereOf = (d: { site: string | null; role: string; labels: Record<string, string> }) => {
    const stops = deviceStops(d);
    return stops ? { feed: siteOf(d.site)?.feed ?? null, places: placesOf(d.site, stops) } : null;
  };

  const bodyFor = (d: { site: string | null; role: string; labels: Record<string, string> }, now: number): BikeStations | null => {
    const at = whereOf(d);
    if (!at) return null;
    const tz = options.timetables.forSite(d.site)?.feed.timeZone;
    return bikeStationsBody(at.feed, at.places, now, near, tz);
  };

  /** Sends each stop display what changed for it (all of them, or only `only`). */
  const deliver = (only?: string) => {
    const c = ctx;
    if (!c || (!sites.size && !sent.size)) return;
    const now = c.clock.now();
    const displays = only ? [c.devices.get(only)].filter((d) => d !== null) : c.devices.list();
    for (const d of displays) {
      if (d.role !== 'stop-display') continue;
      try {
        const body = bodyFor(d, now);
        const key = body ? JSON.stringify(body) : 'none';
        const before = sent.get(d.id);
        if (key === before || (!body && before === undefined)) continue;
        // Stale or gone: an empty list clears what the display holds.
        const out = body ?? { stations: [], validUntil: new Date(Math.floor(now / 1000) * 1000).toISOString() };
        if (c.publishContent(d.id, 'bike-stations', out)) {
          sent.set(d.id, key);
          c.metrics.inc('tabla_bikes_sent_total');
        }
      } catch (err) {
        c.metrics.inc('tabla_bikes_send_errors_total');
        c.log.error('bike stations not sent', { device: d.id, error: (err as Error).message });
      }
    }
  };

  const schedule = (s: BikeSite, delayS: number) => {
    if (s.timer) clearTimeout(s.timer);
    const c = ctx;
    if (!c) return;
    s.nextAt = c.clock.now() + delayS * 1000;
    s.timer = setTimeout(() => void read(s), delayS * 1000);
    s.timer.unref();
  };

  async function read(s: BikeSite): Promise<void> {
    const c = ctx;
    if (!c || s.reading) return;
    s.reading = true;
    s.nextAt = null;
    try {
      const feed = await readBikeFeed(s.source, c.clock.now(), options.timeoutMs);
      if (sites.get(s.site) !== s) return; // its source changed meanwhile
      s.feed = feed;
      s.error = null;
      s.failures = 0;
      c.metrics.inc('tabla_bikes_reads_total', { site: s.site, outcome: 'ok' });
      c.metrics.set('tabla_bikes_stations', { site: s.site }, feed.stations.length);
      schedule(s, Math.min(maxS, Math.max(minS, feed.status.ttl)));
    } catch (err) {
      if (sites.get(s.site) !== s) return;
      s.error = (err as Error).message;
      s.failures++;
      c.metrics.inc('tabla_bikes_reads_total', { site: s.site, outcome: 'failed' });
      c.log.warn('bike-share feed not read; the last good data is kept until it goes stale', { site: s.site, error: s.error, failures: s.failures });
      schedule(s, Math.min(maxS, minS * 2 ** Math.min(s.failures - 1, 16)));
    } finally {
      s.reading = false;
    }
    try {
      deliver();
    } catch (err) {
      c.log.error('bike stations not delivered', { site: s.site, error: (err as Error).message });
    }
  }

  const setSource = (site: string, source: string | null, origin: BikeSite['origin']) => {
    const old = sites.get(site);
    if (old?.timer) clearTimeout(old.timer);
    if (source === null) {
      sites.delete(site);
      return;
    }
    const s: BikeSite = { site, source, origin, feed: null, error: null, failures: 0, nextAt: null, timer: null, reading: false };
    sites.set(site, s);
    void read(s);
  };

  return {
    name: 'bikes',
    start(c) {
      ctx = c;
      const db = c.migrate(BIKES_MIGRATIONS);
      const m = c.metrics;
      m.define('tabla_bikes_reads_total', 'counter', 'Reads of bike-share (GBFS) feeds, by site and outcome (ok, failed: logged, last good data kept until stale).');
      m.define('tabla_bikes_stations', 'gauge', 'Bike-share stations in the last good read, by site.');
      m.define('tabla_bikes_sent_total', 'counter', 'Sets of nearby bike stations (bike-stations) sent to stop displays.');
      m.define('tabla_bikes_send_errors_total', 'counter', 'Sets of nearby bike stations that could not be built or sent.');
      m.define('tabla_bikes_source_errors_total', 'counter', 'TABLA_GBFS entries refused (logged).');

      const env = parseSourcesEnv(options.sources);
      for (const e of env.errors) {
        m.inc('tabla_bikes_source_errors_total');
        c.log.error('bike-share source refused', { reason: e });
      }
      const stored = db.prepare('SELECT site, source FROM bikes_sources ORDER BY site').all() as { site: string; source: string }[];
      for (const [site, source] of env.sources) if (!stored.some((r) => r.site === site)) setSource(site, source, 'env');
      for (const r of stored) setSource(r.site, r.source, 'stored');

      c.on('device-birth', ({ deviceId }) => {
        sent.delete(deviceId);
        deliver(deviceId);
      });
      tick = setInterval(() => {
        try {
          deliver();
        } catch (err) {
          c.log.error('bikes tick failed', { error: (err as Error).message });
        }
      }, options.tickMs ?? 5_000);
      tick.unref();

      addBikeRoutes(c, {
        sites: () => [...sites.values()],
        marginS: near.marginS,
        forDevice: (id) => {
          const d = c.devices.get(id);
          return d && deviceStops(d) ? { body: bodyFor(d, c.clock.now()) } : null;
        },
        putSources: (changes) => {
          db.transaction(() => {
            for (const [site, source] of Object.entries(changes)) {
              if (source === null) db.prepare('DELETE FROM bikes_sources WHERE site = ?').run(site);
              else db.prepare('INSERT INTO bikes_sources (site, source) VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET source = excluded.source').run(site, source);
            }
          })();
          for (const [site, source] of Object.entries(changes)) {
            if (source === null && env.sources.has(site)) setSource(site, env.sources.get(site)!, 'env');
            else setSource(site, source, 'stored');
          }
          deliver();
        },
      });
    },
    stop() {
      if (tick) clearInterval(tick);
      tick = null;
      for (const s of sites.values()) if (s.timer) clearTimeout(s.timer);
      sites.clear();
      sent.clear();
      ctx = null;
    },
    sites: () => [...sites.values()],
    forDevice(id) {
      const d = ctx?.devices.get(id);
      return d && ctx ? bodyFor(d, ctx.clock.now()) : null;
    },
    near(id) {
      const d = ctx?.devices.get(id);
      const at = d && whereOf(d);
      return at && ctx ? nearBikes(at.feed, at.places, ctx.clock.now(), near) : null;
    },
    async refresh(site) {
      await Promise.all([...sites.values()].filter((s) => !site || s.site === site).map((s) => read(s)));
    },
  };
}
