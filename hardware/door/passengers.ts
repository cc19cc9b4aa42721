/**
 * Simulated passengers at one door for one stop visit, as a timeline of beam edges: alightings
 * first (let them off), then boardings, with realistic timings, the odd person who looks in and
 * steps back, the odd flicker, close followers and someone who pauses in the door. Pure and seeded:
 * the same options give the same timeline, so a test can say exactly what must be counted.
 *
 * Geometry: the beams are `BEAM_SPACING_M` apart; a body is 0.25–0.40 m deep and walks at
 * 0.6–1.4 m/s (slower when boarding with a ticket to show than in a corridor). A body breaks its
 * near beam, then the far one (spacing / speed later), clears the near one (depth / speed after it
 * broke it) and then the far one; so both are broken for (depth − spacing) / speed, 0.1–0.5 s.
 *
 * Every timeline keeps what two beams can count: flickers are shorter than the debounce and at
 * least a debounce away from other edges of their beam, a follower never clears the near beam for
 * less than the debounce, and no one follows closely behind someone who paused in the door.
 */
import type { Beam, BeamEdge, Direction } from './beams.js';

export const BEAM_SPACING_M = 0.12;

export interface StopVisitOptions {
  boardings: number;
  alightings: number;
  /** Seeds the timeline (default 1). */
  seed?: number;
  /** Chance, per passenger, that someone before them looks in and steps back (default 0.1). */
  abortRate?: number;
  /** Chance, per passenger, of a flicker: a strap across a beam, a gap between arm and body (default 0.15). */
  flickerRate?: number;
  /** Chance that a passenger follows the one before closely (default 0.25). */
  tailgateRate?: number;
  /** Chance that a passenger pauses in the door, both beams broken for 2.5–5 s (default 0.04). */
  pauseRate?: number;
  /** The counter's debounce (ms, default 30): flickers are shorter, everything else longer. */
  debounceMs?: number;
}

export interface StopVisitPlan {
  boardings: number;
  alightings: number;
  /** Looked in and stepped back (never reached the far beam): not to be counted. */
  aborted: number;
  /** Flickers in the timeline: each a level shorter than the debounce. */
  flickers: number;
  /** Passengers who broke the near beam before the one ahead had cleared the far one. */
  tailgates: number;
  /** Passengers who paused in the door (a stalled crossing). */
  pauses: number;
  /** The edges, `at` in ms from the start of the visit, in time order. */
  edges: BeamEdge[];
  /** From the start of the visit until the door has been clear a while. */
  durationMs: number;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Walk {
  direction: Direction;
  near: Beam;
  far: Beam;
  nearDown: number;
  farDown: number;
  nearUp: number;
  farUp: number;
  paused: boolean;
}

export function planStopVisit(options: StopVisitOptions): StopVisitPlan {
  const { boardings, alightings } = options;
  for (const [name, n] of Object.entries({ boardings, alightings })) {
    if (!Number.isInteger(n) || n < 0 || n > 10_000) throw new RangeError(`stop visit: ${name} must be a whole number 0…10000, not ${n}`);
  }
  const random = seededRandom(options.seed ?? 1);
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const debounce = options.debounceMs ?? 30;
  /** The shortest level anything but a flicker holds: comfortably past the debounce and its reorder window. */
  const minGap = Math.max(60, debounce * 2 + 20);
  const rates = {
    abort: options.abortRate ?? 0.1,
    flicker: options.flickerRate ?? 0.15,
    tailgate: options.tailgateRate ?? 0.25,
    pause: options.pauseRate ?? 0.04,
  };
  const plan: StopVisitPlan = { boardings, alightings, aborted: 0, flickers: 0, tailgates: 0, pauses: 0, edges: [], durationMs: 0 };
  const edge = (beam: Beam, broken: boolean, at: number) => plan.edges.push({ beam, broken, at: Math.round(at) });
  /** A level shorter than the debounce, at `at` on `beam`: a break on a clear beam, a gap in a broken one. */
  const flicker = (beam: Beam, brokenNow: boolean, at: number) => {
    const length = between(2, Math.max(3, debounce / 2));
    edge(beam, !brokenNow, at);
    edge(beam, brokenNow, at + length);
    plan.flickers++;
  };

  const people: Direction[] = [...Array<Direction>(alightings).fill('out'), ...Array<Direction>(boardings).fill('in')];
  let t = 500; // the doors open
  let prev: Walk | null = null;
  for (const direction of people) {
    const near: Beam = direction === 'in' ? 'a' : 'b';
    const far: Beam = direction === 'in' ? 'b' : 'a';
    const speed = between(0.6, 1.4);
    const depth = between(0.25, 0.4);
    const reach = (BEAM_SPACING_M / speed) * 1000;
    const through = (depth / speed) * 1000;
    const follows = prev !== null && prev.direction === direction && !prev.paused && random() < rates.tailgate;

    let start: number;
    if (follows && prev) {
      // Close behind: the near beam clears for a moment between them, and the far one too.
      start = Math.max(prev.nearUp + between(minGap, minGap + 100), prev.farUp + minGap - reach);
      if (start < prev.farUp) plan.tailgates++;
    } else {
      start = Math.max(t, (prev?.farUp ?? t) + between(250, 1500));
      let clearSince = prev?.farUp ?? 0;
      if (random() < rates.abort) {
        // Someone looks in and steps back before this passenger comes.
        const length = between(200, 700);
        edge(near, true, start);
        edge(near, false, start + length);
        plan.aborted++;
        clearSince = start + length;
        start = clearSince + between(250, 900);
      }
      const room = start - clearSince - 2 * minGap - debounce;
      if (random() < rates.flicker && room > 0) {
        // While both beams are clear: a strap or a hand across one of them.
        flicker(random() < 0.5 ? 'a' : 'b', false, clearSince + minGap + random() * room);
      }
    }
    const pause = random() < rates.pause ? between(2500, 5000) : 0;
    const walk: Walk = {
      direction,
      near,
      far,
      nearDown: start,
      farDown: start + reach,
      nearUp: start + through + pause,
      farUp: start + reach + through + pause,
      paused: pause > 0,
    };
    if (walk.paused) plan.pauses++;
    edge(near, true, walk.nearDown);
    edge(far, true, walk.farDown);
    edge(near, false, walk.nearUp);
    edge(far, false, walk.farUp);
    if (random() < rates.flicker) {
      // A gap in the body (an arm swinging) while the near beam is broken.
      const room = walk.nearUp - walk.nearDown - 2 * minGap - debounce;
      flicker(near, true, walk.nearDown + minGap + random() * Math.max(0, room));
    }
    prev = walk;
    t = walk.farUp;
  }
  plan.edges.sort((x, y) => x.at - y.at);
  plan.durationMs = (plan.edges.at(-1)?.at ?? 0) + 1000;
  return plan;
}
