/**
 * Where a simulated bus is: a route (a polyline of [lat, lon], e.g. a GTFS shape) and a bus that
 * drives it at a steady speed, dwelling at its stops.
 *
 * Geodesy on a sphere of the mean Earth radius, enough for a town bus: distances by the haversine
 * formula (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68 (2), 1984) and
 * initial bearings by the spherical forward-azimuth formula, both as given in C. Veness,
 * "Calculate distance, bearing and more between Latitude/Longitude points" (movable-type.co.uk).
 * Between two vertices of a shape (tens to hundreds of metres apart) a point is interpolated
 * linearly in latitude and longitude: on a 1 km segment that is off the great circle by well under
 * a centimetre, far below a receiver's noise.
 */
import { distanceM } from '../../protocols/index.js';

export type LatLon = readonly [lat: number, lon: number];

const RAD = Math.PI / 180;

/** Great-circle distance between two points, metres (protocols/geo.ts). */
export function haversineM(a: LatLon, b: LatLon): number {
  return distanceM({ lat: a[0], lon: a[1] }, { lat: b[0], lon: b[1] });
}

/** Initial bearing from `a` towards `b`, degrees clockwise from true north, in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const φ1 = a[0] * RAD;
  const φ2 = b[0] * RAD;
  const Δλ = (b[1] - a[1]) * RAD;
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  const θ = Math.atan2(y, x) / RAD;
  return (θ + 360) % 360;
}

/** A point on the route: where, and which way the road goes there. */
export interface RoutePoint {
  lat: number;
  lon: number;
  /** Bearing of the segment the point is on, degrees from true north. */
  courseDeg: number;
}

/** A stop on the route: at a distance along it, or at a place (projected onto the route), and how long the bus waits. */
export type RouteStop = { distanceM: number; dwellS: number } | { lat: number; lon: number; dwellS: number };

export class Route {
  readonly points: readonly LatLon[];
  /** Distance from the start to each point, metres; the last is the length. */
  readonly #cumulative: number[];

