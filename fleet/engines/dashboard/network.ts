/**
 * The bus network as the dashboard's map draws it, from a site's GTFS feed alone (no map tiles):
 * each shape as a line of at most `MAX_POINTS` points in its routes' colour, a route without any
 * shaped trip drawn through the stops of its longest trip, and the stops that have a position.
 * Pure; computed once per loaded feed.
 */
import type { GtfsFeed, GtfsTrip } from '../../../protocols/index.js';

export const MAX_POINTS = 400;

export interface NetworkLine {
  id: string;
  routeIds: string[];
  color: string;
  /** [lat, lon] */
  points: [number, number][];
}

export interface SiteNetwork {
  site: string;
  routes: { id: string; shortName: string | null; color: string }[];
  lines: NetworkLine[];
  stops: { id: string; name: string | null; lat: number; lon: number }[];
}

/** Every `n`-th point, the last kept: a bound on what the page draws. */
export function thin<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

const colour = (c: string | undefined) => (c && /^[0-9A-Fa-f]{6}$/.test(c) ? `#${c}` : '#0969da');

export function networkOf(site: string, feed: GtfsFeed): SiteNetwork {
  const shapeRoutes = new Map<string, Set<string>>();
  const longest = new Map<string, GtfsTrip>();
  for (const trip of feed.trips.values()) {
    if (trip.shapeId && feed.shapes.has(trip.shapeId)) {
      const set = shapeRoutes.get(trip.shapeId) ?? new Set<string>();
      set.add(trip.routeId);
      shapeRoutes.set(trip.shapeId, set);
    } else if ((longest.get(trip.routeId)?.stopTimes.length ?? 0) < trip.stopTimes.length) {
      longest.set(trip.routeId, trip);
    }
  }
  const lines: NetworkLine[] = [];
  for (const [shapeId, routeIds] of shapeRoutes) {
    const ids = [...routeIds].sort();
    lines.push({ id: shapeId, routeIds: ids, color: colour(feed.routes.get(ids[0]!)?.color), points: thin(feed.shapes.get(shapeId)!.points.map((p) => [p.lat, p.lon] as [number, number])) });
  }
  const shaped = new Set([...shapeRoutes.values()].flatMap((s) => [...s]));
  for (const [routeId, trip] of longest) {
    if (shaped.has(routeId)) continue;
    const points = trip.stopTimes.flatMap((st) => {
      const s = feed.stops.get(st.stopId);
      return s?.lat !== undefined && s.lon !== undefined ? [[s.lat, s.lon] as [number, number]] : [];
    });
    if (points.length > 1) lines.push({ id: `route:${routeId}`, routeIds: [routeId], color: colour(feed.routes.get(routeId)?.color), points: thin(points) });
  }
  const used = new Set([...feed.trips.values()].flatMap((t) => t.stopTimes.map((st) => st.stopId)));
  const stops = [...feed.stops.values()]
    .filter((s) => used.has(s.id) && s.lat !== undefined && s.lon !== undefined)
    .map((s) => ({ id: s.id, name: s.name ?? null, lat: s.lat!, lon: s.lon! }));
  const routes = [...feed.routes.values()].map((r) => ({ id: r.id, shortName: r.shortName ?? null, color: colour(r.color) }));
  return { site, routes, lines: lines.sort((a, b) => a.id.localeCompare(b.id)), stops };
}
