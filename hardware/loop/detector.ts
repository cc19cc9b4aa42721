/**
 * What every loop driver shares: one LoopPair per lane fed by a `LoopSource` (the only part a
 * driver writes: open the inputs, report their edges, close them), one timer for whatever is due
 * next (an edge to apply, a loop to call stuck, silence to look at), the faults and the listeners.
 *
 * Silence is counted in opening time only: at each look, the monotonic time since the last look
 * is added to every clear loop's quiet time if the car park is open now (by the wall clock, in its
 * time zone); any edge of a loop, chatter included, shows it alive and zeroes it. So a loop quiet
 * all night is not silent at opening, and a wall clock that steps moves nothing.
 *
 * Nothing here throws at a caller from a callback: a listener that throws, a line that fails to
 * read and a bug in a timer are caught, counted in health() and logged (hardware/common/caught.ts).
 * The lifecycle, the timer and the faults' book are every edge driver's (hardware/common/).
 */
import { describe, Listeners } from '../common/caught.js';
import { EdgeDriver, type EdgeSource } from '../common/driver.js';
import { FaultBook, type FaultPlaces } from '../common/faults.js';
import { checkTimeZone, isOpenAt, parseHhMm, type OpenHours } from './hours.js';
import type { LaneCrossing, LaneDiagnostics, LoopDetector, LoopFault, LoopFaultEvent, LoopHealth, LoopReadingOptions } from './loop.js';
import { LoopPair, type LanePassage, type Loop } from './pair.js';

export const DEFAULT_STUCK_MS = 600_000;
export const DEFAULT_TIME_ZONE = 'Europe/Ljubljana';
/** Silence is looked at least this often while the detector runs (ms). */
const SILENCE_LOOK_MS = 60_000;
const LOOPS: readonly Loop[] = ['a', 'b'];

/** A lane's two loops: true while occupied. */
export interface LoopLevels {
  a: boolean;
  b: boolean;
}

/** Where a driver reports edges. Never throws. */
export interface LoopSink {
  /** A loop became occupied or clear; `at` is monotonic ms on the detector's clock (now when left out). */
  edge(lane: string, loop: Loop, occupied: boolean, at?: number): void;
  /** A loop's input could not be read: a `line-error` fault until its next good edge. */
  error(lane: string, loop: Loop, err: unknown): void;
}

/** A driver's inputs: gpio lines, simulated traffic. */
export interface LoopSource extends EdgeSource<LoopSink, ReadonlyMap<string, LoopLevels>> {
  /** Opens every lane's inputs, reports to `sink` from now on, returns how they read now. On failure it releases what it opened and rejects. */
  open(sink: LoopSink): Promise<ReadonlyMap<string, LoopLevels>>;
}

/** Lane names as the `loops` stream carries them (1–32 characters: letters, digits, - and _), each once. */
export function checkLanes(lanes: readonly string[], what: string): string[] {
  if (lanes.length === 0 || lanes.length > 16) throw new RangeError(`${what}: 1 to 16 lanes, not ${lanes.length}`);
  for (const l of lanes) {
    if (typeof l !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(l)) throw new RangeError(`${what}: lane ${JSON.stringify(l)} is not a lane name (1–32 of A–Z a–z 0–9 - _)`);
  }
  if (new Set(lanes).size !== lanes.length) throw new RangeError(`${what}: a lane is listed twice`);
  return [...lanes];
}

interface LaneState {
  pair: LoopPair;
  /** Opening time without an edge, per loop (ms). */
  quiet: Record<Loop, number>;
  /** Wall ms of each loop's last edge (or of the start). */
  heardAt: Record<Loop, number>;
}

/** Loop faults are placed by lane and loop. */
const LANE_PLACES: FaultPlaces<LoopFault> = {
  key: ({ lane, loop, kind }) => `${lane}:${loop}:${kind}`,
  name: ({ lane, loop }) => ({ place: `lane ${lane}`, details: { loop } }),
};

