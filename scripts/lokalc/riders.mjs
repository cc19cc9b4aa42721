/**
 * The demo's Lokal'c riders: wherever a bus stands with its doors open (drive.mjs `blockStands`),
 * how many get off and then on, at which door, and when — written ahead as the visit timeline its
 * simulated doors play (hardware/door/timeline.ts: `doors: { kind: 'simulated', visits }`), beside
 * the NMEA log buses.mjs writes. The doors walk each visit's passengers through the beams, so the
 * agent's real counter and apc module count them and send `apc` records over the real outbox and
 * MQTT: the fleet's ridership and loads come from the same path a real bus's would.
 *
 * Made up, seeded (the same block, start and seed give the same timeline):
 *   - boardings: a Poisson number around a mean that grows with the stop (the bus station, where
 *     the routes start and end, three times a quiet stop; a stop two routes share, twice) and the
 *     hour (weekday peaks 6–8 and 13–16, the shifts and schools; evenings and weekends quieter),
 *     never more than the bus has room for;
 *   - alightings: each rider on board gets off here with the stop's share of what is left of the
 *     trip (busy stops more), so never more than are on board; where a trip ends (the bus station,
 *     or the far end of a route) everyone gets off;
 *   - doors: most get on at the front (door 1), most get off at the middle (door 2);
 *   - timing: the doors open two seconds after the bus stops, and each door's visit is fitted,
 *     with the very plan the simulated door will walk (`walkMs`: timeline.ts `visitWalkMs`), to end
 *     before the doors close a second before the bus leaves (fewer board when the dwell is short).
 *     At a terminus, the arriving riders get off first and the next trip's get on just before it
 *     leaves, two visits (one when the layover is too short to tell them apart).
 *
 * The agent's apc module ends a stop visit after `visitQuietS` without a crossing (VISIT_QUIET_S
 * here, set in the demo's agent configs): the visits of two stands are never closer than that and
 * a margin (a stand's doors open no sooner), and the crossings of one visit are never that far
 * apart, so each stand gives exactly one `apc` record (a long layover two).
 *
 * The load starts at 0 when the timeline starts, as the agent's count does when it starts.
 */
import fs from 'node:fs';
import { blockStands, generator, localDate } from './drive.mjs';

/** The demo's apc `visitQuietS`: a stop visit ends after this long without a crossing (s). */
export const VISIT_QUIET_S = 15;
/** From the bus stopping to the doors open, and from the doors closed to the bus leaving (ms). */
const DOORS_OPEN_MS = 2000;
const DOORS_CLOSE_MS = 1000;
/** Before a block's first trip, riders get on in this last stretch before it leaves (ms). */
const FIRST_BOARDING_MS = 3 * 60_000;
/**
 * The agents have started and their doors listen this long after the timelines are written (ms):
 * the demo writes every bus's logs before it starts their agents, a second or so each.
 */
const JOIN_MS = 10_000;
/** After the block's last trip, the doors stay open this long (ms). */
const LAST_STAND_MS = 10 * 60_000;
/** Two stands' visits are at least the quiet time and this apart; a layover splits in two when it leaves this much more (ms). */
const QUIET_MARGIN_MS = 3000;
const SPLIT_MARGIN_MS = 10_000;
/** Mean boardings at a quiet stop at an ordinary hour. */
const BASE_BOARDINGS = 1;
const DAY_MS = 86_400_000;

/** How busy the hour is (local hour 0–23): the weekday's two peaks. */
const WEEKDAY_HOURS = [0.3, 0.3, 0.3, 0.3, 0.3, 0.7, 1.8, 1.8, 1.1, 0.9, 0.9, 0.9, 1.1, 1.7, 1.7, 1.7, 1.2, 1.2, 0.9, 0.6, 0.6, 0.4, 0.4, 0.3];


