/**
 * A vehicle's progress along its run: the timetable's time at a place on it, and the stops reached
 * and left on the way to a new place — timed between fixes, told to `onStop`, and learned from
 * (segment running times, dwells, and how late runs leave their first stop: history.ts).
 */
import type { TripPath } from '../geometry.js';
import { scheduledArrival, scheduledDeparture, type TripRun } from '../schedule.js';
import type { ModelContext } from './context.js';
import { MATCH, STAND, type EtaFix } from './types.js';
import type { Vehicle } from './vehicle.js';

/** The timetable's time at `d` metres along a run (interpolated between its stops). */
export function scheduledAt(run: TripRun, path: TripPath, d: number): number {
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
export function advance(m: ModelContext, v: Vehicle, d: number, fix: EtaFix): void {
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
      m.onStop?.({ vehicleId: v.id, run, index: i, kind: 'arrival', time: v.arrived.get(i)! });
      learnRun(m, v, run, i);
    }
    if (!v.departed.has(i) && d > leaveAt) {
      if (i === 0) v.arrived.set(0, NaN);
      v.departed.set(i, d0 > leaveAt ? fix.time : at(leaveAt));
      m.onStop?.({ vehicleId: v.id, run, index: i, kind: 'departure', time: v.departed.get(i)! });
      learnDwell(m, v, run, i);
    }
    if (sd[i]! > d + MATCH.arriveM) break;
  }
  if (d - v.anchor.d >= MATCH.stallM) v.anchor = { d, time: fix.time };
  if (d - v.moved.d > STAND.moveM) v.moved = { d, time: fix.time };
  v.d = d;
  v.onPathAt = fix.time;
  v.delay = (fix.time - scheduledAt(run, path, d)) / 1000;
}

function learnRun(m: ModelContext, v: Vehicle, run: TripRun, i: number): void {
  const left = v.departed.get(i - 1);
  const came = v.arrived.get(i);
  if (left === undefined || came === undefined || !Number.isFinite(left) || !Number.isFinite(came)) return;
  const st = run.trip.stopTimes;
  const { dayType, hour } = m.clock.when(left);
  m.history.record('run', `${st[i - 1]!.stopId}>${st[i]!.stopId}`, dayType, hour, (came - left) / 1000, came);
  m.observations++;
}

function learnDwell(m: ModelContext, v: Vehicle, run: TripRun, i: number): void {
  const came = v.arrived.get(i);
  const left = v.departed.get(i);
  if (i === 0 && left !== undefined && Number.isFinite(left)) {
    // A run's first stop: how long after its time a bus that was there in time left (drivers
    // rarely leave on the second; the 25 m to where leaving is seen are in it too).
    const sched = scheduledDeparture(run, 0);
    if (v.since <= sched) {
      const { dayType, hour } = m.clock.when(sched);
      m.history.record('start', run.trip.stopTimes[0]!.stopId, dayType, hour, Math.max(0, (left - sched) / 1000), left);
    }
    return;
  }
  if (i === 0 || came === undefined || left === undefined || !Number.isFinite(came) || !Number.isFinite(left)) return;
  const { dayType, hour } = m.clock.when(came);
  m.history.record('dwell', run.trip.stopTimes[i]!.stopId, dayType, hour, (left - came) / 1000, left);
}