export class LaneLoopDetector extends EdgeDriver<LoopSink, ReadonlyMap<string, LoopLevels>> implements LoopDetector {
  readonly lanes: readonly string[];
  readonly #stuckMs: number;
  readonly #silentMs: number | null;
  readonly #openHours: OpenHours | undefined;
  readonly #timeZone: string;
  readonly #state = new Map<string, LaneState>();
  readonly #faults: FaultBook<LoopFault>;
  readonly #crossingListeners: Listeners<LaneCrossing>;
  /** Monotonic ms of the last look at silence. */
  #lookedAt = 0;

  constructor(lanes: readonly string[], source: LoopSource, options: LoopReadingOptions, what: string) {
    const checked = checkLanes(lanes, what);
    super(source, options, 'closing the loops');
    this.lanes = checked;
    this.#crossingListeners = new Listeners(this.caught, 'a crossing listener');
    this.#faults = new FaultBook(LANE_PLACES, this.clock, options.log, this.caught);
    this.#stuckMs = options.stuckMs ?? DEFAULT_STUCK_MS;
    if (!Number.isFinite(this.#stuckMs) || this.#stuckMs <= 0) throw new RangeError(`${what}: stuckMs must be > 0, not ${this.#stuckMs}`);
    this.#silentMs = options.silentMs ?? null;
    if (this.#silentMs !== null && (!Number.isFinite(this.#silentMs) || this.#silentMs <= 0)) throw new RangeError(`${what}: silentMs must be > 0, not ${this.#silentMs}`);
    this.#timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    checkTimeZone(this.#timeZone, `${what}: timeZone`);
    if (options.openHours) {
      parseHhMm(options.openHours.from, `${what}: openHours.from`);
      parseHhMm(options.openHours.to, `${what}: openHours.to`);
      this.#openHours = { ...options.openHours };
    }
    for (const lane of this.lanes) {
      const pair = new LoopPair({ debounceMs: options.debounceMs, gapMs: options.gapMs, reorderMs: options.reorderMs });
      this.#state.set(lane, { pair, quiet: { a: 0, b: 0 }, heardAt: { a: 0, b: 0 } });
    }
  }

  protected get timeZone(): string {
    return this.#timeZone;
  }

  protected override sink(): LoopSink {
    return {
      edge: (lane, loop, occupied, at) => this.#edge(lane, loop, occupied, at),
      error: (lane, loop, err) => this.#lineError(lane, loop, err),
    };
  }

  protected override opened(levels: ReadonlyMap<string, LoopLevels>): void {
    const now = this.clock.mono();
    for (const [lane, s] of this.#state) {
      s.pair.prime(levels.get(lane) ?? { a: false, b: false }, now);
      s.quiet = { a: 0, b: 0 };
      s.heardAt = { a: this.clock.now(), b: this.clock.now() };
    }
    this.#lookedAt = now;
  }

  protected override started(): void {
    this.tick();
  }

  protected override stopping(): void {
    for (const [lane, s] of this.#state) this.#guard(() => this.#emit(lane, s.pair.flush()));
  }

  onCrossing(listener: (crossing: LaneCrossing) => void): () => void {
    return this.#crossingListeners.add(listener);
  }

  onFault(listener: (event: LoopFaultEvent) => void): () => void {
    return this.#faults.onChange(listener);
  }

  health(): LoopHealth {
    const faults = this.#faults
      .list()
      .sort((x, y) => this.lanes.indexOf(x.lane) - this.lanes.indexOf(y.lane) || x.loop.localeCompare(y.loop) || x.kind.localeCompare(y.kind));
    const lanes: LaneDiagnostics[] = [...this.#state].map(([lane, s]) => ({ lane, ...s.pair.stats }));
    const health: LoopHealth = { status: !this.running ? 'stopped' : faults.length > 0 ? 'fault' : 'ok', faults, lanes, errors: this.caught.count };
    if (this.caught.last !== undefined) health.lastError = this.caught.last;
    return health;
  }

  #edge(lane: string, loop: Loop, occupied: boolean, at?: number): void {
    if (!this.running) return;
    this.#guard(() => {
      const s = this.#state.get(lane);
      if (!s || (loop !== 'a' && loop !== 'b')) return;
      this.#faults.clear({ lane, loop, kind: 'line-error' });
      const now = this.clock.mono();
      this.#lookAtSilence(now);
      s.quiet[loop] = 0;
      s.heardAt[loop] = this.clock.now();
      this.#faults.clear({ lane, loop, kind: 'loop-silent' });
      this.#emit(lane, s.pair.feed({ loop, occupied: occupied === true, at: at ?? now }));
      this.#emit(lane, s.pair.advance(now));
      this.#checkStuck(now);
    });
    this.#schedule();
  }

  #lineError(lane: string, loop: Loop, err: unknown): void {
    if (!this.running) return;
    this.caught.record(`lane ${lane} loop ${loop.toUpperCase()}: read failed`, err);
    if (this.#state.has(lane)) this.#faults.raise({ lane, loop, kind: 'line-error', since: this.clock.now(), message: `read failed: ${describe(err)}` });
  }

  /** Applies whatever is due, raises and clears faults, sets the timer for what comes next. */
  protected override tick(): void {
    if (!this.running) return;
    this.#guard(() => {
      const now = this.clock.mono();
      for (const [lane, s] of this.#state) this.#emit(lane, s.pair.advance(now));
      this.#checkStuck(now);
      this.#lookAtSilence(now);
    });
    this.#schedule();
  }

  #checkStuck(now: number): void {
    for (const [lane, s] of this.#state) {
      for (const loop of LOOPS) {
        const reading = s.pair.loop(loop);
        if (reading.occupied && now - reading.since >= this.#stuckMs) {
          const mins = Math.round((now - reading.since) / 60_000);
          this.#faults.raise({ lane, loop, kind: 'loop-stuck', since: this.wallOf(reading.since), message: `loop ${loop.toUpperCase()} occupied for ${mins} min` });
        } else if (!reading.occupied) {
          this.#faults.clear({ lane, loop, kind: 'loop-stuck' });
        }
      }
    }
  }

