/**
 * The ETA engine's HTTP routes (admin token): a stop's arrivals, the buses, ridership, and a
 * technician's assignment of a bus to a trip or a block. They read the engine's state (index.ts).
 */
import type Database from 'better-sqlite3';
import { isoLocal } from '../../../protocols/index.js';
import { HttpError } from '../../http/router.js';
import type { EngineContext } from '../engine.js';
import type { Timetables } from '../gtfs/timetables.js';
import { arrivalBoard, type BoardEntry, type Load } from './boards.js';
import type { EtaLive, Site } from './index.js';
import type { Assignment, Prediction, VehicleView } from './model/index.js';
import type { Ridership } from './ridership.js';

export interface EtaRouteState {
  sites: Map<string, Site>;
  live: EtaLive;
  predictions: Map<string, Prediction[]>;
  loads: Map<string, { onboard: number; capacity: number; at: number }>;
  assignments: Map<string, Assignment>;
  vehicleSite: Map<string, string>;
  db: Database.Database;
  ridership: Ridership;
  timetables: Timetables;
  entriesFor(site: Site, stopId: string, now: number): BoardEntry[];
  reindex(site: Site, id: string, next: Prediction[]): Set<string>;
  loadOf(id: string): Load | null;
}

const ASSIGN_BODY_HINT = '{"target": "<trip_id | block_id | none | auto>"}';