function poisson(mean, random) {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

function binomial(n, p, random) {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

const weightsCache = new WeakMap();

/**
 * A stop's pull: 3 at the bus station (where the routes start and end), 2 where two or more
 * routes meet, 1.5 at the far end of one route, else 1.
 */
export function stopWeights(feed) {
  let w = weightsCache.get(feed);
  if (w) return w;
  const routes = new Map();
  const termini = new Set();
  for (const t of feed.trips.values()) {
    termini.add(t.stopTimes[0].stopId).add(t.stopTimes.at(-1).stopId);
    for (const st of t.stopTimes) {
      if (!routes.has(st.stopId)) routes.set(st.stopId, new Set());
      routes.get(st.stopId).add(t.routeId);
    }
  }
  w = new Map([...routes].map(([id, r]) => [id, termini.has(id) ? (r.size > 1 ? 3 : 1.5) : r.size > 1 ? 2 : 1]));
  weightsCache.set(feed, w);
  return w;
}

/** How busy the time is: the hour of day, weekends quieter and without peaks. */
const hourFormats = new Map();
export function hourFactor(ms, timeZone) {
  const date = localDate(ms, timeZone);
  if (!hourFormats.has(timeZone)) hourFormats.set(timeZone, new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }));
  const hour = Number(hourFormats.get(timeZone).format(ms));
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  const f = WEEKDAY_HOURS[hour] ?? 1;
  return weekday === 0 ? Math.min(f, 1) * 0.5 : weekday === 6 ? Math.min(f, 1) * 0.7 : f;
}

/**
 * The riders of the bus on `blockId` from `fromMs` (rounded up to the whole second) for `seconds`:
 * each stand with its alightings, boardings and the load it leaves, and its door visits. A stand
 * under way at the start gets riders in what is left of its dwell, from 10 s in (the agent
 * starting). `walkMs(visit)` is how long the simulated door takes to walk a visit's
 * passengers through (timeline.ts `visitWalkMs`).
 */
export function planRiders({ feed, blockId, fromMs, seconds, walkMs, seed = 1, capacity = 60, doors = [1, 2], quietS = VISIT_QUIET_S }) {
  const start = Math.ceil(fromMs / 1000) * 1000;
  const end = start + seconds * 1000;
  const result = { fromMs: start, toMs: end, stands: [], visits: [] };
  if (!blockId) return result;
  const weights = stopWeights(feed);
  const weight = (stopId) => weights.get(stopId) ?? 1;
  const stands = [];
  for (let day = localDate(start - DAY_MS, feed.timeZone); day <= localDate(end, feed.timeZone); day = nextDate(day)) {
    stands.push(...blockStands(feed, blockId, day, { seed }));
  }
  const front = doors[0];
  const middle = doors[1] ?? doors[0];
  let onboard = 0;
  // the doors listen some seconds after the timeline is written: nothing sooner
  let notBefore = start + JOIN_MS;
  for (const stand of stands) {
    const opens = (stand.arriveMs ?? stand.departMs - FIRST_BOARDING_MS) + DOORS_OPEN_MS;
    const close = stand.departMs === null ? opens + LAST_STAND_MS : stand.departMs - DOORS_CLOSE_MS;
    if (opens >= end) continue;
    // no sooner than the quiet time after the stand before, so that the agent closes that visit
    // first; a stand under way at the start gets riders in what is left of its dwell
    const open = Math.max(opens, notBefore);
    if (open >= close) continue;
    const random = generator(`${seed}|${blockId}|${stand.stopId}|${opens}`);
    const ends = stand.alight !== null && stand.alight.tripId !== stand.board?.tripId;
    let alightings = 0;
    if (stand.alight) alightings = ends ? onboard : binomial(onboard, alightShare(feed, stand, weight), random);
    let boardings = 0;
    if (stand.board) {
      const mean = BASE_BOARDINGS * weight(stand.stopId) * hourFactor(stand.departMs ?? open, feed.timeZone);
      boardings = Math.min(poisson(mean, random), Math.max(0, capacity - (onboard - alightings)));
    }
    const split = (n, pFront) => {
      if (front === middle) return new Map([[front, n]]);
      const atFront = binomial(n, pFront, random);
      return new Map([[front, atFront], [middle, n - atFront]]);
    };
    const off = split(alightings, 0.4);
    const on = split(boardings, 0.65);
    const seedOf = () => Math.floor(random() * 4294967296);
    const visit = (door, at, b, a) => ({ at: Math.round(at), door, boardings: b, alightings: a, seed: seedOf() });
    let planned = [];
    // A layover: the arriving trip's riders off now, the next trip's on just before it leaves (one
    // visit when the two would come too close for the agent to tell them apart; and one as soon as
    // the doors are counted when the layover was under way at the start).
    if (ends && stand.board && stand.departMs !== null && open === opens) {
      const offVisits = [...off].filter(([, n]) => n > 0).map(([door, n]) => fit(visit(door, open + random() * 500, 0, n), close, walkMs));
      const onVisits = [...on].filter(([, n]) => n > 0).map(([door, n]) => fitBefore(visit(door, open, n, 0), open, close - random() * 3000, walkMs));
      const offEnd = Math.max(...offVisits.map((v) => v.at + walkMs(v)));
      const onStart = Math.min(...onVisits.map((v) => v.at));
      if (!offVisits.length || !onVisits.length || onStart - offEnd >= quietS * 1000 + SPLIT_MARGIN_MS) planned = [...offVisits, ...onVisits];
    }
    if (!planned.length) {
      for (const door of new Set([front, middle])) {
        const b = on.get(door) ?? 0;
        const a = off.get(door) ?? 0;
        if (a + b === 0) continue;
        const v = visit(door, 0, b, a);
        // riders only getting on before a first departure come in the last minutes, not at once
        planned.push(stand.arriveMs === null ? fitBefore(v, open, close - random() * 3000, walkMs) : fit({ ...v, at: Math.round(open + random() * 500) }, close, walkMs));
      }
    }
    planned = planned.filter((v) => v.boardings + v.alightings > 0 && v.at >= start && v.at + walkMs(v) < end);
    if (!planned.length) continue;
    const got = planned.reduce((s, v) => ({ on: s.on + v.boardings, off: s.off + v.alightings }), { on: 0, off: 0 });
    onboard += got.on - got.off;
    planned.sort((x, y) => x.at - y.at || x.door - y.door);
    notBefore = Math.max(...planned.map((v) => v.at + walkMs(v))) + quietS * 1000 + QUIET_MARGIN_MS;
    result.stands.push({
      stopId: stand.stopId,
      arriveMs: stand.arriveMs,
      departMs: stand.departMs,
      alight: stand.alight,
      board: stand.board,
      alightings: got.off,
      boardings: got.on,
      onboard,
      visits: planned,
    });
    result.visits.push(...planned);
  }
  return result;
}