  /**
   * `closed`: the bus goes round and round, so the way from the last point back to the first is
   * part of the route (added when the shape does not already end where it began).
   */
  constructor(points: readonly LatLon[], options: { closed?: boolean } = {}) {
    const usable = points.filter((p, i) => i === 0 || haversineM(points[i - 1]!, p) > 0);
    if (usable.length < 2) throw new RangeError('a route needs at least two distinct points');
    for (const [lat, lon] of usable) {
      if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) throw new RangeError(`not a position: [${lat}, ${lon}]`);
    }
    if (options.closed && haversineM(usable[0]!, usable[usable.length - 1]!) > 0.5) usable.push(usable[0]!);
    this.points = usable;
    this.#cumulative = [0];
    for (let i = 1; i < usable.length; i++) this.#cumulative.push(this.#cumulative[i - 1]! + haversineM(usable[i - 1]!, usable[i]!));
  }

  get lengthM(): number {
    return this.#cumulative[this.#cumulative.length - 1]!;
  }

  /** The point `distanceM` along the route (clamped to its ends). */
  at(distanceM: number): RoutePoint {
    const d = Math.min(Math.max(distanceM, 0), this.lengthM);
    let i = 1;
    while (i < this.points.length - 1 && this.#cumulative[i]! < d) i++;
    const a = this.points[i - 1]!;
    const b = this.points[i]!;
    const span = this.#cumulative[i]! - this.#cumulative[i - 1]!;
    const f = span > 0 ? (d - this.#cumulative[i - 1]!) / span : 0;
    return { lat: a[0] + (b[0] - a[0]) * f, lon: a[1] + (b[1] - a[1]) * f, courseDeg: bearingDeg(a, b) };
  }

  /**
   * How far along the route the point nearest to `p` is (a stop's position from stops.txt onto a
   * shape). Each segment is flattened around its own start (equirectangular), ample at stop scale.
   */
  project(p: LatLon): number {
    let best = { distance: Number.POSITIVE_INFINITY, along: 0 };
    for (let i = 1; i < this.points.length; i++) {
      const a = this.points[i - 1]!;
      const b = this.points[i]!;
      const k = Math.cos(a[0] * RAD);
      const bx = (b[1] - a[1]) * k;
      const by = b[0] - a[0];
      const px = (p[1] - a[1]) * k;
      const py = p[0] - a[0];
      const len2 = bx * bx + by * by;
      const t = len2 > 0 ? Math.min(1, Math.max(0, (px * bx + py * by) / len2)) : 0;
      const distance = Math.hypot(px - t * bx, py - t * by);
      if (distance < best.distance) {
        best = { distance, along: this.#cumulative[i - 1]! + t * (this.#cumulative[i]! - this.#cumulative[i - 1]!) };
      }
    }
    return best.along;
  }
}

/** Where the bus is after a step, and how it moved during it. */
export interface BusState extends RoutePoint {
  /** Distance along the route, metres (within the current lap). */
  distanceM: number;
  /** Average speed over the last step, m/s (0 while dwelling or at the end of an open route). */
  speedMps: number;
  /** True while the bus waits at a stop. */
  dwelling: boolean;
  /** Laps completed (a closed route). */
  laps: number;
}

/**
 * A bus driving a route at a steady speed and waiting `dwellS` at each stop, stepped by whole
 * simulated seconds. Pure: no clock, no timers.
 */
export class BusMotion {
  readonly route: Route;
  readonly #speedMps: number;
  readonly #closed: boolean;
  /** Stops as distances along the route, in order. */
  readonly #stops: { atM: number; dwellS: number }[];
  #distanceM = 0;
  #laps = 0;
  #nextStop = 0;
  #dwellLeftS = 0;
  #courseDeg: number;

  constructor(route: Route, options: { speedMps: number; stops?: readonly RouteStop[]; closed?: boolean; startM?: number }) {
    if (!(options.speedMps > 0 && options.speedMps < 100)) throw new RangeError(`speedMps must be above 0 and below 100, not ${options.speedMps}`);
    this.route = route;
    this.#speedMps = options.speedMps;
    this.#closed = options.closed ?? false;
    this.#stops = (options.stops ?? [])
      .map((s) => {
        if (!(s.dwellS >= 0)) throw new RangeError(`a stop's dwellS must be ≥ 0, not ${s.dwellS}`);
        return { atM: 'distanceM' in s ? s.distanceM : route.project([s.lat, s.lon]), dwellS: s.dwellS };
      })
      .filter((s) => s.atM >= 0 && s.atM <= route.lengthM)
      .sort((a, b) => a.atM - b.atM);
    this.#distanceM = Math.min(Math.max(options.startM ?? 0, 0), route.lengthM);
    while (this.#nextStop < this.#stops.length && this.#stops[this.#nextStop]!.atM < this.#distanceM) this.#nextStop++;
    this.#courseDeg = route.at(this.#distanceM).courseDeg;
  }

  /** Where the bus is now, without moving it. */
  get state(): BusState {
    return this.#state(0);
  }

  /** Moves the bus on by `seconds` of simulated time. */
  step(seconds = 1): BusState {
    let left = seconds;
    let travelled = 0;
    while (left > 1e-9) {
      if (this.#dwellLeftS > 0) {
        const wait = Math.min(this.#dwellLeftS, left);
        this.#dwellLeftS -= wait;
        left -= wait;
        continue;
      }
      const stop = this.#stops[this.#nextStop];
      const end = stop ? stop.atM : this.route.lengthM;
      const reach = this.#speedMps * left;
      if (this.#distanceM + reach < end) {
        this.#distanceM += reach;
        travelled += reach;
        break;
      }
      const run = end - this.#distanceM;
      travelled += run;
      left -= run / this.#speedMps;
      this.#distanceM = end;
      if (stop) {
        this.#dwellLeftS = stop.dwellS;
        this.#nextStop++;
      } else if (this.#closed) {
        this.#distanceM = 0;
        this.#nextStop = 0;
        this.#laps++;
      } else {
        break; // the end of an open route: the bus stays there
      }
    }
    return this.#state(travelled / seconds);
  }

  #state(speedMps: number): BusState {
    const here = this.route.at(this.#distanceM);
    // A bus standing still keeps the heading it had; a receiver's course over ground would wander.
    if (speedMps > 0) this.#courseDeg = here.courseDeg;
    return { ...here, courseDeg: this.#courseDeg, distanceM: this.#distanceM, speedMps, dwelling: this.#dwellLeftS > 0, laps: this.#laps };
  }
}