export function addEtaRoutes(ctx: EngineContext, state: EtaRouteState): void {
  const { sites, live, predictions, loads, assignments, vehicleSite, db, ridership, entriesFor, reindex, loadOf } = state;
  const options = { timetables: state.timetables };
  const findStop = (stopId: string, siteName: string | null): Site => {
    if (siteName !== null) {
      const s = sites.get(siteName);
      if (!s) throw new HttpError(404, `no timetable for site ${siteName.slice(0, 40)}`);
      if (!s.model.feed.stops.has(stopId)) throw new HttpError(404, `no stop ${stopId.slice(0, 80)} in site ${s.name}'s timetable`);
      return s;
    }
    const found = [...sites.values()].filter((s) => s.model.feed.stops.has(stopId));
    if (found.length === 0) throw new HttpError(sites.size ? 404 : 503, sites.size ? `no stop ${stopId.slice(0, 80)} in any timetable` : 'no timetable loaded (tabla gtfs import)');
    if (found.length > 1) throw new HttpError(400, `stop ${stopId.slice(0, 80)} is in several sites' timetables (${found.map((s) => s.name).join(', ')}): add ?site=`);
    return found[0]!;
  };

  ctx.routes.add('GET', '/api/stops/:stopId/arrivals', (req) => {
    const stopId = req.params.stopId!;
    const site = findStop(stopId, req.url.searchParams.get('site'));
    const feed = site.model.feed;
    const now = ctx.clock.now();
    const entries = entriesFor(site, stopId, now);
    const tz = feed.timeZone;
    const stop = feed.stops.get(stopId)!;
    return {
      body: {
        stop: { id: stopId, name: stop.name ?? null, site: site.name },
        timeZone: tz,
        generatedAt: isoLocal(now, tz),
        arrivals: entries.map((e) => ({
          ...e,
          scheduled: isoLocal(e.scheduled, tz),
          expected: isoLocal(e.expected, tz),
          minutes: Math.max(0, Math.floor((e.expected - now) / 60_000)),
          source: e.realtime ? 'realtime' : 'scheduled',
        })),
        board: arrivalBoard(stop.name ?? stopId, entries, now, tz),
      },
    };
  });

  const vehicleBody = (v: VehicleView & { site: string }) => {
    const device = ctx.devices.get(v.id);
    const feed = sites.get(v.site)?.model.feed;
    const route = v.routeId ? feed?.routes.get(v.routeId) : undefined;
    const trip = v.tripId ? feed?.trips.get(v.tripId) : undefined;
    const next = v.nextStop !== null && trip ? trip.stopTimes[v.nextStop] : undefined;
    const l = loads.get(v.id);
    return {
      id: v.id,
      label: device?.labels.label ?? null,
      site: v.site,
      status: v.status,
      assignment: v.assignment ? (v.assignment.kind === 'none' ? 'none' : `${v.assignment.kind} ${v.assignment.id}`) : 'auto',
      trip: v.tripId,
      run: v.runKey,
      block: v.blockId,
      route: route ? (route.shortName ?? route.longName ?? route.id) : null,
      headsign: trip?.headsign ?? null,
      delay: v.delay,
      progress: v.progress,
      nextStop: next ? { id: next.stopId, name: feed?.stops.get(next.stopId)?.name ?? null, sequence: next.stopSequence } : null,
      lastFix: v.lastFix ? { time: new Date(v.lastFix.time).toISOString(), lat: v.lastFix.lat, lon: v.lastFix.lon } : null,
      load: l ? { onboard: l.onboard, capacity: l.capacity, level: loadOf(v.id) } : null,
      predictions: (predictions.get(v.id) ?? []).length,
    };
  };

  ctx.routes.add('GET', '/api/vehicles', () => ({ body: { vehicles: live.vehicles().sort((a, b) => a.id.localeCompare(b.id)).map(vehicleBody) } }));
  ctx.routes.add('GET', '/api/vehicles/:id', (req) => {
    const v = live.vehicles().find((x) => x.id === req.params.id);
    if (!v) throw new HttpError(404, `no bus ${req.params.id!.slice(0, 80)} has sent a position (tabla devices --role bus)`);
    return { body: vehicleBody(v) };
  });

  ctx.routes.add('GET', '/api/ridership', (req) => {
    const q = req.url.searchParams;
    const instant = (name: string, fallback: number) => {
      const text = q.get(name);
      if (text === null || text === '') return fallback;
      const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text.replace(' ', '+'));
      if (!Number.isFinite(t)) throw new HttpError(400, `${name}: an ISO 8601 date or instant, e.g. 2026-11-30 or 2026-11-30T06:00:00+01:00`);
      return t;
    };
    const now = ctx.clock.now();
    const to = instant('to', now);
    const from = instant('from', to - 7 * 86_400_000);
    if (from >= to) throw new HttpError(400, 'from must be before to');
    const route = q.get('route') ?? undefined;
    const siteName = q.get('site') ?? undefined;
    const tz = (siteName ? sites.get(siteName) : [...sites.values()][0])?.model.feed.timeZone ?? 'UTC';
    const result = ridership.query({ from, to, ...(route ? { route } : {}), ...(siteName ? { site: siteName } : {}) }, (s) => (s ? (sites.get(s)?.model.feed ?? null) : null), tz);
    return { body: { from: isoLocal(from, tz), to: isoLocal(to, tz), timeZone: tz, route: route ?? null, site: siteName ?? null, ...result } };
  });

  ctx.routes.add('PUT', '/api/vehicles/:id/assignment', async (req) => {
    const id = req.params.id!;
    const device = ctx.devices.get(id);
    if (!device) throw new HttpError(404, `no device ${id.slice(0, 80)} (tabla devices)`);
    if (device.role !== 'bus') throw new HttpError(400, `${id} is a ${device.role}, not a bus`);
    const body = (await req.json()) as { target?: unknown };
    const target = typeof body?.target === 'string' ? body.target.trim() : '';
    if (!target) throw new HttpError(400, `body: ${ASSIGN_BODY_HINT}`);
    const t = options.timetables.forSite(device.site);
    const site = t ? sites.get(t.site) : undefined;
    let assignment: Assignment | null;
    if (target === 'auto') assignment = null;
    else if (target === 'none') assignment = { kind: 'none' };
    else {
      if (!site) throw new HttpError(409, `no timetable for ${id}'s site ${device.site ?? '(none)'} (tabla gtfs import)`);
      const feed = site.model.feed;
      if (feed.trips.has(target)) assignment = { kind: 'trip', id: target };
      else if ([...feed.trips.values()].some((tr) => tr.blockId === target)) assignment = { kind: 'block', id: target };
      else throw new HttpError(404, `no trip or block ${target.slice(0, 80)} in site ${site.name}'s timetable (tabla gtfs info)`);
    }
    if (assignment) {
      assignments.set(id, assignment);
      db.prepare('INSERT INTO eta_assignments (device_id, kind, ref, set_at) VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET kind = excluded.kind, ref = excluded.ref, set_at = excluded.set_at').run(
        id,
        assignment.kind,
        assignment.kind === 'none' ? null : assignment.id,
        ctx.clock.now(),
      );
    } else {
      assignments.delete(id);
      db.prepare('DELETE FROM eta_assignments WHERE device_id = ?').run(id);
    }
    for (const s of sites.values()) s.model.assign(id, null);
    if (site) {
      site.model.assign(id, assignment);
      vehicleSite.set(id, site.name);
      reindex(site, id, site.model.predict(id, ctx.clock.now()));
    }
    ctx.log.info('vehicle assignment', { device: id, assignment: target });
    return { body: { id, assignment: target } };
  });
}
