/**
 * The ETA model of one feed: which trip run each vehicle is on and how far along it (matching),
 * what it learns from each stop it passes, and when it will reach the stops ahead (prediction).
 * Pure over its inputs — fixes with their own timestamps, the feed, the history — so the live
 * engine and `tabla eta eval` run exactly this code.
 *
 * Matching (TheTransitClock's method, REFERENCES.md): a fix belongs to a run when it lies within
 * 60 m of the run's path, heading its way when moving, at a point the timetable puts the run
 * within −10…+30 min of the fix's time; a matched vehicle is followed along its run (its progress
 * never jumps back, nor ahead faster than a bus can drive) and, at the run's end, onto the next run
 * of its block. A technician's assignment (a trip or a block) or an AVL's own trip/block narrows
 * the candidates; `none` takes a vehicle out of service.
 *
 * A vehicle gets no real-time predictions when it has sent nothing for 6 min, has moved less than
 * 60 m in 8 min (outside a layover before its run's start), or has been off its path for 2 min
 * (a detour or a deadhead: predictions would be nonsense).
 *
 * Prediction: from where the vehicle is, stop by stop, each segment's learned running time (the
 * share of it left, for the first) and each stop's learned dwell (history.ts; the timetable's until
 * learned); a vehicle standing still for long waits about as long again (STAND); a run's first stop
 * is left at its time plus the usual lag there, or a minimum layover after a late arrival. The times
 * are then shown a little early, more so further ahead (passengerSafeShiftMs): a product decision.
 */
import type { GtfsFeed } from '../../../protocols/index.js';
import { isoLocal } from '../../../protocols/index.js';
import { tripPath, type TripPath } from './geometry.js';
import type { DayType, TravelHistory } from './history.js';
import { nextInBlock, runsAround, scheduledArrival, scheduledDeparture, type TripRun } from './schedule.js';

export interface EtaFix {
  /** ms epoch, the receiver's time */
  time: number;
  lat: number;
  lon: number;
  /** m/s */
  speed?: number;
  /** degrees true */
  course?: number;
}

/** A fixed assignment (technician) or a hint (an AVL's columns). */
export type Assignment = { kind: 'trip'; id: string } | { kind: 'block'; id: string } | { kind: 'none' };

export interface Prediction {
  vehicleId: string;
  runKey: string;
  tripId: string;
  routeId: string;
  serviceDate: string;
  stopId: string;
  stopSequence: number;
  /** index into the trip's stop times */
  index: number;
  /** ms epoch */
  scheduledArrival: number;
  scheduledDeparture: number;
  /** what to show a passenger, ms epoch: the expected time a little early (passengerSafeShiftMs) */
  arrival: number;
  departure: number;
  /** the model's best estimate, ms epoch, unshifted: delays and open data (GTFS-RT) use these */
  expectedArrival: number;
  expectedDeparture: number;
  /** seconds, one standard deviation */
  uncertainty: number;
  /** the fix it was made from, ms epoch */
  basedOn: number;
}

export type VehicleStatus = 'unassigned' | 'layover' | 'in-progress' | 'off-route' | 'stalled' | 'silent' | 'out-of-service';

export interface VehicleView {
  id: string;
  status: VehicleStatus;
  runKey: string | null;
  tripId: string | null;
  routeId: string | null;
  blockId: string | null;
  /** metres along the run's path */
  progress: number | null;
  /** seconds late (negative: early) at its last fix, by the timetable */
  delay: number | null;
  lastFix: EtaFix | null;
  assignment: Assignment | null;
  /** the stop index it is at or next reaches */
  nextStop: number | null;
}

