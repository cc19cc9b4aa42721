/**
 * Where a demo bus is: given a parsed GTFS feed (protocols/gtfs `parseGtfsZip(...).feed`), a block
 * and an instant, the position of the bus running that block — on its trip's shape, standing at a
 * stop, laying over at a terminus, or not yet (no longer) in service — as a real one would drive it.
 *
 * Pure and deterministic: the same feed, block, instant and seed give the same answer, whatever
 * was asked before, so a demo can ask once a second, jump ahead, or run faster than the clock. The
 * "realism" is made up from a seeded generator per trip:
 *   - each trip drifts towards a delay of its own, from 1 min early to 4 min late, by way of
 *     running times 30 % shorter to 60 % longer than the timetable's between two stops;
 *   - a bus never leaves a stop more than a minute early, nor a timepoint early at all, and starts
 *     a trip no sooner than a minute after it arrived from the one before (so delay carries over);
 *   - dwells are longer and more varied at busy stops (the ones several lines share, and termini);
 *   - between two stops it accelerates, cruises and brakes (a trapezoid: cruise at 1.25 × the
 *     segment's average speed, a fifth of the time each way to get there and back to 0).
 *
 * ── How scripts/demo.mjs uses it ──────────────────────────────────────────────────────────────
 * The demo builds this feed (build-gtfs.mjs) into its data dir and starts the fleet with it
 * (TABLA_GTFS, site velenje), so the fleet's matching and ETAs see the timetable the buses drive.
 * buses.mjs gives each of its three buses a block of today's service (in service now first, then
 * the next to start; a bus left without one, on a Sunday, stays at the bus station out of
 * service) and samples `busOnBlock` once a second for the next hours into an NMEA log with the wall
 * clock's times, which the bus's agent plays at `rate: 'clock'` (hardware/gnss/replay.ts); and
 * riders.mjs puts riders on and off at each of its `blockStands`, a visit timeline its simulated
 * doors play (hardware/door/timeline.ts). The clock is never shifted: at night no block runs, and
 * the demo says so.
 */

const EARTH_RADIUS_M = 6_371_008.8; // as protocols/geo.ts
const RAD = Math.PI / 180;
const DAY_MS = 86_400_000;
/** A bus is at most this early (s), and aims for a delay between EARLY_S and LATE_S. */
const EARLY_S = 60;
const LATE_S = 240;
/** A late bus still lays over this long at a terminus before its next trip (s). */
const MIN_LAYOVER_S = 60;
/** The share of a segment's time spent accelerating, and again braking. */
const RAMP = 0.2;

