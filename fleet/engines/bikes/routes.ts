/**
 * The bikes engine's HTTP routes (admin token).
 *
 * - `GET /api/bikes[?site=S]` → `{sites: [{site, source, origin, version, lastUpdated, ttl,
 *   validUntil, stale, fetchedAt, nextAt, error, failures, stations}]}`; `stations` are
 *   `{id, name, lat, lon, capacity, bikes, docks, lastReported}` — with `bikes` and `docks` null
 *   while the data is stale (never shown as live), as for a station not renting
 * - `PUT /api/bikes/sources` `{sources: {site: url-or-file | null}}` → the sites as above; null
 *   removes a stored source (the environment's, if any, comes back); 400 naming a bad entry
 * - `GET /api/bikes/devices/:id` → `{device, body}`: what a stop display or info panel is shown
 *   now (`body` null: nothing); 404 for another kind of device
 */
import { isStale, validUntil } from '../../../protocols/gbfs/index.js';
import type { BikeStations } from '../../../protocols/index.js';
import { HttpError, parseBody } from '../../http/router.js';
import type { EngineContext } from '../engine.js';
import type { BikeSite } from './index.js';
import { SourcesBody } from './sources.js';

export interface BikeRouteState {
  sites(): BikeSite[];
  marginS: number;
  forDevice(id: string): { body: BikeStations | null } | null;
  putSources(changes: Record<string, string | null>): void;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString());

export function siteView(s: BikeSite, now: number, marginS: number) {
  const f = s.feed;
  const stale = !f || isStale(f.status, now, marginS);
  return {
    site: s.site,
    source: s.source,
    origin: s.origin,
    version: f?.status.version ?? null,
    lastUpdated: iso(f?.status.lastUpdated),
    ttl: f?.status.ttl ?? null,
    validUntil: f ? iso(validUntil(f.status, marginS)) : null,
    stale,
    fetchedAt: iso(f?.fetchedAt),
    nextAt: iso(s.nextAt),
    error: s.error,
    failures: s.failures,
    stations: (f?.stations ?? []).map((st) => ({ ...st, lastReported: iso(st.lastReported), ...(stale ? { bikes: null, docks: null } : {}) })),
  };
}

export function addBikeRoutes(ctx: EngineContext, s: BikeRouteState): void {
  const view = (site?: string | null) => ({
    sites: s
      .sites()
      .filter((x) => !site || x.site === site)
      .sort((a, b) => a.site.localeCompare(b.site))
      .map((x) => siteView(x, ctx.clock.now(), s.marginS)),
  });

  ctx.routes.add('GET', '/api/bikes', (req) => ({ body: view(req.url.searchParams.get('site')) }));

  ctx.routes.add('PUT', '/api/bikes/sources', async (req) => {
    const body = parseBody(SourcesBody, await req.json());
    s.putSources(body.sources);
    ctx.log.info('bike-share sources changed', { sources: body.sources });
    return { body: view() };
  });

  ctx.routes.add('GET', '/api/bikes/devices/:id', (req) => {
    const id = req.params.id ?? '';
    const r = s.forDevice(id);
    if (!r) throw new HttpError(404, `no stop display or info panel ${id.slice(0, 64)}`);
    return { body: { device: id, body: r.body } };
  });
}