/** Tunables, with TheTransitClock's values. */
export const MATCH = {
  /** metres from the path a fix may be */
  maxOffM: 60,
  /** how early / late a run may be to match it, ms */
  maxEarlyMs: 10 * 60_000,
  maxLateMs: 30 * 60_000,
  /** no predictions after this long without a fix */
  silentMs: 6 * 60_000,
  /** … or without moving `stallM` in `stallMs` */
  stallM: 60,
  stallMs: 8 * 60_000,
  /** … or off the path this long */
  offRouteMs: 2 * 60_000,
  /** a bus nothing matched is tried again after this long (or at once with a new hint or assignment) */
  rematchMs: 10_000,
  /** the fastest a bus moves, m/s (a farther jump along the path is refused) */
  maxSpeed: 30,
  /** a stop is reached this many metres before its place (GPS noise, a long bus) */
  arriveM: 25,
  /** how far ahead predictions go, ms */
  horizonMs: 75 * 60_000,
} as const;

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
 * A bus standing still for longer than a red light or an ordinary dwell is being held — a timing
 * point, a driver's change or break, a blockage — and such waits run long: on the tuning traces
 * (test/data/avl, C53 and D96), a bus that had stood 15–75 s moved on within a median 15 s, but
 * one that had stood 90 s or more stood on average another 1.5–4 min. So once it has stood
 * `afterMs`, it is expected to stand about as long again (a wait whose remaining length grows with
 * its length so far), at most `capMs`; before that, its usual running time and dwell hold.
 * "Standing" means not `moveM` further along its path: more than a receiver's jitter (its
 * progress only ever moves forward, so jitter would otherwise creep it on).
 */
const STAND = { moveM: 15, afterMs: 90_000, capMs: 4 * 60_000 } as const;

/**
 * The least time a bus arriving late at its terminus stays before it leaves on the block's next
 * trip (the driver gets out, the sign changes): the few late arrivals on the tuning traces left
 * after 1 to 2.5 min. A bus on time waits for its timetable instead.
 */
const MIN_LAYOVER_MS = 60_000;

interface Vehicle {
  id: string;
  run: TripRun | null;
  path: TripPath | null;
  d: number;
  lastFix: EtaFix | null;
  /** the last on-path fix's time */
  onPathAt: number;
  offRouteSince: number | null;
  anchor: { d: number; time: number };
  /** when it was put on its run */
  since: number;
  /** where and when it was last seen moving (by more than STAND.moveM) */
  moved: { d: number; time: number };
  /** per stop index of the current run: arrival and departure times seen */
  arrived: Map<number, number>;
  departed: Map<number, number>;
  delay: number | null;
  assignment: Assignment | null;
  hint: Assignment | null;
  /** when matching from scratch last found nothing, and under which hint */
  unmatchedAt: number | null;
  unmatchedHint: Assignment | null;
}

function sameAssignment(a: Assignment | null, b: Assignment | null): boolean {
  return a === b || (!!a && !!b && a.kind === b.kind && (a.kind === 'none' || a.id === (b as { id: string }).id));
}

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/** A stop reached (arrival) or left (departure) by a vehicle on a run, as its fixes showed it. */
export interface StopEvent {
  vehicleId: string;
  run: TripRun;
  index: number;
  kind: 'arrival' | 'departure';
  /** ms epoch, interpolated between the fixes either side */
  time: number;
}

export class EtaModel {
  readonly feed: GtfsFeed;
  readonly history: TravelHistory;
  /** Told of every stop a vehicle reaches and leaves (ridership, the accuracy harness). */
  onStop: ((e: StopEvent) => void) | null = null;
  readonly #vehicles = new Map<string, Vehicle>();
  /** learned stops, for the metrics */
  observations = 0;

  constructor(feed: GtfsFeed, history: TravelHistory) {
    this.feed = feed;
    this.history = history;
  }

