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
 * EtaModel keeps the vehicles and follows each along its run; the rest are functions over a vehicle
 * and the model's context: matching.ts (candidate runs, projection, scoring, block continuation),
 * progress.ts (stops passed, timed and learned from), prediction.ts (running times, dwells, holds,
 * the horizon through the block), vehicle.ts (a vehicle's state and status), types.ts (the shapes
 * and tunables).
 */
import type { GtfsFeed } from '../../../../protocols/index.js';
import type { TravelHistory } from '../history.js';
import { FeedClock, type ModelContext } from './context.js';
import { continueBlock, finishRun, match } from './matching.js';
import { predict } from './prediction.js';
import { advance } from './progress.js';
import { MATCH, type Assignment, type EtaFix, type Prediction, type StopEvent, type VehicleView } from './types.js';
import { allowed, newVehicle, nextStop, sameAssignment, setRun, status, type Vehicle } from './vehicle.js';

export { passengerSafeShiftMs } from './prediction.js';
export { MATCH, type Assignment, type EtaFix, type Prediction, type StopEvent, type VehicleStatus, type VehicleView } from './types.js';

export class EtaModel implements ModelContext {
  readonly feed: GtfsFeed;
  readonly history: TravelHistory;
  /** the feed's day types and local hours, by which the history is kept */
  readonly clock: FeedClock;
  /** Told of every stop a vehicle reaches and leaves (ridership, the accuracy harness). */
  onStop: ((e: StopEvent) => void) | null = null;
  readonly #vehicles = new Map<string, Vehicle>();
  /** learned stops, for the metrics */
  observations = 0;

  constructor(feed: GtfsFeed, history: TravelHistory) {
    this.feed = feed;
    this.history = history;
    this.clock = new FeedClock(feed.timeZone);
  }

  #vehicle(id: string): Vehicle {
    let v = this.#vehicles.get(id);
    if (!v) {
      v = newVehicle(id);
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
    if (assignment?.kind === 'none' || (assignment && !allowed(v, v.run))) setRun(this, v, null, 0);
  }

  /** Takes one fix; returns the vehicle's state after it. Fixes older than the last are ignored. */
  observe(id: string, fix: EtaFix, hint?: { tripId?: string; blockId?: string }): VehicleView {
    const v = this.#vehicle(id);
    if (v.lastFix && fix.time <= v.lastFix.time) return this.view(id, fix.time)!;
    v.hint = hint?.tripId ? { kind: 'trip', id: hint.tripId } : hint?.blockId ? { kind: 'block', id: hint.blockId } : null;
    const prev = v.lastFix;
    v.lastFix = fix;
    if (v.assignment?.kind === 'none') return this.view(id, fix.time)!;

    if (v.run && v.path && allowed(v, v.run)) {
      const dt = prev ? Math.max(1, (fix.time - prev.time) / 1000) : 60;
      const p = v.path.nearest(fix.lat, fix.lon, Math.max(0, v.d - 50), v.d + MATCH.maxSpeed * dt + 100);
      if (p && p.off <= MATCH.maxOffM && (p.d >= v.d || v.d - p.d < 50)) {
        advance(this, v, Math.max(v.d, p.d), fix);
        v.offRouteSince = null;
        // The end of the run: on to the next of the block.
        const last = v.path.stopDist.length - 1;
        if (v.arrived.has(last)) continueBlock(this, v, fix);
        return this.view(id, fix.time)!;
      }
      // Not on its run here: maybe already at the start of the block's next run (layover).
      if (continueBlock(this, v, fix, true)) return this.view(id, fix.time)!;
      v.offRouteSince ??= fix.time;
      if (fix.time - v.offRouteSince < MATCH.offRouteMs) return this.view(id, fix.time)!;
    } else if (v.run && v.path && !v.assignment && v.hint) {
      // Off the run its hint names now: the fix first finishes the old run where it is still on it.
      finishRun(this, v, fix, prev);
    } else if (!v.run && v.unmatchedAt !== null && fix.time - v.unmatchedAt < MATCH.rematchMs && sameAssignment(v.unmatchedHint, v.hint)) {
      // Matched against every run near it a moment ago, and nothing fitted: a bus deadheading to
      // the depot sends a fix a second, and matching a big feed from scratch is the costly part.
      return this.view(id, fix.time)!;
    }
    match(this, v, fix);
    if (v.run) v.unmatchedAt = null;
    else {
      v.unmatchedAt = fix.time;
      v.unmatchedHint = v.hint;
    }
    return this.view(id, fix.time)!;
  }

  view(id: string, now: number): VehicleView | null {
    const v = this.#vehicles.get(id);
    if (!v) return null;
    const next = v.path ? nextStop(v) : null;
    return {
      id,
      status: status(v, now),
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

  /**
   * Predicted arrivals and departures at the stops ahead of a vehicle, through its block's next
   * runs, up to the horizon from `now`; none when the vehicle is not to be trusted (see above).
   */
  predict(id: string, now: number): Prediction[] {
    const v = this.#vehicles.get(id);
    return v ? predict(this, v, now) : [];
  }
}
