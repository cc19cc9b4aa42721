/**
 * What the model keeps of one vehicle — its run and place on it, its last fixes, the stops it has
 * reached and left, its assignment and hint — and the plain questions about it: which runs it may
 * be on, its status, the stop it reaches next.
 */
import { tripPath, type TripPath } from '../geometry.js';
import { scheduledDeparture, type TripRun } from '../schedule.js';
import type { ModelContext } from './context.js';
import { MATCH, type Assignment, type EtaFix, type VehicleStatus } from './types.js';

export interface Vehicle {
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

/** A vehicle not seen yet: on no run. */
export function newVehicle(id: string): Vehicle {
  return {
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
}

export function sameAssignment(a: Assignment | null, b: Assignment | null): boolean {
  return a === b || (!!a && !!b && a.kind === b.kind && (a.kind === 'none' || a.id === (b as { id: string }).id));
}

/** Is a run allowed by the vehicle's assignment or hint? */
export function allowed(v: Vehicle, run: TripRun | null): boolean {
  if (!run) return true;
  const a = v.assignment ?? v.hint;
  if (!a) return true;
  if (a.kind === 'none') return false;
  return a.kind === 'trip' ? run.trip.id === a.id : run.trip.blockId === a.id;
}

/** Puts the vehicle on a run (or none) at `d` metres along it, from `at`: nothing of it seen yet. */
export function setRun(m: ModelContext, v: Vehicle, run: TripRun | null, d: number, at = 0): void {
  v.run = run;
  v.path = run ? tripPath(m.feed, run.trip) : null;
  v.d = d;
  v.arrived = new Map();
  v.departed = new Map();
  v.anchor = { d, time: at };
  v.moved = { d, time: at };
  v.since = at;
  v.offRouteSince = null;
}

export function status(v: Vehicle, now: number): VehicleStatus {
  if (v.assignment?.kind === 'none') return 'out-of-service';
  if (!v.lastFix || now - v.lastFix.time > MATCH.silentMs) return 'silent';
  if (!v.run) return 'unassigned';
  if (v.offRouteSince !== null) return now - v.offRouteSince >= MATCH.offRouteMs ? 'off-route' : 'in-progress';
  const beforeStart = !v.departed.has(0) && v.lastFix.time < scheduledDeparture(v.run, 0) + MATCH.stallMs;
  if (beforeStart) return 'layover';
  if (v.lastFix.time - v.anchor.time > MATCH.stallMs) return 'stalled';
  return 'in-progress';
}

/** The stop index of its run it is at or next reaches (null: past the last). */
export function nextStop(v: Vehicle): number | null {
  const sd = v.path!.stopDist;
  for (let i = 0; i < sd.length; i++) if (!v.departed.has(i)) return i;
  return null;
}