/** The share of the riders on board who get off at this stand: its weight among the stops left of the trip. */
function alightShare(feed, stand, weight) {
  const trip = feed.trips.get(stand.alight.tripId);
  const k = trip.stopTimes.findIndex((st) => st.stopSequence === stand.alight.stopSequence);
  let left = 0;
  for (const st of trip.stopTimes.slice(k)) if (st.dropOffType !== 1) left += weight(st.stopId);
  return left > 0 ? weight(stand.stopId) / left : 1;
}

/** The visit with as few left behind as it takes to be through the door by `close`: boardings go first (they wait for the next bus), then alightings (they ride on). */
function fit(visit, close, walkMs) {
  const v = { ...visit };
  while (v.boardings + v.alightings > 0 && v.at + walkMs(v) > close) {
    if (v.boardings > 0) v.boardings--;
    else v.alightings--;
  }
  return v;
}

/** The visit placed to end by `close`, starting no sooner than `open` (fewer riders if it must). */
function fitBefore(visit, open, close, walkMs) {
  const v = { ...visit };
  for (;;) {
    v.at = Math.round(close - walkMs(v));
    if (v.at >= open || v.boardings + v.alightings === 0) return { ...v, at: Math.max(v.at, Math.round(open)) };
    if (v.boardings > 0) v.boardings--;
    else v.alightings--;
  }
}

function nextDate(date) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/**
 * Writes the visit timeline of the bus on `blockId` (null: a spare at the bus station, no visits)
 * from `fromMs` for `seconds`, as JSON lines, to `file` by way of a temp file and a rename (the
 * doors never read half a timeline). Returns what planRiders planned.
 */
export function writeVisitLog({ file, ...options }) {
  const riders = planRiders(options);
  const lines = [`# Lokal'c demo: riders of ${options.blockId ?? 'no block (at the bus station)'} from ${new Date(riders.fromMs).toISOString()}, written ${new Date().toISOString()}\n`];
  for (const v of riders.visits) lines.push(`${JSON.stringify({ at: new Date(v.at).toISOString(), door: v.door, boardings: v.boardings, alightings: v.alightings, seed: v.seed })}\n`);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, lines.join(''));
  fs.renameSync(tmp, file);
  return riders;
}
