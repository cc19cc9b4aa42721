/**
 * Prediction: from where the vehicle is, stop by stop through its run and its block's next runs up
 * to the horizon, each segment's learned running time (the share of it left, for the first) and
 * each stop's learned dwell (history.ts; the timetable's until learned); a vehicle standing still
 * for long waits about as long again (STAND); a run's first stop is left at its time plus the usual
 * lag there, or a minimum layover after a late arrival. The times are then shown a little early,
 * more so further ahead (passengerSafeShiftMs): a product decision.
 */
import { tripPath } from '../geometry.js';
import { nextInBlock, scheduledArrival, scheduledDeparture, type TripRun } from '../schedule.js';
import type { ModelContext } from './context.js';
import { MATCH, STAND, type Prediction } from './types.js';
import { allowed, nextStop, status, type Vehicle } from './vehicle.js';

/**
 * How much earlier than expected a time is shown, ms, for a time `leadMs` ahead of now: a product
 * decision — show slightly early, never late. The ETA Accuracy Benchmark (REFERENCES.md, score.ts)
 * rightly tolerates a bus coming later than shown far more than one coming earlier (an early bus is
 * missed, a late one costs a wait): its windows of actual − predicted are −30…+90 s (lead 0–3 min),
 * −60…+150 (3–6), −60…+210 (6–10), −90…+270 (10–15). A prediction that is right on average is best
 * shown at the window's centre, so the shown time is the expected one minus about 30, 45, 75, 90 s
 * at those leads (20 s + a tenth of the lead runs through those centres: 29 s at 1.5 min, 47 at
 * 4.5, 68 at 8, 95 at 12.5), at most 90 s (the last window's centre) further out, and never more
 * than the lead itself (a time is not shown in the past). Its slope is at most 1, so later expected
 * times are never shown earlier: times along a trip keep their order.
 */
export function passengerSafeShiftMs(leadMs: number): number {
  if (!(leadMs > 0)) return 0;
  return Math.min(leadMs, SHIFT.baseMs + leadMs * SHIFT.perLead, SHIFT.maxMs);
}

const SHIFT = { baseMs: 20_000, perLead: 0.1, maxMs: 90_000 } as const;

/**
 * The least time a bus arriving late at its terminus stays before it leaves on the block's next
 * trip (the driver gets out, the sign changes): the few late arrivals on the tuning traces left
 * after 1 to 2.5 min. A bus on time waits for its timetable instead.
 */
const MIN_LAYOVER_MS = 60_000;

/**
 * Predicted arrivals and departures at the stops ahead of a vehicle, through its block's next
 * runs, up to the horizon from `now`; none when the vehicle is not to be trusted (EtaModel's doc).
 */
