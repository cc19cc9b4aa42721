/**
 * One door's pair of infrared beams as a pure state machine: timestamped beam edges in, crossings
 * out. Beam A is on the outside of the door, beam B on the inside; a body breaks the beam it meets
 * first, then (beams closer than a body is deep) both, then only the one it meets last.
 *
 *   boarding    A↓ B↓ A↑ B↑   (A first, B clears last)  → 'in'
 *   alighting   B↓ A↓ B↑ A↑   (B first, A clears last)  → 'out'
 *   aborted     A↓ A↑         (looked in, stepped back: the far beam never broke)  → nothing
 *   reversed    A↓ B↓ B↑ A↑   (reached the far beam, went back: clears where it began) → nothing
 *   stalled     both broken longer than `stallMs` (someone standing in the door): which side they
 *               came from says little by then, so the crossing resolves by the beam that clears
 *               last (B last: 'in', A last: 'out'), once, however they sway meanwhile
 *   tailgating  A↓ B↓ A↑ | A↓ B↑ | B↓ A↑ B↑: a second body breaks A while the first is on B only;
 *               when B clears the first is through ('in') and the second is where the first began.
 *               (A body that steps back from B-only to A is read the same way: one counted, then an
 *               abort. Two beams cannot tell these apart; the second reading is the common one.)
 *
 * Debounce: a beam's level counts only once it has held for `debounceMs`; an edge undone sooner is
 * a flicker (a swinging strap, a gap between arm and body), dropped and counted. Edges are held for
 * `debounceMs + reorderMs` before they are applied, in timestamp order, so edges of the two beams
 * that arrive out of order by up to `reorderMs` are put back in order. An edge older than what has
 * already been applied is applied at that point in time and counted as `late`.
 *
 * Time is whatever monotonic milliseconds the caller uses; nothing here reads a clock or sets a
 * timer: `feed` and `advance` say what time it is, `nextDeadline` when to call `advance` again.
 */

export type Beam = 'a' | 'b';
export type Direction = 'in' | 'out';

/** A beam broke or cleared at `at` (monotonic ms). */
export interface BeamEdge {
  beam: Beam;
  broken: boolean;
  at: number;
}

/** A body went through: 'in' (boarding, A then B) or 'out' (alighting); `at` is when the door was clear of it. */
export interface Crossing {
  direction: Direction;
  at: number;
}

export interface BeamPairOptions {
  /** A beam level that holds for less than this is a flicker, ignored (ms). */
  debounceMs?: number;
  /** Edges of the two beams may reach us out of timestamp order by up to this (ms). */
  reorderMs?: number;
  /** Both beams broken longer than this is a stalled crossing (ms). */
  stallMs?: number;
}

export const BEAM_PAIR_DEFAULTS: Required<BeamPairOptions> = { debounceMs: 30, reorderMs: 10, stallMs: 2000 };

export interface BeamPairStats {
  in: number;
  out: number;
  /** Crossings begun that never reached the far beam. */
  aborted: number;
  /** Crossings that reached the far beam and went back out where they began. */
  reversed: number;
  /** Crossings that stalled (both beams broken longer than stallMs). */
  stalls: number;
  /** Beam levels shorter than debounceMs, ignored. */
  flickers: number;
  /** Edges that came after later edges had already been applied. */
  late: number;
}

/** A beam's applied (debounced) level and since when (monotonic ms). */
export interface BeamReading {
  broken: boolean;
  since: number;
}

interface Track {
  /** The beam this body broke first. */
  origin: Beam;
  /** It has broken the other beam too. */
  reachedFar: boolean;
}

const other = (beam: Beam): Beam => (beam === 'a' ? 'b' : 'a');
/** A body that came from A went in; from B, out. */
const directionFrom = (origin: Beam): Direction => (origin === 'a' ? 'in' : 'out');
const zeroStats = (): BeamPairStats => ({ in: 0, out: 0, aborted: 0, reversed: 0, stalls: 0, flickers: 0, late: 0 });