  #vehicle(id: string): Vehicle {
    let v = this.#vehicles.get(id);
    if (!v) {
      v = {
        id,
        run: null,
        path: null,
        d: 0,
        lastFix: null,
        onPathAt: 0,
        offRouteSince: null,
        anchor: { d: 0, time: 0 },
        moved: { d: 0, time: 0 },
        since: 0,
        arrived: new Map(),
        departed: new Map(),
        delay: null,
        assignment: null,
        hint: null,
        unmatchedAt: null,
        unmatchedHint: null,
      };
      this.#vehicles.set(id, v);
    }
    return v;
  }

  forget(id: string): void {
    this.#vehicles.delete(id);
  }

  /** A technician's assignment (null: automatic again). Takes effect from the next fix. */
  assign(id: string, assignment: Assignment | null): void {
    const v = this.#vehicle(id);
    v.assignment = assignment;
    v.unmatchedAt = null;
    if (assignment?.kind === 'none' || (assignment && !this.#allowed(v, v.run))) this.#setRun(v, null, 0);
  }

  /** Takes one fix; returns the vehicle's state after it. Fixes older than the last are ignored. */
  observe(id: string, fix: EtaFix, hint?: { tripId?: string; blockId?: string }): VehicleView {
    const v = this.#vehicle(id);
    if (v.lastFix && fix.time <= v.lastFix.time) return this.view(id, fix.time)!;
    v.hint = hint?.tripId ? { kind: 'trip', id: hint.tripId } : hint?.blockId ? { kind: 'block', id: hint.blockId } : null;
    const prev = v.lastFix;
    v.lastFix = fix;
    if (v.assignment?.kind === 'none') return this.view(id, fix.time)!;

    if (v.run && v.path && this.#allowed(v, v.run)) {
      const dt = prev ? Math.max(1, (fix.time - prev.time) / 1000) : 60;
      const p = v.path.nearest(fix.lat, fix.lon, Math.max(0, v.d - 50), v.d + MATCH.maxSpeed * dt + 100);
      if (p && p.off <= MATCH.maxOffM && (p.d >= v.d || v.d - p.d < 50)) {
        this.#advance(v, Math.max(v.d, p.d), fix);
        v.offRouteSince = null;
        // The end of the run: on to the next of the block.
        const last = v.path.stopDist.length - 1;
        if (v.arrived.has(last)) this.#continueBlock(v, fix);
        return this.view(id, fix.time)!;
      }
      // Not on its run here: maybe already at the start of the block's next run (layover).
      if (this.#continueBlock(v, fix, true)) return this.view(id, fix.time)!;
      v.offRouteSince ??= fix.time;
      if (fix.time - v.offRouteSince < MATCH.offRouteMs) return this.view(id, fix.time)!;
    } else if (v.run && v.path && !v.assignment && v.hint) {
      // Off the run its hint names now: the fix first finishes the old run where it is still on it.
      this.#finishRun(v, fix, prev);
    } else if (!v.run && v.unmatchedAt !== null && fix.time - v.unmatchedAt < MATCH.rematchMs && sameAssignment(v.unmatchedHint, v.hint)) {
      // Matched against every run near it a moment ago, and nothing fitted: a bus deadheading to
      // the depot sends a fix a second, and matching a big feed from scratch is the costly part.
      return this.view(id, fix.time)!;
    }
    this.#match(v, fix);
    if (v.run) v.unmatchedAt = null;
    else {
      v.unmatchedAt = fix.time;
      v.unmatchedHint = v.hint;
    }
    return this.view(id, fix.time)!;
  }

  /**
   * An AVL's trip hint often moves on to the next trip a little before the bus reaches the last
   * stop of the one it is finishing (WMATA's does, one fix or two early). The fix still carries it
   * along its old run first, so the stops it passes there are timed and learned — the last stop's
   * arrival would otherwise never be seen — before it is matched to the new trip.
   */
  #finishRun(v: Vehicle, fix: EtaFix, prev: EtaFix | null): void {
    const path = v.path!;
    const dt = prev ? Math.max(1, (fix.time - prev.time) / 1000) : 60;
    const p = path.nearest(fix.lat, fix.lon, Math.max(0, v.d - 50), v.d + MATCH.maxSpeed * dt + 100);
    if (p && p.off <= MATCH.maxOffM && p.d > v.d) this.#advance(v, p.d, fix);
  }

  /** Is a run allowed by the vehicle's assignment or hint? */
  #allowed(v: Vehicle, run: TripRun | null): boolean {
    if (!run) return true;
    const a = v.assignment ?? v.hint;
    if (!a) return true;
    if (a.kind === 'none') return false;
    return a.kind === 'trip' ? run.trip.id === a.id : run.trip.blockId === a.id;
  }

  #setRun(v: Vehicle, run: TripRun | null, d: number, at = 0): void {
    v.run = run;
    v.path = run ? tripPath(this.feed, run.trip) : null;
    v.d = d;
    v.arrived = new Map();
    v.departed = new Map();
    v.anchor = { d, time: at };
    v.moved = { d, time: at };
    v.since = at;
    v.offRouteSince = null;
  }

  /** Moves to the next run of the block if the fix is at its start. */
  #continueBlock(v: Vehicle, fix: EtaFix, onlyIfNear = false): boolean {
    if (!v.run) return false;
    const next = nextInBlock(this.feed, v.run).find((r) => this.#allowed(v, r));
    if (!next) {
      if (!onlyIfNear) this.#setRun(v, null, 0, fix.time);
      return false;
    }
    const path = tripPath(this.feed, next.trip);
    if (!path) return false;
    const p = path.nearest(fix.lat, fix.lon, 0, Math.min(path.length, 300));
    if (onlyIfNear && (!p || p.off > MATCH.maxOffM)) return false;
    this.#setRun(v, next, p && p.off <= MATCH.maxOffM ? p.d : 0, fix.time);
    if (p && p.off <= MATCH.maxOffM) this.#advance(v, p.d, fix);
    return true;
  }

  /** The run and place that best explain a fix, from scratch. */
  #match(v: Vehicle, fix: EtaFix): void {
    let best: { run: TripRun; d: number; cost: number } | null = null;
    const moving = fix.speed !== undefined && fix.speed > 2 && fix.course !== undefined;
    for (const run of runsAround(this.feed, fix.time, MATCH.maxLateMs, MATCH.maxEarlyMs)) {
      if (!this.#allowed(v, run)) continue;
      const path = tripPath(this.feed, run.trip);
      if (!path) continue;
      for (const p of path.near(fix.lat, fix.lon, MATCH.maxOffM)) {
        if (moving && angleDiff(p.bearing, fix.course!) > 70) continue;
        // At the very end of a run there is nothing left to predict: the next run is the match.
        if (p.d >= path.stopDist[path.stopDist.length - 1]! - MATCH.arriveM) continue;
        const sched = this.#scheduledAt(run, path, p.d);
        const late = fix.time - sched;
        if (late < -MATCH.maxEarlyMs || late > MATCH.maxLateMs) continue;
        // Early counts double (a bus waiting at the terminus belongs to its next run, not one it missed).
        const cost = (late < 0 ? -2 * late : late) / 1000 + p.off * 2 + (v.run?.trip.blockId && run.trip.blockId === v.run.trip.blockId ? -60 : 0);
        if (!best || cost < best.cost) best = { run, d: p.d, cost };
      }
    }
    if (!best) {
      this.#setRun(v, null, 0, fix.time);
      return;
    }
    this.#setRun(v, best.run, best.d, fix.time);
    // Stops already behind on a fresh match are not taken as passed now (no learning from them).
    const path = v.path!;
    for (let i = 0; i < path.stopDist.length && path.stopDist[i]! < best.d - MATCH.arriveM; i++) {
      v.arrived.set(i, NaN);
      v.departed.set(i, NaN);
    }
    v.delay = (fix.time - this.#scheduledAt(best.run, path, best.d)) / 1000;
    v.onPathAt = fix.time;
  }

  /** The timetable's time at `d` metres along a run (interpolated between its stops). */
  #scheduledAt(run: TripRun, path: TripPath, d: number): number {
    const sd = path.stopDist;
    const n = sd.length;
    if (d <= sd[0]!) return scheduledDeparture(run, 0);
    for (let i = 1; i < n; i++) {
      if (d <= sd[i]!) {
        const from = scheduledDeparture(run, i - 1);
        const to = scheduledArrival(run, i);
        const span = sd[i]! - sd[i - 1]!;
        return span > 0 ? from + ((d - sd[i - 1]!) / span) * (to - from) : to;
      }
    }
    return scheduledArrival(run, n - 1);
  }

  /**
   * Progress to `d` at the fix: stops reached and left on the way are timed and learned from, by
   * interpolating between this fix and the last one that placed the vehicle on its path (v.d at
   * v.onPathAt: a fix refused in between, off the path or jumping back, says nothing of when it
   * passed what lies between).
   */
  #advance(v: Vehicle, d: number, fix: EtaFix): void {
    const path = v.path!;
    const run = v.run!;
    const sd = path.stopDist;
    const d0 = v.d;
    const t0 = v.onPathAt > 0 && v.onPathAt < fix.time ? v.onPathAt : fix.time;
    const at = (target: number) => (d > d0 ? t0 + ((target - d0) / (d - d0)) * (fix.time - t0) : fix.time);
    for (let i = 0; i < sd.length; i++) {
      const arriveAt = sd[i]! - MATCH.arriveM;
      const leaveAt = sd[i]! + MATCH.arriveM;
      if (!v.arrived.has(i) && d >= arriveAt && i > 0) {
        v.arrived.set(i, d0 >= arriveAt ? fix.time : at(arriveAt));
        this.onStop?.({ vehicleId: v.id, run, index: i, kind: 'arrival', time: v.arrived.get(i)! });
        this.#learnRun(v, run, i);
      }
      if (!v.departed.has(i) && d > leaveAt) {
        if (i === 0) v.arrived.set(0, NaN);
        v.departed.set(i, d0 > leaveAt ? fix.time : at(leaveAt));
        this.onStop?.({ vehicleId: v.id, run, index: i, kind: 'departure', time: v.departed.get(i)! });
        this.#learnDwell(v, run, i);
      }
      if (sd[i]! > d + MATCH.arriveM) break;
    }
    if (d - v.anchor.d >= MATCH.stallM) v.anchor = { d, time: fix.time };
    if (d - v.moved.d > STAND.moveM) v.moved = { d, time: fix.time };
    v.d = d;
    v.onPathAt = fix.time;
    v.delay = (fix.time - this.#scheduledAt(run, path, d)) / 1000;
  }

  #learnRun(v: Vehicle, run: TripRun, i: number): void {
    const left = v.departed.get(i - 1);
    const came = v.arrived.get(i);
    if (left === undefined || came === undefined || !Number.isFinite(left) || !Number.isFinite(came)) return;
    const st = run.trip.stopTimes;
    const { dayType, hour } = this.#when(left);
    this.history.record('run', `${st[i - 1]!.stopId}>${st[i]!.stopId}`, dayType, hour, (came - left) / 1000, came);
    this.observations++;
  }

  #learnDwell(v: Vehicle, run: TripRun, i: number): void {
    const came = v.arrived.get(i);
    const left = v.departed.get(i);
    if (i === 0 && left !== undefined && Number.isFinite(left)) {
      // A run's first stop: how long after its time a bus that was there in time left (drivers
      // rarely leave on the second; the 25 m to where leaving is seen are in it too).
      const sched = scheduledDeparture(run, 0);
      if (v.since <= sched) {
        const { dayType, hour } = this.#when(sched);
        this.history.record('start', run.trip.stopTimes[0]!.stopId, dayType, hour, Math.max(0, (left - sched) / 1000), left);
      }
      return;
    }
    if (i === 0 || came === undefined || left === undefined || !Number.isFinite(came) || !Number.isFinite(left)) return;
    const { dayType, hour } = this.#when(came);
    this.history.record('dwell', run.trip.stopTimes[i]!.stopId, dayType, hour, (left - came) / 1000, left);
  }

  /** Day type and local hour of an instant, in the feed's zone. */
  #when(t: number): { dayType: DayType; hour: number } {
    // Per quarter hour (every zone's offset is a multiple of it): Intl is slow, fixes are many.
    const q = Math.floor(t / 900_000);
    let w = this.#whenCache.get(q);
    if (!w) {
      const local = isoLocal(q * 900_000, this.feed.timeZone);
      const wd = new Date(`${local.slice(0, 10)}T12:00:00Z`).getUTCDay();
      w = { dayType: wd === 0 ? 2 : wd === 6 ? 1 : 0, hour: Number(local.slice(11, 13)) };
      if (this.#whenCache.size > 2000) this.#whenCache.clear();
      this.#whenCache.set(q, w);
    }
    return w;
  }
  readonly #whenCache = new Map<number, { dayType: DayType; hour: number }>();

  #status(v: Vehicle, now: number): VehicleStatus {
    if (v.assignment?.kind === 'none') return 'out-of-service';
    if (!v.lastFix || now - v.lastFix.time > MATCH.silentMs) return 'silent';
    if (!v.run) return 'unassigned';
    if (v.offRouteSince !== null) return now - v.offRouteSince >= MATCH.offRouteMs ? 'off-route' : 'in-progress';
    const beforeStart = !v.departed.has(0) && v.lastFix.time < scheduledDeparture(v.run, 0) + MATCH.stallMs;
    if (beforeStart) return 'layover';
    if (v.lastFix.time - v.anchor.time > MATCH.stallMs) return 'stalled';
    return 'in-progress';
  }

  view(id: string, now: number): VehicleView | null {
    const v = this.#vehicles.get(id);
    if (!v) return null;
    const next = v.path ? this.#nextStop(v) : null;
    return {
      id,
      status: this.#status(v, now),
      runKey: v.run?.key ?? null,
      tripId: v.run?.trip.id ?? null,
      routeId: v.run?.trip.routeId ?? null,
      blockId: v.run?.trip.blockId ?? null,
      progress: v.run ? Math.round(v.d) : null,
      delay: v.run && v.delay !== null ? Math.round(v.delay) : null,
      lastFix: v.lastFix,
      assignment: v.assignment,
      nextStop: next,
    };
  }

  #nextStop(v: Vehicle): number | null {
    const sd = v.path!.stopDist;
    for (let i = 0; i < sd.length; i++) if (!v.departed.has(i)) return i;
    return null;
  }

  /**
   * Predicted arrivals and departures at the stops ahead of a vehicle, through its block's next
   * runs, up to the horizon from `now`; none when the vehicle is not to be trusted (see above).
   */
  predict(id: string, now: number): Prediction[] {
    const v = this.#vehicles.get(id);
    if (!v || !v.run || !v.path || !v.lastFix) return [];
    const status = this.#status(v, now);
    if (status !== 'in-progress' && status !== 'layover') return [];
    const out: Prediction[] = [];
    const horizon = now + MATCH.horizonMs;
    let run = v.run;
    let path = v.path;
    let t = v.lastFix.time;
    let variance = 0;
    let i = this.#nextStop(v);
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
          const est = this.#runTime(run, i, t);
          const span = sd[i]! - sd[i - 1]!;
          const share = firstLeg && span > 0 ? Math.min(1, Math.max(0, (sd[i]! - v.d) / span)) : 1;
          arrival = t + share * est.mean * 1000 + (firstLeg ? standMs : 0);
          variance += share * est.variance;
        }
        firstLeg = false;
        let departure = arrival;
        if (i < st.length - 1) {
          const dwell = i === 0 ? 0 : this.#dwell(run, i, arrival);
          departure = arrival + dwell * 1000;
          // A terminus or a timing point with a wait in the timetable: not before its time.
          const holds = i === 0 || st[i]!.departure > st[i]!.arrival;
          // A run's first stop (its terminus): the bus leaves its usual lag after its time, and one
          // coming in late from the block's previous run only after a minimum layover.
          if (i === 0 && !firstRun) departure += MIN_LAYOVER_MS;
          if (holds) departure = Math.max(departure, scheduledDeparture(run, i) + (i === 0 ? this.#startLag(run, arrival) : 0));
          if (firstRun && v.departed.has(i) && i === 0) departure = t;
          if (out.length === 0) departure = Math.max(departure, v.lastFix.time + (i > 0 ? standMs : 0));
        }
        out.push({
          vehicleId: id,
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
      const next = nextInBlock(this.feed, run).find((r) => this.#allowed(v, r));
      const nextPath = next ? tripPath(this.feed, next.trip) : null;
      if (!next || !nextPath) return out;
      run = next;
      path = nextPath;
      i = 0;
      firstRun = false;
    }
  }

  #runTime(run: TripRun, i: number, at: number): { mean: number; variance: number } {
    const st = run.trip.stopTimes;
    const { dayType, hour } = this.#when(at);
    const est = this.history.estimate('run', `${st[i - 1]!.stopId}>${st[i]!.stopId}`, dayType, hour, at);
    if (est) return est;
    const scheduled = Math.max(0, st[i]!.arrival - st[i - 1]!.departure);
    return { mean: scheduled, variance: Math.max(25, (scheduled * 0.25) ** 2) };
  }

  /** How long after its scheduled time a run usually leaves its first stop, ms (0 until learned). */
  #startLag(run: TripRun, at: number): number {
    const { dayType, hour } = this.#when(at);
    const est = this.history.estimate('start', run.trip.stopTimes[0]!.stopId, dayType, hour, at);
    return est ? est.mean * 1000 : 0;
  }

  #dwell(run: TripRun, i: number, at: number): number {
    const st = run.trip.stopTimes[i]!;
    const { dayType, hour } = this.#when(at);
    const est = this.history.estimate('dwell', st.stopId, dayType, hour, at);
    return est ? est.mean : st.departure - st.arrival;
  }
}
