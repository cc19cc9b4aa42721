/**
 * One lane's pair of induction loops as a pure state machine: timestamped loop edges in, passages
 * out. A vehicle covers the loop it meets first, then (the loops lie closer than a car is long)
 * both, then only the one it meets last. Which loop is A is a matter of wiring (loop.ts says how a
 * lane is wired); here a passage is only `ab` (A first, B cleared last) or `ba`.
 *
 *   passage     A↑ B↑ A↓ B↓   (A first, B clears last)          → 'ab'     (↑ occupied, ↓ clear)
 *   the other   B↑ A↑ B↓ A↓                                      → 'ba'
 *   backed off  A↑ A↓         (never reached the far loop)       → nothing (aborted)
 *   reversed    A↑ B↑ B↓ A↓   (reached B, backed out over A)     → nothing (reversed)
 *   stopped     A↑ B↑ …30 s… A↓ B↓: a car waiting at the barrier is one long presence → 'ab'
 *   trailer     A↑ B↑ A↓ A↑ B↓ B↑ A↓ B↓: the drawbar reads as a short clear on each loop; a clear
 *               shorter than `gapMs` is no clear at all (merged, counted as a gap) → one 'ab'
 *   queued      A↑ B↑ A↓ (A clear ≥ gapMs: the car waits on B alone) A↑ (the next car) B↓ …: when
 *               B clears the first is through ('ab') and the next is where the first began
 *
 * Debounce is asymmetric, as the loops' faults are: an occupied level shorter than `debounceMs` is
 * detector chatter (a flicker, dropped and counted); a clear level shorter than `gapMs` is a gap in
 * one vehicle (a trailer's drawbar, a high-floored van's middle). So an edge is applied only once it
 * has held that long (plus `reorderMs`, by which the two loops' edges may reach us out of order),
 * and always in timestamp order: an occupied edge of B waits behind a clear edge of A until A's
 * clear has proved itself. Two vehicles closer than `gapMs` on both loops are read as one (a
 * barrier-controlled lane never lets them that close).
 *
 * Time is whatever monotonic milliseconds the caller uses; nothing here reads a clock or sets a
 * timer: `feed` and `advance` say what time it is, `nextDeadline` when to call `advance` again.
 */

export type Loop = 'a' | 'b';
/** `ab`: the vehicle met loop A first and left over B. */
export type LoopOrder = 'ab' | 'ba';

/** A loop became occupied or clear at `at` (monotonic ms). */
export interface LoopEdge {
  loop: Loop;
  occupied: boolean;
  at: number;
}

/** A vehicle passed over both loops in `order`; `at` is when the lane was clear of it. */
export interface LanePassage {
  order: LoopOrder;
  at: number;
}

export interface LoopPairOptions {
  /** An occupied level shorter than this is chatter, ignored (ms). */
  debounceMs?: number;
  /** A clear level shorter than this is a gap inside one vehicle (ms). */
  gapMs?: number;
  /** Edges of the two loops may reach us out of timestamp order by up to this (ms). */
  reorderMs?: number;
}

export const LOOP_PAIR_DEFAULTS: Required<LoopPairOptions> = { debounceMs: 100, gapMs: 1500, reorderMs: 10 };

export interface LoopPairStats {
  ab: number;
  ba: number;
  /** Vehicles that covered one loop and backed off it. */
  aborted: number;
  /** Vehicles that reached the far loop and backed out over the one they came by. */
  reversed: number;
  /** Clear levels shorter than gapMs, merged into the presence around them (trailers). */
  gaps: number;
  /** Occupied levels shorter than debounceMs, ignored. */
  flickers: number;
  /** Edges that came after later edges had already been applied. */
  late: number;
}

/** A loop's applied (debounced) level and since when (monotonic ms). */
export interface LoopReading {
  occupied: boolean;
  since: number;
}

interface Track {
  /** The loop this vehicle covered first. */
  origin: Loop;
  /** It has covered the other loop too. */
  reachedFar: boolean;
}

const orderFrom = (origin: Loop): LoopOrder => (origin === 'a' ? 'ab' : 'ba');
const zeroStats = (): LoopPairStats => ({ ab: 0, ba: 0, aborted: 0, reversed: 0, gaps: 0, flickers: 0, late: 0 });

export class LoopPair {
  readonly debounceMs: number;
  readonly gapMs: number;
  readonly reorderMs: number;

  /** Raw edges not yet applied, in timestamp order (ties keep arrival order). */
  #pending: LoopEdge[] = [];
  /** The latest time of an edge applied: an edge before it is late. */
  #settledTo = -Infinity;
  #now = -Infinity;
  #loops: Record<Loop, LoopReading> = { a: { occupied: false, since: -Infinity }, b: { occupied: false, since: -Infinity } };
  /** The vehicle the lane is following; null while both loops are clear. */
  #lead: Track | null = null;
  /** A second vehicle on the lead's origin loop while the lead is on the far loop only. */
  #follower: Track | null = null;
  #stats = zeroStats();