function distanceM(a, b) {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function bearingDeg(a, b) {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x = Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD) - Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return (Math.atan2(y, x) / RAD + 360) % 360;
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

// ── service days (the GTFS rule: a day starts at local noon minus 12 h) ─────────────────────────

const formatters = new Map();
function wallClock(ms, timeZone) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const p = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return p;
}
const offsetMs = (ms, timeZone) => {
  const w = wallClock(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (((ms % 1000) + 1000) % 1000));
};
/** The local date of an instant, YYYY-MM-DD. */
export function localDate(ms, timeZone) {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
/** When a service date's day starts (local noon minus 12 h), ms. */
export function serviceDayStart(date, timeZone) {
  const guess = Date.parse(`${date}T12:00:00Z`);
  return guess - offsetMs(guess - offsetMs(guess, timeZone), timeZone) - 12 * 3_600_000;
}
const addDays = (date, days) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

function runs(feed, serviceId, date) {
  const added = feed.calendarDates.get(date)?.get(serviceId);
  if (added !== undefined) return added === 1;
  const c = feed.calendars.get(serviceId);
  return !!c && c.weekdays[new Date(`${date}T00:00:00Z`).getUTCDay()] && c.startDate <= date && date <= c.endDate;
}

// ── blocks ──────────────────────────────────────────────────────────────────────────────────────

/** The trips of a block that run on a service date (YYYY-MM-DD), in the order the bus drives them. */
export function blockTrips(feed, blockId, date) {
  const trips = [];
  for (const t of feed.trips.values()) if (t.blockId === blockId && t.frequencies.length === 0 && runs(feed, t.serviceId, date)) trips.push(t);
  return trips.sort((a, b) => a.stopTimes[0].departure - b.stopTimes[0].departure);
}

/** The blocks that run on a service date: their routes and first departure and last arrival (s of the day). */
export function blocksOn(feed, date) {
  const byBlock = new Map();
  for (const t of feed.trips.values()) {
    if (t.blockId === undefined || t.frequencies.length || !runs(feed, t.serviceId, date)) continue;
    let b = byBlock.get(t.blockId);
    if (!b) byBlock.set(t.blockId, (b = { blockId: t.blockId, routeIds: [], first: Infinity, last: -Infinity }));
    if (!b.routeIds.includes(t.routeId)) b.routeIds.push(t.routeId);
    b.first = Math.min(b.first, t.stopTimes[0].departure);
    b.last = Math.max(b.last, t.stopTimes.at(-1).arrival);
  }
  return [...byBlock.values()].sort((a, b) => a.first - b.first || a.blockId.localeCompare(b.blockId));
}

/**
 * A block for each route, for the demo's buses: on the service day of `at`, one not taken yet
 * that serves the route, in service at `at` if one is, else the one starting soonest; null when
 * the route does not run that day (or its blocks are taken).
 */
export function demoBlocks(feed, at, routeIds = ['rumena', 'rdeca', 'modra']) {
  const ms = at.getTime();
  const date = localDate(ms, feed.timeZone);
  const now = (ms - serviceDayStart(date, feed.timeZone)) / 1000;
  const blocks = blocksOn(feed, date);
  const taken = new Set();
  return routeIds.map((routeId) => {
    const rank = (b) => (b.first <= now && now <= b.last ? 0 : b.first > now ? 1 : 2);
    const candidates = blocks.filter((b) => b.routeIds.includes(routeId) && !taken.has(b.blockId));
    candidates.sort((a, b) => rank(a) - rank(b) || a.first - b.first);
    const pick = candidates[0]?.blockId ?? null;
    if (pick) taken.add(pick);
    return { routeId, blockId: pick };
  });
}

// ── geometry ────────────────────────────────────────────────────────────────────────────────────

const geometryCache = new WeakMap();

/** A trip's path (its shape, else its stops joined) with each stop's distance along it. */
function tripGeometry(feed, trip) {
  let perFeed = geometryCache.get(feed);
  if (!perFeed) geometryCache.set(feed, (perFeed = new Map()));
  const key = `${trip.shapeId ?? `trip:${trip.id}`}|${trip.stopTimes.map((s) => s.stopId).join(',')}`;
  let geo = perFeed.get(key);
  if (geo) return geo;
  const stops = trip.stopTimes.map((s) => feed.stops.get(s.stopId));
  const shape = trip.shapeId !== undefined ? feed.shapes.get(trip.shapeId) : undefined;
  const raw = shape && shape.points.length >= 2 ? shape.points : stops.map((s) => ({ lat: s.lat, lon: s.lon }));
  const points = [];
  let along = 0;
  for (const p of raw) {
    if (points.length) along += distanceM(points.at(-1), p);
    points.push({ lat: p.lat, lon: p.lon, d: along });
  }
  const stopM = [];
  let from = 0;
  for (const s of stops) {
    const { segment, d } = project(points, s, from);
    stopM.push(Math.max(d, stopM.at(-1) ?? 0));
    from = segment;
  }
  geo = { points, stopM };
  perFeed.set(key, geo);
  return geo;
}

/**
 * Where along the path a stop is, searching forwards from segment `from` (a loop passes its
 * terminus twice): the first segment within 25 m and the nearer ones right after it, else the
 * nearest of all the rest.
 */
function project(points, p, from) {
  let best = null;
  for (let i = Math.max(1, from); i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const k = Math.cos(a.lat * RAD);
    const bx = (b.lon - a.lon) * k;
    const by = b.lat - a.lat;
    const px = (p.lon - a.lon) * k;
    const py = p.lat - a.lat;
    const len2 = bx * bx + by * by;
    const t = len2 > 0 ? clamp((px * bx + py * by) / len2, 0, 1) : 0;
    const off = Math.hypot(px - t * bx, py - t * by) * RAD * EARTH_RADIUS_M;
    const here = { segment: i, d: a.d + t * (b.d - a.d), off };
    if (best && best.off < 25 && here.off >= best.off) break;
    if (!best || here.off < best.off) best = here;
  }
  return best ?? { segment: from, d: points.at(-1).d };
}

function pointAt(points, d) {
  let i = 1;
  while (i < points.length - 1 && points[i].d < d) i++;
  const a = points[i - 1];
  const b = points[i];
  const f = b.d > a.d ? clamp((d - a.d) / (b.d - a.d), 0, 1) : 0;
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f, courseDeg: bearingDeg(a, b) };
}

// ── the day as driven ───────────────────────────────────────────────────────────────────────────