export class BeamPairCounter {
  readonly debounceMs: number;
  readonly reorderMs: number;
  readonly stallMs: number;
  /** How long an edge waits before it is applied: long enough to know it is no flicker and nothing earlier is still on its way. */
  readonly holdMs: number;

  /** Raw edges not yet applied, in timestamp order (ties keep arrival order). */
  #pending: BeamEdge[] = [];
  /** Everything up to this time has been applied: an edge before it is late. */
  #settledTo = -Infinity;
  #now = -Infinity;
  #beams: Record<Beam, BeamReading> = { a: { broken: false, since: -Infinity }, b: { broken: false, since: -Infinity } };
  /** The body the door is counting; null while both beams are clear. */
  #lead: Track | null = null;
  /** A second body that broke the lead's origin beam while the lead was on the far beam only. */
  #follower: Track | null = null;
  #stalled = false;
  /** Since when both beams are broken (applied), or null. */
  #bothSince: number | null = null;
  #stats = zeroStats();

  constructor(options: BeamPairOptions = {}) {
    const o = { ...BEAM_PAIR_DEFAULTS, ...withoutUndefined(options) };
    for (const [name, value] of Object.entries(o)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`beam pair: ${name} must be a finite number ≥ 0, not ${value}`);
    }
    this.debounceMs = o.debounceMs;
    this.reorderMs = o.reorderMs;
    this.stallMs = o.stallMs;
    this.holdMs = o.debounceMs + o.reorderMs;
  }

  /**
   * Starts (or starts again) from beams read as they are now, forgetting anything pending. A body
   * already on one beam is taken to have come from that side; one on both is a stalled crossing.
   */
  prime(levels: { a: boolean; b: boolean }, at: number): void {
    this.#pending = [];
    this.#settledTo = at;
    this.#now = at;
    this.#beams = { a: { broken: levels.a, since: at }, b: { broken: levels.b, since: at } };
    this.#follower = null;
    this.#stalled = levels.a && levels.b;
    this.#bothSince = levels.a && levels.b ? at : null;
    this.#lead = levels.a || levels.b ? { origin: levels.a ? 'a' : 'b', reachedFar: levels.a && levels.b } : null;
  }

  /** A raw edge as the line reported it; returns the crossings that time has now settled. */
  feed(edge: BeamEdge): Crossing[] {
    this.#take(edge);
    return this.advance(edge.at);
  }

  /** Time has reached `now`: applies what is due; returns the crossings settled. */
  advance(now: number): Crossing[] {
    const out: Crossing[] = [];
    if (now > this.#now) this.#now = now;
    this.#settle(this.#now - this.holdMs, out);
    return out;
  }

  /** Applies every pending edge now, without waiting for the debounce (when counting stops). */
  flush(): Crossing[] {
    const out: Crossing[] = [];
    const last = this.#pending.at(-1);
    if (last) this.#settle(last.at, out);
    return out;
  }

  /** When `advance` next has something to do (monotonic ms), or null while nothing is pending. */
  nextDeadline(): number | null {
    let deadline = Infinity;
    const first = this.#pending[0];
    if (first) deadline = first.at + this.holdMs;
    if (this.#bothSince !== null && !this.#stalled) deadline = Math.min(deadline, this.#bothSince + this.stallMs + this.holdMs);
    return Number.isFinite(deadline) ? deadline : null;
  }

  /** A beam's applied level and since when. */
  beam(beam: Beam): BeamReading {
    return { ...this.#beams[beam] };
  }

  get stats(): BeamPairStats {
    return { ...this.#stats };
  }

  /** Zeroes the counters; a crossing under way is still counted when it ends. */
  resetStats(): void {
    this.#stats = zeroStats();
  }

  #take(raw: BeamEdge): void {
    let at = raw.at;
    if (!Number.isFinite(at)) return;
    // One line reports its own edges in order: never before this beam's previous edge.
    let lastOnBeam: BeamEdge | undefined;
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      if (this.#pending[i]!.beam === raw.beam) {
        lastOnBeam = this.#pending[i];
        break;
      }
    }
    const level = lastOnBeam ? lastOnBeam.broken : this.#beams[raw.beam].broken;
    if (level === raw.broken) return; // no change: a repeated reading
    if (lastOnBeam) {
      at = Math.max(at, lastOnBeam.at);
      if (at - lastOnBeam.at < this.debounceMs) {
        this.#pending.splice(this.#pending.indexOf(lastOnBeam), 1); // undone before it held: a flicker
        this.#stats.flickers++;
        return;
      }
    }
    if (at < this.#settledTo) {
      at = this.#settledTo;
      this.#stats.late++;
    }
    const edge: BeamEdge = { beam: raw.beam, broken: raw.broken, at };
    let i = this.#pending.length;
    while (i > 0 && this.#pending[i - 1]!.at > at) i--;
    this.#pending.splice(i, 0, edge);
  }

  /** Applies, in time order, every pending edge and stall up to `horizon`. */
  #settle(horizon: number, out: Crossing[]): void {
    for (;;) {
      const next = this.#pending[0];
      const due = next !== undefined && next.at <= horizon;
      // Stalled once both have been broken *longer* than stallMs: an edge at exactly that moment comes first.
      const stallAt = this.#bothSince !== null && !this.#stalled ? this.#bothSince + this.stallMs : Infinity;
      if (due ? stallAt < next.at : stallAt <= horizon) {
        this.#stall();
        continue;
      }
      if (!due) break;
      this.#pending.shift();
      this.#apply(next, out);
      if (next.at > this.#settledTo) this.#settledTo = next.at;
    }
    if (horizon > this.#settledTo) this.#settledTo = horizon;
  }

  #stall(): void {
    this.#stalled = true;
    this.#follower = null; // whoever is in the door now is one crossing
    this.#stats.stalls++;
  }

  #apply(edge: BeamEdge, out: Crossing[]): void {
    const beam = this.#beams[edge.beam];
    if (beam.broken === edge.broken) return;
    const wasBoth = this.#beams.a.broken && this.#beams.b.broken;
    beam.broken = edge.broken;
    beam.since = edge.at;
    const both = this.#beams.a.broken && this.#beams.b.broken;
    const neither = !this.#beams.a.broken && !this.#beams.b.broken;

    if (edge.broken) {
      const lead = this.#lead;
      if (!lead) {
        this.#lead = { origin: edge.beam, reachedFar: false };
        return;
      }
      if (!both) return;
      this.#bothSince = edge.at;
      if (edge.beam !== lead.origin) lead.reachedFar = true;
      // The lead's origin beam broke again while the lead was on the far beam only: a second body.
      else if (!this.#stalled && lead.reachedFar) this.#follower = { origin: edge.beam, reachedFar: false };
      return;
    }

    if (wasBoth) this.#bothSince = null;
    const lead = this.#lead;
    if (!lead) return;
    if (neither) {
      if (this.#stalled) this.#count(directionFrom(other(edge.beam)), edge.at, out);
      else if (!lead.reachedFar) this.#stats.aborted++;
      else if (edge.beam === lead.origin) this.#stats.reversed++;
      else this.#count(directionFrom(lead.origin), edge.at, out);
      this.#lead = null;
      this.#follower = null;
      this.#stalled = false;
      return;
    }
    const follower = this.#follower;
    if (!follower) return;
    this.#follower = null;
    if (edge.beam !== lead.origin) {
      // The far beam cleared: the lead is through; the follower is now where the lead began.
      this.#count(directionFrom(lead.origin), edge.at, out);
      this.#lead = follower;
    } else {
      this.#stats.aborted++; // the follower stepped back; the lead is still on the far beam
    }
  }

  #count(direction: Direction, at: number, out: Crossing[]): void {
    this.#stats[direction]++;
    out.push({ direction, at });
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