  constructor(options: LoopPairOptions = {}) {
    const o = { ...LOOP_PAIR_DEFAULTS, ...withoutUndefined(options) };
    for (const [name, value] of Object.entries(o)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`loop pair: ${name} must be a finite number ≥ 0, not ${value}`);
    }
    this.debounceMs = o.debounceMs;
    this.gapMs = o.gapMs;
    this.reorderMs = o.reorderMs;
  }

  /** How long an edge waits before it is applied. */
  holdOf(edge: { occupied: boolean }): number {
    return (edge.occupied ? this.debounceMs : this.gapMs) + this.reorderMs;
  }

  /** Starts (or starts again) from the loops as they read now, forgetting anything pending. A vehicle on one loop came from that side. */
  prime(levels: { a: boolean; b: boolean }, at: number): void {
    this.#pending = [];
    this.#settledTo = at;
    this.#now = at;
    this.#loops = { a: { occupied: levels.a, since: at }, b: { occupied: levels.b, since: at } };
    this.#follower = null;
    this.#lead = levels.a || levels.b ? { origin: levels.a ? 'a' : 'b', reachedFar: levels.a && levels.b } : null;
  }

  /** A raw edge as the line reported it; returns the passages that time has now settled. */
  feed(edge: LoopEdge): LanePassage[] {
    this.#take(edge);
    return this.advance(edge.at);
  }

  /** Time has reached `now`: applies what is due; returns the passages settled. */
  advance(now: number): LanePassage[] {
    const out: LanePassage[] = [];
    if (now > this.#now) this.#now = now;
    for (;;) {
      const next = this.#pending[0];
      if (!next || next.at + this.holdOf(next) > this.#now) break;
      this.#pending.shift();
      this.#apply(next, out);
    }
    return out;
  }

  /** Applies every pending edge now, without waiting for it to hold (when counting stops). */
  flush(): LanePassage[] {
    const out: LanePassage[] = [];
    for (const edge of this.#pending.splice(0)) this.#apply(edge, out);
    return out;
  }

  /** When `advance` next has something to do (monotonic ms), or null while nothing is pending. */
  nextDeadline(): number | null {
    const first = this.#pending[0];
    return first ? first.at + this.holdOf(first) : null;
  }

  /** A loop's applied level and since when. */
  loop(loop: Loop): LoopReading {
    return { ...this.#loops[loop] };
  }

  get stats(): LoopPairStats {
    return { ...this.#stats };
  }

  #take(raw: LoopEdge): void {
    let at = raw.at;
    if (!Number.isFinite(at) || (raw.loop !== 'a' && raw.loop !== 'b')) return;
    // One line reports its own edges in order: never before this loop's previous edge.
    let lastOnLoop: LoopEdge | undefined;
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      if (this.#pending[i]!.loop === raw.loop) {
        lastOnLoop = this.#pending[i];
        break;
      }
    }
    const level = lastOnLoop ? lastOnLoop.occupied : this.#loops[raw.loop].occupied;
    if (level === raw.occupied) return; // no change: a repeated reading
    if (lastOnLoop) {
      at = Math.max(at, lastOnLoop.at);
      const held = at - lastOnLoop.at;
      if (lastOnLoop.occupied && held < this.debounceMs) {
        this.#pending.splice(this.#pending.indexOf(lastOnLoop), 1); // occupied, cleared before it held: chatter
        this.#stats.flickers++;
        return;
      }
      if (!lastOnLoop.occupied && held < this.gapMs) {
        this.#pending.splice(this.#pending.indexOf(lastOnLoop), 1); // clear, covered again before it held: one vehicle
        this.#stats.gaps++;
        return;
      }
    }
    if (at < this.#settledTo) {
      at = this.#settledTo;
      this.#stats.late++;
    }
    const edge: LoopEdge = { loop: raw.loop, occupied: raw.occupied, at };
    let i = this.#pending.length;
    while (i > 0 && this.#pending[i - 1]!.at > at) i--;
    this.#pending.splice(i, 0, edge);
  }

  #apply(edge: LoopEdge, out: LanePassage[]): void {
    if (edge.at > this.#settledTo) this.#settledTo = edge.at;
    const reading = this.#loops[edge.loop];
    if (reading.occupied === edge.occupied) return;
    reading.occupied = edge.occupied;
    reading.since = edge.at;
    const both = this.#loops.a.occupied && this.#loops.b.occupied;
    const neither = !this.#loops.a.occupied && !this.#loops.b.occupied;
    const lead = this.#lead;

    if (edge.occupied) {
      if (!lead) {
        this.#lead = { origin: edge.loop, reachedFar: false };
        return;
      }
      if (!both) return;
      if (edge.loop !== lead.origin) lead.reachedFar = true;
      // The lead's origin loop covered again while the lead was on the far loop only: a second vehicle.
      else if (lead.reachedFar) this.#follower = { origin: edge.loop, reachedFar: false };
      return;
    }

    if (!lead) return;
    if (neither) {
      if (!lead.reachedFar) this.#stats.aborted++;
      else if (edge.loop === lead.origin) this.#stats.reversed++;
      else this.#count(orderFrom(lead.origin), edge.at, out);
      this.#lead = null;
      this.#follower = null;
      return;
    }
    const follower = this.#follower;
    if (!follower) return;
    this.#follower = null;
    if (edge.loop !== lead.origin) {
      // The far loop cleared: the lead is through; the follower is now where the lead began.
      this.#count(orderFrom(lead.origin), edge.at, out);
      this.#lead = follower;
    } else {
      this.#stats.aborted++; // the follower backed off; the lead is still on the far loop
    }
  }

  #count(order: LoopOrder, at: number, out: LanePassage[]): void {
    this.#stats[order]++;
    out.push({ order, at });
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
