/**
 * A trip's path as the ETA engine measures it: the shape (or, for a trip without one, the line
 * through its stops) in a local flat projection, in metres along the path, with each stop's place
 * on it. Pure; built once per shape and stop pattern and cached on the feed.
 *
 * A stop is placed at its nearest point on the path searching forward from the previous stop's
 * place, so a loop that passes a stop twice gets two places, in order (TheTransitClock's method).
 * Projection: equirectangular around the path's middle — at a town's scale (≤ 50 km) its error is
 * far below a receiver's noise, and it makes a fix's projection a few multiplications.
 */
import type { GtfsFeed, GtfsTrip } from '../../../protocols/index.js';
import { EARTH_RADIUS_M } from '../../../protocols/index.js';

const RAD = Math.PI / 180;

export interface Projection {
  /** metres along the path */
  d: number;
  /** metres from the path */
  off: number;
  /** the path's direction there, degrees true */
  bearing: number;
}

export class TripPath {
  /** x, y in metres (local projection) */
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  /** metres along the path at each point */
  readonly cum: Float64Array;
  readonly #lat0: number;
  readonly #lon0: number;
  readonly #kx: number;
  /** the bounding box in the local projection: minX, minY, maxX, maxY */
  readonly #box: [number, number, number, number];
  /** each stop time's place along the path, metres (non-decreasing) */
  readonly stopDist: Float64Array;
  readonly length: number;