  #lookAtSilence(now: number): void {
    const elapsed = Math.max(0, now - this.#lookedAt);
    this.#lookedAt = now;
    if (this.#silentMs === null || !isOpenAt(this.clock.now(), this.#openHours, this.#timeZone)) return;
    for (const [lane, s] of this.#state) {
      for (const loop of LOOPS) {
        if (s.pair.loop(loop).occupied) continue; // an occupied loop is not silent (and may be stuck)
        s.quiet[loop] += elapsed;
        if (s.quiet[loop] >= this.#silentMs) {
          const mins = Math.round(s.quiet[loop] / 60_000);
          this.#faults.raise({ lane, loop, kind: 'loop-silent', since: s.heardAt[loop], message: `loop ${loop.toUpperCase()} silent for ${mins} min of opening hours` });
        }
      }
    }
  }

  #schedule(): void {
    if (!this.running) return;
    let due = Infinity;
    let quietest = 0;
    for (const [lane, s] of this.#state) {
      const next = s.pair.nextDeadline();
      if (next !== null) due = Math.min(due, next);
      for (const loop of LOOPS) {
        const r = s.pair.loop(loop);
        // A stuck fault already raised needs no timer: the edge that clears the loop clears it.
        if (r.occupied && !this.#faults.has({ lane, loop, kind: 'loop-stuck' })) due = Math.min(due, r.since + this.#stuckMs);
        if (!r.occupied && !this.#faults.has({ lane, loop, kind: 'loop-silent' })) quietest = Math.max(quietest, s.quiet[loop]);
      }
    }
    if (this.#silentMs !== null) due = Math.min(due, this.#lookedAt + Math.max(1, Math.min(SILENCE_LOOK_MS, this.#silentMs - quietest)));
    this.dueTimer.set(due);
  }

  #emit(lane: string, passages: LanePassage[]): void {
    for (const p of passages) this.#crossingListeners.tell({ lane, order: p.order, at: this.wallOf(p.at) });
  }

  #guard(work: () => void): void {
    this.caught.guard('loop reading', work);
  }
}
