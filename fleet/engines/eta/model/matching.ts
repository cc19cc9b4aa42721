/**
 * Matching a fix to a run (TheTransitClock's method, REFERENCES.md): from scratch, the candidate
 * runs the timetable has near the fix's time, each projected onto its path and scored by how early
 * or late and how far off it would be; from a run it is on, onto the next run of its block; and the
 * end of a run an AVL's trip hint has already left. Following a matched vehicle along its run is
 * EtaModel.observe's, with `advance` (progress.ts).
 */
import { tripPath } from '../geometry.js';
import { nextInBlock, runsAround, type TripRun } from '../schedule.js';
import type { ModelContext } from './context.js';
import { advance, scheduledAt } from './progress.js';
import { MATCH, type EtaFix } from './types.js';
import { allowed, setRun, type Vehicle } from './vehicle.js';

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/**
 * An AVL's trip hint often moves on to the next trip a little before the bus reaches the last
 * stop of the one it is finishing (WMATA's does, one fix or two early). The fix still carries it
 * along its old run first, so the stops it passes there are timed and learned — the last stop's
 * arrival would otherwise never be seen — before it is matched to the new trip.
 */
export function finishRun(m: ModelContext, v: Vehicle, fix: EtaFix, prev: EtaFix | null): void {
  const path = v.path!;
  const dt = prev ? Math.max(1, (fix.time - prev.time) / 1000) : 60;
  const p = path.nearest(fix.lat, fix.lon, Math.max(0, v.d - 50), v.d + MATCH.maxSpeed * dt + 100);
  if (p && p.off <= MATCH.maxOffM && p.d > v.d) advance(m, v, p.d, fix);
}

/** Moves to the next run of the block if the fix is at its start. */
export function continueBlock(m: ModelContext, v: Vehicle, fix: EtaFix, onlyIfNear = false): boolean {
  if (!v.run) return false;
  const next = nextInBlock(m.feed, v.run).find((r) => allowed(v, r));
  if (!next) {
    if (!onlyIfNear) setRun(m, v, null, 0, fix.time);
    return false;
  }
  const path = tripPath(m.feed, next.trip);
  if (!path) return false;
  const p = path.nearest(fix.lat, fix.lon, 0, Math.min(path.length, 300));
  if (onlyIfNear && (!p || p.off > MATCH.maxOffM)) return false;
  setRun(m, v, next, p && p.off <= MATCH.maxOffM ? p.d : 0, fix.time);
  if (p && p.off <= MATCH.maxOffM) advance(m, v, p.d, fix);
  return true;
}

/** The run and place that best explain a fix, from scratch. */
export function match(m: ModelContext, v: Vehicle, fix: EtaFix): void {
  let best: { run: TripRun; d: number; cost: number } | null = null;
  const moving = fix.speed !== undefined && fix.speed > 2 && fix.course !== undefined;
  for (const run of runsAround(m.feed, fix.time, MATCH.maxLateMs, MATCH.maxEarlyMs)) {
    if (!allowed(v, run)) continue;
    const path = tripPath(m.feed, run.trip);
    if (!path) continue;
    for (const p of path.near(fix.lat, fix.lon, MATCH.maxOffM)) {
      if (moving && angleDiff(p.bearing, fix.course!) > 70) continue;
      // At the very end of a run there is nothing left to predict: the next run is the match.
      if (p.d >= path.stopDist[path.stopDist.length - 1]! - MATCH.arriveM) continue;
      const sched = scheduledAt(run, path, p.d);
      const late = fix.time - sched;
      if (late < -MATCH.maxEarlyMs || late > MATCH.maxLateMs) continue;
      // Early counts double (a bus waiting at the terminus belongs to its next run, not one it missed).
      const cost = (late < 0 ? -2 * late : late) / 1000 + p.off * 2 + (v.run?.trip.blockId && run.trip.blockId === v.run.trip.blockId ? -60 : 0);
      if (!best || cost < best.cost) best = { run, d: p.d, cost };
    }
  }
  if (!best) {
    setRun(m, v, null, 0, fix.time);
    return;
  }
  setRun(m, v, best.run, best.d, fix.time);
  // Stops already behind on a fresh match are not taken as passed now (no learning from them).
  const path = v.path!;
  for (let i = 0; i < path.stopDist.length && path.stopDist[i]! < best.d - MATCH.arriveM; i++) {
    v.arrived.set(i, NaN);
    v.departed.set(i, NaN);
  }
  v.delay = (fix.time - scheduledAt(best.run, path, best.d)) / 1000;
  v.onPathAt = fix.time;
}