  constructor(points: readonly { lat: number; lon: number }[], stops: readonly { lat: number; lon: number }[]) {
    const pts = points.length >= 2 ? points : stops;
    const mid = pts[pts.length >> 1]!;
    this.#lat0 = mid.lat;
    this.#lon0 = mid.lon;
    this.#kx = Math.cos(mid.lat * RAD) * EARTH_RADIUS_M * RAD;
    const n = pts.length;
    this.#x = new Float64Array(n);
    this.#y = new Float64Array(n);
    this.cum = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [x, y] = this.xy(pts[i]!.lat, pts[i]!.lon);
      this.#x[i] = x;
      this.#y[i] = y;
      if (i > 0) this.cum[i] = this.cum[i - 1]! + Math.hypot(x - this.#x[i - 1]!, y - this.#y[i - 1]!);
    }
    this.length = this.cum[n - 1] ?? 0;
    this.#box = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      this.#box[0] = Math.min(this.#box[0], this.#x[i]!);
      this.#box[1] = Math.min(this.#box[1], this.#y[i]!);
      this.#box[2] = Math.max(this.#box[2], this.#x[i]!);
      this.#box[3] = Math.max(this.#box[3], this.#y[i]!);
    }
    this.stopDist = new Float64Array(stops.length);
    let from = 0;
    for (let i = 0; i < stops.length; i++) {
      // The first pass within 100 m at or after the last stop's place; else the nearest point after it.
      const pass = this.near(stops[i]!.lat, stops[i]!.lon, 100).find((p) => p.d >= from);
      const p = pass ?? this.nearest(stops[i]!.lat, stops[i]!.lon, from, this.length);
      this.stopDist[i] = p ? Math.max(p.d, from) : from;
      from = this.stopDist[i]!;
    }
  }

  xy(lat: number, lon: number): [number, number] {
    return [(lon - this.#lon0) * this.#kx, (lat - this.#lat0) * EARTH_RADIUS_M * RAD];
  }

  /** The point at `d` metres along the path. */
  pointAt(d: number): { lat: number; lon: number; bearing: number } {
    const n = this.cum.length;
    let i = lowerSegment(this.cum, d);
    if (i >= n - 1) i = n - 2;
    const seg = this.cum[i + 1]! - this.cum[i]!;
    const t = seg > 0 ? Math.min(1, Math.max(0, (d - this.cum[i]!) / seg)) : 0;
    const x = this.#x[i]! + t * (this.#x[i + 1]! - this.#x[i]!);
    const y = this.#y[i]! + t * (this.#y[i + 1]! - this.#y[i]!);
    return { lat: this.#lat0 + y / (EARTH_RADIUS_M * RAD), lon: this.#lon0 + x / this.#kx, bearing: this.#bearing(i) };
  }

  #bearing(i: number): number {
    const dx = this.#x[i + 1]! - this.#x[i]!;
    const dy = this.#y[i + 1]! - this.#y[i]!;
    return ((Math.atan2(dx, dy) / RAD) % 360 + 360) % 360;
  }

  /** The nearest point of the path to (lat, lon) between `from` and `to` metres along it. */
  nearest(lat: number, lon: number, from = 0, to = this.length): Projection | null {
    const [px, py] = this.xy(lat, lon);
    const n = this.cum.length;
    let best: Projection | null = null;
    let bestOff = Infinity;
    const start = Math.max(0, lowerSegment(this.cum, from));
    for (let i = start; i < n - 1; i++) {
      const d0 = this.cum[i]!;
      if (d0 > to) break;
      const ax = this.#x[i]!;
      const ay = this.#y[i]!;
      const dx = this.#x[i + 1]! - ax;
      const dy = this.#y[i + 1]! - ay;
      const len2 = dx * dx + dy * dy;
      let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = Math.min(1, Math.max(0, t));
      let d = d0 + t * (this.cum[i + 1]! - d0);
      if (d < from) {
        d = from;
        t = len2 > 0 ? (from - d0) / (this.cum[i + 1]! - d0) : 0;
      } else if (d > to) {
        d = to;
        t = len2 > 0 ? (to - d0) / (this.cum[i + 1]! - d0) : 0;
      }
      const off = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
      if (off < bestOff) {
        bestOff = off;
        best = { d, off, bearing: this.#bearing(i) };
      }
    }
    return best;
  }

  /**
   * Every place within `maxOff` metres of (lat, lon): the local minima of the distance, one per
   * pass (a loop passes some points twice), in order along the path.
   */
  near(lat: number, lon: number, maxOff: number): Projection[] {
    const [px, py] = this.xy(lat, lon);
    // Most paths of a big feed are nowhere near: one look at the box first.
    if (px < this.#box[0] - maxOff || px > this.#box[2] + maxOff || py < this.#box[1] - maxOff || py > this.#box[3] + maxOff) return [];
    const n = this.cum.length;
    const out: Projection[] = [];
    let run: Projection | null = null;
    for (let i = 0; i < n - 1; i++) {
      const ax = this.#x[i]!;
      const ay = this.#y[i]!;
      const dx = this.#x[i + 1]! - ax;
      const dy = this.#y[i + 1]! - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
      const off = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
      if (off <= maxOff) {
        const p = { d: this.cum[i]! + t * (this.cum[i + 1]! - this.cum[i]!), off, bearing: this.#bearing(i) };
        if (!run || p.off < run.off) run = p;
      } else if (run) {
        out.push(run);
        run = null;
      }
    }
    if (run) out.push(run);
    return out;
  }
}

/** The index i with cum[i] ≤ d < cum[i+1] (0 below the start). */
function lowerSegment(cum: Float64Array, d: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  if (d <= cum[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cum[mid]! <= d) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const cache = new WeakMap<GtfsFeed, Map<string, TripPath | null>>();
const byTrip = new WeakMap<GtfsTrip, TripPath | null>();

/** The trip's path, or null when neither its shape nor its stops give two points. Cached per feed. */
export function tripPath(feed: GtfsFeed, trip: GtfsTrip): TripPath | null {
  // Per trip first (matching asks for every candidate's path on a fix), then per pattern: trips
  // that share a shape and stops share one path.
  const known = byTrip.get(trip);
  if (known !== undefined) return known;
  let byKey = cache.get(feed);
  if (!byKey) cache.set(feed, (byKey = new Map()));
  const key = `${trip.shapeId ?? ''}|${trip.stopTimes.map((s) => s.stopId).join(',')}`;
  if (byKey.has(key)) {
    byTrip.set(trip, byKey.get(key)!);
    return byKey.get(key)!;
  }
  const stops: { lat: number; lon: number }[] = [];
  for (const st of trip.stopTimes) {
    const s = feed.stops.get(st.stopId);
    if (s?.lat === undefined || s.lon === undefined) {
      byKey.set(key, null);
      byTrip.set(trip, null);
      return null;
    }
    stops.push({ lat: s.lat, lon: s.lon });
  }
  const shape = trip.shapeId ? feed.shapes.get(trip.shapeId) : undefined;
  const path = new TripPath(shape && shape.points.length >= 2 ? shape.points : stops, stops);
  byKey.set(key, path.length > 0 ? path : null);
  byTrip.set(trip, byKey.get(key)!);
  return byKey.get(key)!;
}
