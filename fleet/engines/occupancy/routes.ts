/**
 * The occupancy engine's HTTP routes.
 *
 * Admin token:
 * - `PUT /api/parking/car-parks[?site=S]` with a site's whole catalogue (catalogue.ts; `?site=`
 *   overrides the document's `site`) → 200 `{site, timeZone, carParks, added, removed, kept}`;
 *   422 `{error, site, reasons: [{path, message}]}` when the schema refuses it or an id belongs to
 *   another site; the site keeps the catalogue it had
 * - `GET /api/parking[?site=S]` → `{carParks: CarParkStatus[]}`, by site and id
 * - `GET /api/parking/:id` → `{status, carPark, thresholds, counts, counters, panels, history}`:
 *   the definition, the thresholds in free spaces, `counts` `{clampedHigh, clampedLow,
 *   lastCountAt, recalibratedAt}`, the counter and panel devices labelled with it, and the newest
 *   100 history entries `{at, kind: adjust|recalibrate|recalibration-missed|state|catalogue, …}`
 * - `POST /api/parking/:id/adjust` `{delta: ±N | set: N, reason, by?}` → 200 `{adjustment,
 *   status, counters}`; `counters` are the ids of the `car-park-counter` devices labelled
 *   `carPark=<id>`, to which a client forwards the correction as the command `adjust`
 *
 * Open (open data, no token):
 * - `GET /parking.json` → ParkAPI v3 JSON (opendata.ts)
 * - `GET /parking/datex2` → DATEX II v2.3 ParkingStatusPublication (application/xml)
 */
import { z } from 'zod';
import { isoLocal } from '../../../protocols/index.js';
import { HttpError, parseBody } from '../../http/router.js';
import type { EngineContext } from '../engine.js';
import { Catalogue, catalogueReasons, resolveThresholds } from './catalogue.js';
import { CatalogueConflict, type CarParks } from './car-parks.js';
import { datex2ParkingStatus, parkApiSites } from './opendata.js';
import type { PanelDelivery } from './panels.js';
import type { OccupancyStore } from './store.js';

/** The label that ties a counter device to its car park. */
export const COUNTER_LABEL = 'carPark';

const AdjustBody = z
  .object({
    delta: z.number().int().min(-100_000).max(100_000).refine((n) => n !== 0, 'a correction of 0 changes nothing').optional(),
    set: z.number().int().min(0).max(100_000).optional(),
    reason: z.string().trim().min(1, 'say why (it is kept in the history)').max(200),
    by: z.string().trim().min(1).max(64).optional(),
  })
  .strict()
  .refine((b) => (b.delta === undefined) !== (b.set === undefined), { message: 'one of delta (+N/-N) or set (=N)' });

export interface OccupancyRouteState {
  parks: Pick<CarParks, 'get' | 'all' | 'count' | 'status' | 'statuses' | 'putCatalogue' | 'adjust'>;
  store: OccupancyStore;
  panels: PanelDelivery;
  datex2: { country: string; publisher: string; lang: string };
}

export function addOccupancyRoutes(ctx: EngineContext, s: OccupancyRouteState): void {
  const { parks, store, panels } = s;

  const parkOf = (id: string) => {
    const p = parks.get(id);
    if (!p) throw new HttpError(404, `no car park ${id.slice(0, 64)} (tabla parking lists them)`);
    return p;
  };
  const counters = (id: string) =>
    ctx.devices
      .list()
      .filter((d) => d.role === 'car-park-counter' && (d.labels[COUNTER_LABEL] ?? '').split(',').map((x) => x.trim()).includes(id))
      .map((d) => d.id);

  ctx.routes.add('PUT', '/api/parking/car-parks', async (req) => {
    const body = (await req.json()) as Record<string, unknown>;
    const site = req.url.searchParams.get('site');
    const doc = site !== null && body && typeof body === 'object' && !Array.isArray(body) ? { ...body, site } : body;
    const parsed = Catalogue.safeParse(doc);
    const named = typeof (doc as { site?: unknown })?.site === 'string' ? String((doc as { site: string }).site).slice(0, 64) : null;
    if (!parsed.success) {
      const reasons = catalogueReasons(parsed.error);
      return { status: 422, body: { error: `car park catalogue refused: ${reasons.length} problem${reasons.length === 1 ? '' : 's'}`, site: named, reasons } };
    }
    try {
      const out = parks.putCatalogue(parsed.data, ctx.clock.now());
      ctx.log.info('car park catalogue put', { site: parsed.data.site, ...out });
      return { body: { site: parsed.data.site, timeZone: parsed.data.timeZone, carParks: parsed.data.carParks.length, ...out } };
    } catch (err) {
      if (err instanceof CatalogueConflict) return { status: 422, body: { error: err.message, site: named, reasons: err.reasons } };
      throw err;
    }
  });

  ctx.routes.add('GET', '/api/parking', (req) => {
    const site = req.url.searchParams.get('site');
    return { body: { carParks: parks.statuses().filter((x) => site === null || x.site === site) } };
  });

  ctx.routes.add('GET', '/api/parking/:id', (req) => {
    const p = parkOf(req.params.id!);
    const c = parks.count(p.def.id)!;
    const at = (ms: number | null) => (ms === null ? null : isoLocal(ms, p.timeZone));
    return {
      body: {
        status: parks.status(p.def.id),
        carPark: { ...p.def, site: p.site, timeZone: p.timeZone },
        thresholds: resolveThresholds(p.def.capacity, p.def.thresholds),
        counts: { clampedHigh: c.clampedHigh, clampedLow: c.clampedLow, lastCountAt: at(c.lastCountAt), recalibratedAt: at(c.recalibratedAt) },
        counters: counters(p.def.id),
        panels: panels.showing(p.def.id),
        history: store.history(p.def.id).map((h) => ({ at: at(h.at), kind: h.kind, ...h.detail })),
      },
    };
  });

  ctx.routes.add('POST', '/api/parking/:id/adjust', async (req) => {
    const p = parkOf(req.params.id!);
    const body = parseBody(AdjustBody, await req.json());
    if (body.set !== undefined && body.set > p.def.capacity) throw new HttpError(400, `set: ${body.set} is more than the capacity of ${p.def.id} (${p.def.capacity})`);
    const correction = body.set !== undefined ? { set: body.set } : { delta: body.delta! };
    const a = parks.adjust(p.def.id, correction, body.reason, body.by ?? 'unknown', ctx.clock.now());
    ctx.metrics.inc('tabla_occupancy_adjustments_total', { car_park: p.def.id });
    return { body: { adjustment: { ...a, at: isoLocal(a.at, p.timeZone) }, status: parks.status(p.def.id), counters: counters(p.def.id) } };
  });

  const openData = () => parks.all().map((p) => ({ status: parks.status(p.def.id)!, definedAt: p.definedAt }));

  ctx.routes.add('GET', '/parking.json', () => ({ body: parkApiSites(openData()) }));

  ctx.routes.add('GET', '/parking/datex2', () => ({
    text: datex2ParkingStatus(parks.statuses(), { ...s.datex2, now: ctx.clock.now() }),
    contentType: 'application/xml; charset=utf-8',
  }));
}