/** A small seeded generator (mulberry32), seeded from a string: the same text, the same numbers. */
export function generator(text) {
  let a = 2166136261;
  for (let i = 0; i < text.length; i++) a = Math.imul(a ^ text.charCodeAt(i), 16777619);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Busy: a stop two or more routes share, or where a trip starts or ends. */
function busyStops(feed) {
  const routes = new Map();
  const termini = new Set();
  for (const t of feed.trips.values()) {
    termini.add(t.stopTimes[0].stopId).add(t.stopTimes.at(-1).stopId);
    for (const st of t.stopTimes) {
      let set = routes.get(st.stopId);
      if (!set) routes.set(st.stopId, (set = new Set()));
      set.add(t.routeId);
    }
  }
  return new Set([...termini, ...[...routes].filter(([, r]) => r.size > 1).map(([id]) => id)]);
}

const dayCache = new WeakMap();

/** Every trip of the block on the date with its actual arrivals and departures (s of the day). */
function drivenDay(feed, blockId, date, seed) {
  let perFeed = dayCache.get(feed);
  if (!perFeed) dayCache.set(feed, (perFeed = { busy: busyStops(feed), days: new Map() }));
  const key = `${blockId}|${date}|${seed}`;
  let day = perFeed.days.get(key);
  if (day) return day;
  let lastArrival = -Infinity;
  const trips = blockTrips(feed, blockId, date).map((trip) => {
    const random = generator(`${seed}|${blockId}|${date}|${trip.id}`);
    const st = trip.stopTimes;
    const arr = new Array(st.length);
    const dep = new Array(st.length);
    dep[0] = Math.max(st[0].departure + random() * 20, lastArrival + MIN_LAYOVER_S);
    arr[0] = Math.min(dep[0], Number.isFinite(lastArrival) ? lastArrival : dep[0]);
    const target = -EARLY_S + (EARLY_S + LATE_S) * random() ** 1.6;
    let delay = dep[0] - st[0].departure;
    for (let k = 1; k < st.length; k++) {
      const planned = Math.max(1, st[k].arrival - st[k - 1].departure);
      const want = clamp(delay + (target - delay) * 0.35 + (random() * 2 - 1) * 25, -EARLY_S, LATE_S);
      const run = clamp(planned + want - delay, 0.7 * planned, 1.6 * planned);
      arr[k] = dep[k - 1] + run;
      if (k === st.length - 1) {
        dep[k] = arr[k];
        break;
      }
      const dwell = st[k].departure - st[k].arrival;
      const extra = perFeed.busy.has(st[k].stopId) ? 5 + random() * 40 : -8 + random() * 18;
      // a late driver cuts the dwell short (never below 5 s); an early one waits
      const leave = Math.min(arr[k] + Math.max(5, dwell + extra), Math.max(st[k].departure + LATE_S, arr[k] + 5));
      dep[k] = Math.max(leave, st[k].departure - (st[k].timepoint ? 0 : EARLY_S));
      delay = dep[k] - st[k].departure;
    }
    lastArrival = arr.at(-1);
    return { trip, arr, dep, geometry: tripGeometry(feed, trip) };
  });
  day = { date, start: serviceDayStart(date, feed.timeZone), trips };
  perFeed.days.set(key, day);
  return day;
}

/** Distance share covered at time share u of a segment, and the speed factor there (trapezoid). */
function profile(u) {
  const vmax = 1 / (1 - RAMP);
  if (u < RAMP) return { s: (vmax * u * u) / (2 * RAMP), v: (vmax * u) / RAMP };
  if (u > 1 - RAMP) return { s: 1 - (vmax * (1 - u) ** 2) / (2 * RAMP), v: (vmax * (1 - u)) / RAMP };
  return { s: vmax * (RAMP / 2 + u - RAMP), v: vmax };
}

/**
 * Where the bus on `blockId` is at `at`: null when the block runs neither on the service day of
 * `at` nor on the day before (a trip past 24:00). `seed` varies the day's delays (1).
 */
export function busOnBlock(feed, blockId, at, options = {}) {
  const seed = options.seed ?? 1;
  const ms = at.getTime();
  const today = localDate(ms, feed.timeZone);
  let day = null;
  for (const date of [addDays(today, -1), today]) {
    const d = drivenDay(feed, blockId, date, seed);
    if (!d.trips.length) continue;
    const t = (ms - d.start) / 1000;
    // yesterday's day only if it still reaches now; today's in any case
    if (date === today || t <= d.trips.at(-1).arr.at(-1)) {
      day = d;
      break;
    }
  }
  if (!day) return null;
  const t = (ms - day.start) / 1000;
  const trips = day.trips;
  const base = { blockId, serviceDate: day.date };
  const standing = (i, k, status) => {
    const { trip, arr, geometry } = trips[i];
    const st = trip.stopTimes[k];
    const here = pointAt(geometry.points, geometry.stopM[k]);
    // a bus standing still keeps the heading it arrived with (the segment before, if any)
    const course = k > 0 ? pointAt(geometry.points, Math.max(0, geometry.stopM[k] - 1)).courseDeg : i > 0 ? lastCourse(trips[i - 1]) : here.courseDeg;
    return {
      ...base,
      status,
      tripId: trip.id,
      routeId: trip.routeId,
      directionId: trip.directionId,
      stopId: st.stopId,
      stopSequence: st.stopSequence,
      lat: here.lat,
      lon: here.lon,
      courseDeg: course,
      speedMps: 0,
      distanceM: geometry.stopM[k],
      delayS: Math.round((k === 0 ? trips[i].dep[0] - st.departure : arr[k] - st.arrival) * 10) / 10,
      dwelling: true,
    };
  };
  if (t < trips[0].dep[0]) return standing(0, 0, 'before-service');
  for (let i = 0; i < trips.length; i++) {
    const { trip, arr, dep, geometry } = trips[i];
    const n = trip.stopTimes.length;
    if (t > arr[n - 1]) continue;
    if (t < dep[0]) return standing(i, 0, 'layover');
    let k = 0;
    while (k < n - 1 && t >= arr[k + 1]) k++;
    if (k === n - 1 || t < dep[k]) return standing(i, k, k === n - 1 ? 'layover' : 'at-stop');
    const u = (t - dep[k]) / (arr[k + 1] - dep[k]);
    const { s, v } = profile(u);
    const from = geometry.stopM[k];
    const span = geometry.stopM[k + 1] - from;
    const here = pointAt(geometry.points, from + s * span);
    const a = trip.stopTimes[k];
    const b = trip.stopTimes[k + 1];
    const delay = dep[k] - a.departure + u * (arr[k + 1] - b.arrival - (dep[k] - a.departure));
    return {
      ...base,
      status: 'in-transit',
      tripId: trip.id,
      routeId: trip.routeId,
      directionId: trip.directionId,
      stopId: b.stopId,
      stopSequence: b.stopSequence,
      lat: here.lat,
      lon: here.lon,
      courseDeg: here.courseDeg,
      speedMps: (v * span) / (arr[k + 1] - dep[k]),
      distanceM: from + s * span,
      delayS: Math.round(delay * 10) / 10,
      dwelling: false,
    };
  }
  const last = trips.length - 1;
  return standing(last, trips[last].trip.stopTimes.length - 1, 'after-service');
}

/**
 * Where the bus on `blockId` stands on a service date (YYYY-MM-DD) with its doors open, in the
 * order it stands there, as busOnBlock drives it: each stop of each trip between arriving and
 * leaving, and at a terminus from the end of one trip to the start of the next (one stand when the
 * next trip starts where the last one ended). A stand says whose riders may get off there (the trip
 * it ends or passes, unless the stop is pick-up only) and onto which trip riders get on (unless
 * drop-off only). Times in ms; `arriveMs` null before the block's first trip (standing since
 * before service), `departMs` null after its last.
 */
export function blockStands(feed, blockId, date, options = {}) {
  const day = drivenDay(feed, blockId, date, options.seed ?? 1);
  const ms = (s) => Math.round(day.start + s * 1000);
  const ref = (trip, k) => ({ tripId: trip.id, routeId: trip.routeId, stopSequence: trip.stopTimes[k].stopSequence });
  const off = (trip, k) => (trip.stopTimes[k].dropOffType === 1 ? null : ref(trip, k));
  const on = (trip, k) => (trip.stopTimes[k].pickupType === 1 ? null : ref(trip, k));
  const stands = [];
  day.trips.forEach(({ trip, arr, dep }, i) => {
    const st = trip.stopTimes;
    const n = st.length;
    const before = day.trips[i - 1];
    if (!before) stands.push({ stopId: st[0].stopId, arriveMs: null, departMs: ms(dep[0]), alight: null, board: on(trip, 0) });
    else {
      const last = before.trip.stopTimes.length - 1;
      const endStop = before.trip.stopTimes[last].stopId;
      const arrived = ms(before.arr[last]);
      if (endStop === st[0].stopId) stands.push({ stopId: endStop, arriveMs: arrived, departMs: ms(dep[0]), alight: off(before.trip, last), board: on(trip, 0) });
      else {
        stands.push({ stopId: endStop, arriveMs: arrived, departMs: arrived, alight: off(before.trip, last), board: null });
        stands.push({ stopId: st[0].stopId, arriveMs: arrived, departMs: ms(dep[0]), alight: null, board: on(trip, 0) });
      }
    }
    for (let k = 1; k < n - 1; k++) stands.push({ stopId: st[k].stopId, arriveMs: ms(arr[k]), departMs: ms(dep[k]), alight: off(trip, k), board: on(trip, k) });
    if (i === day.trips.length - 1) stands.push({ stopId: st[n - 1].stopId, arriveMs: ms(arr[n - 1]), departMs: null, alight: off(trip, n - 1), board: null });
  });
  return stands;
}

function lastCourse({ geometry }) {
  const end = geometry.stopM.at(-1);
  return pointAt(geometry.points, Math.max(0, end - 1)).courseDeg;
}