export function predict(m: ModelContext, v: Vehicle, now: number): Prediction[] {
  if (!v.run || !v.path || !v.lastFix) return [];
  const state = status(v, now);
  if (state !== 'in-progress' && state !== 'layover') return [];
  const out: Prediction[] = [];
  const horizon = now + MATCH.horizonMs;
  let run = v.run;
  let path = v.path;
  let t = v.lastFix.time;
  let variance = 0;
  let i = nextStop(v);
  if (i === null) return [];
  // From the current place to the next stop: the share of the segment left.
  let firstLeg = true;
  // Standing still long (STAND): as long again to wait, before it moves on (or leaves the stop it is at).
  const standFor = v.lastFix.time - v.moved.time;
  const standMs = standFor >= STAND.afterMs ? Math.min(STAND.capMs, standFor) : 0;
  let firstRun = true;
  for (;;) {
    const st = run.trip.stopTimes;
    const sd = path.stopDist;
    for (; i < st.length; i++) {
      let arrival: number;
      if (i === 0) arrival = t;
      else if (firstLeg && v.arrived.has(i) && Number.isFinite(v.arrived.get(i)!)) arrival = v.arrived.get(i)!;
      else {
        const est = runTime(m, run, i, t);
        const span = sd[i]! - sd[i - 1]!;
        const share = firstLeg && span > 0 ? Math.min(1, Math.max(0, (sd[i]! - v.d) / span)) : 1;
        arrival = t + share * est.mean * 1000 + (firstLeg ? standMs : 0);
        variance += share * est.variance;
      }
      firstLeg = false;
      let departure = arrival;
      if (i < st.length - 1) {
        const dwell = i === 0 ? 0 : dwellTime(m, run, i, arrival);
        departure = arrival + dwell * 1000;
        // A terminus or a timing point with a wait in the timetable: not before its time.
        const holds = i === 0 || st[i]!.departure > st[i]!.arrival;
        // A run's first stop (its terminus): the bus leaves its usual lag after its time, and one
        // coming in late from the block's previous run only after a minimum layover.
        if (i === 0 && !firstRun) departure += MIN_LAYOVER_MS;
        if (holds) departure = Math.max(departure, scheduledDeparture(run, i) + (i === 0 ? startLag(m, run, arrival) : 0));
        if (firstRun && v.departed.has(i) && i === 0) departure = t;
        if (out.length === 0) departure = Math.max(departure, v.lastFix.time + (i > 0 ? standMs : 0));
      }
      out.push({
        vehicleId: v.id,
        runKey: run.key,
        tripId: run.trip.id,
        routeId: run.trip.routeId,
        serviceDate: run.serviceDate,
        stopId: st[i]!.stopId,
        stopSequence: st[i]!.stopSequence,
        index: i,
        scheduledArrival: scheduledArrival(run, i),
        scheduledDeparture: scheduledDeparture(run, i),
        // What is shown: a little early (passengerSafeShiftMs), the same rule for both.
        arrival: Math.round(arrival - passengerSafeShiftMs(arrival - now)),
        departure: Math.round(departure - passengerSafeShiftMs(departure - now)),
        expectedArrival: Math.round(arrival),
        expectedDeparture: Math.round(departure),
        uncertainty: Math.round(Math.sqrt(variance)),
        basedOn: v.lastFix.time,
      });
      t = departure;
      if (arrival > horizon) return out;
    }
    const next = nextInBlock(m.feed, run).find((r) => allowed(v, r));
    const nextPath = next ? tripPath(m.feed, next.trip) : null;
    if (!next || !nextPath) return out;
    run = next;
    path = nextPath;
    i = 0;
    firstRun = false;
  }
}

/** The running time of the segment into stop `i`: mean (s) and variance (s²); the timetable's until learned. */
function runTime(m: ModelContext, run: TripRun, i: number, at: number): { mean: number; variance: number } {
  const st = run.trip.stopTimes;
  const { dayType, hour } = m.clock.when(at);
  const est = m.history.estimate('run', `${st[i - 1]!.stopId}>${st[i]!.stopId}`, dayType, hour, at);
  if (est) return est;
  const scheduled = Math.max(0, st[i]!.arrival - st[i - 1]!.departure);
  return { mean: scheduled, variance: Math.max(25, (scheduled * 0.25) ** 2) };
}

/** How long after its scheduled time a run usually leaves its first stop, ms (0 until learned). */
function startLag(m: ModelContext, run: TripRun, at: number): number {
  const { dayType, hour } = m.clock.when(at);
  const est = m.history.estimate('start', run.trip.stopTimes[0]!.stopId, dayType, hour, at);
  return est ? est.mean * 1000 : 0;
}

/** How long a bus stands at stop `i`, seconds (the timetable's until learned). */
function dwellTime(m: ModelContext, run: TripRun, i: number, at: number): number {
  const st = run.trip.stopTimes[i]!;
  const { dayType, hour } = m.clock.when(at);
  const est = m.history.estimate('dwell', st.stopId, dayType, hour, at);
  return est ? est.mean : st.departure - st.arrival;
}
