/**
 * From a lane's passage (hardware/loop/: `ab`, A met first) to a vehicle entering or leaving its
 * car park, by the lane's kind (protocols/config/modules.ts CounterSettings). Pure.
 *
 * The wiring rule (hardware/loop/loop.ts): loop A is the loop a vehicle meets first in the lane's
 * normal direction of travel. So:
 *
 *   kind    A is            ab (normal)     ba
 *   entry   the outer loop  in              out, wrong way (drove out through the entry)
 *   exit    the inner loop  out             in, wrong way (drove in through the exit)
 *   both    the outer loop  in              out
 *
 * A wrong-way vehicle did enter or leave, so it is recorded as what it did; the module counts it
 * apart so that a lane wired the other way round (every vehicle wrong way) shows.
 */
import type { CounterSettings } from '../../../protocols/index.js';
import type { LoopOrder } from '../../../hardware/loop/loop.js';

export type LaneKind = CounterSettings['lanes'][string]['kind'];

export function directionOf(kind: LaneKind, order: LoopOrder): { direction: 'in' | 'out'; wrongWay: boolean } {
  switch (kind) {
    case 'entry':
      return order === 'ab' ? { direction: 'in', wrongWay: false } : { direction: 'out', wrongWay: true };
    case 'exit':
      return order === 'ab' ? { direction: 'out', wrongWay: false } : { direction: 'in', wrongWay: true };
    case 'both':
      return { direction: order === 'ab' ? 'in' : 'out', wrongWay: false };
  }
}

/** Why the lanes of the settings and those of the hardware do not match, one line each (none: they do). */
export function laneProblems(settings: CounterSettings['lanes'], hardwareLanes: readonly string[]): string[] {
  const problems: string[] = [];
  const unmapped = hardwareLanes.filter((l) => !Object.hasOwn(settings, l));
  if (unmapped.length) problems.push(`lane ${unmapped.join(', ')} not in modules.counter.lanes: not recorded`);
  const missing = Object.keys(settings).filter((l) => !hardwareLanes.includes(l));
  if (missing.length) problems.push(`lane ${missing.join(', ')} of modules.counter.lanes not in hardware.loops`);
  return problems;
}
