/**
 * What every door driver shares: one BeamPairCounter per door fed by a `BeamSource` (the only part
 * a driver writes: open the beams, report their edges, close them), one timer for whatever is due
 * next (an edge to apply, a stall, a beam to call stuck), the counts, the faults and the listeners.
 * The lifecycle, the timer and the faults' book are every edge driver's (hardware/common/).
 *
 * Nothing here throws at a caller from a callback: a listener that throws, a line that fails to
 * read and a bug in a timer are caught, counted in health() and logged (hardware/common/caught.ts).
 */
import { describe, Listeners } from '../common/caught.js';
import { EdgeDriver, type EdgeSource } from '../common/driver.js';
import { FaultBook, type FaultPlaces } from '../common/faults.js';
import { BeamPairCounter, type Beam, type Crossing } from './beams.js';
import type {
  DoorCount,
  DoorCounter,
  DoorCountingOptions,
  DoorCrossing,
  DoorDiagnostics,
  DoorFault,
  DoorFaultEvent,
  DoorHealth,
} from './door.js';

export const DEFAULT_STUCK_MS = 60_000;
const BEAMS: readonly Beam[] = ['a', 'b'];

/** Both beams of a door: true while broken. */
export interface BeamLevels {
  a: boolean;
  b: boolean;
}

/** Where a driver reports edges. Never throws. */
export interface BeamSink {
  /** A beam broke or cleared; `at` is monotonic ms on the counter's clock (now when left out). */
  edge(door: number, beam: Beam, broken: boolean, at?: number): void;
  /** A beam could not be read: a `line-error` fault until its next good edge. */
  error(door: number, beam: Beam, err: unknown): void;
}

/** A driver's beams: gpio lines, simulated passengers, a Firmata board's pins. */
export interface BeamSource extends EdgeSource<BeamSink, ReadonlyMap<number, BeamLevels>> {
  /** Opens every door's beams, reports to `sink` from now on, and returns how they read now. On failure it releases what it opened and rejects. */
  open(sink: BeamSink): Promise<ReadonlyMap<number, BeamLevels>>;
}

/** Door numbers as the wire has them (ApcDoorCount: 1…8, 1 at the front), each once. */
export function checkDoors(doors: readonly number[], what: string): number[] {
  if (doors.length === 0 || doors.length > 8) throw new RangeError(`${what}: 1 to 8 doors, not ${doors.length}`);
  for (const d of doors) if (!Number.isInteger(d) || d < 1 || d > 8) throw new RangeError(`${what}: door ${d} is not 1…8`);
  if (new Set(doors).size !== doors.length) throw new RangeError(`${what}: a door is listed twice`);
  return [...doors].sort((x, y) => x - y);
}

interface DoorState {
  pair: BeamPairCounter;
  boardings: number;
  alightings: number;
}

/** Door faults are placed by door and beam. */
const DOOR_PLACES: FaultPlaces<DoorFault> = {
  key: ({ door, beam, kind }) => `${door}:${beam}:${kind}`,
  name: ({ door, beam }) => ({ place: `door ${door}`, details: { beam } }),
};

export class BeamDoorCounter extends EdgeDriver<BeamSink, ReadonlyMap<number, BeamLevels>> implements DoorCounter {
  readonly doors: readonly number[];
  readonly #stuckMs: number;
  readonly #state = new Map<number, DoorState>();
  readonly #faults: FaultBook<DoorFault>;
  readonly #crossingListeners: Listeners<DoorCrossing>;

  constructor(doors: readonly number[], source: BeamSource, options: DoorCountingOptions, what: string) {
    const checked = checkDoors(doors, what);
    super(source, options, 'closing the beams');
    this.doors = checked;
    this.#crossingListeners = new Listeners(this.caught, 'a crossing listener');
    this.#faults = new FaultBook(DOOR_PLACES, this.clock, options.log, this.caught);
    this.#stuckMs = options.stuckMs ?? DEFAULT_STUCK_MS;
    if (!Number.isFinite(this.#stuckMs) || this.#stuckMs <= 0) throw new RangeError(`${what}: stuckMs must be > 0, not ${this.#stuckMs}`);
    for (const door of this.doors) {
      const pair = new BeamPairCounter({ debounceMs: options.debounceMs, reorderMs: options.reorderMs, stallMs: options.stallMs });
      this.#state.set(door, { pair, boardings: 0, alightings: 0 });
    }
  }

  protected override sink(): BeamSink {
    return {
      edge: (door, beam, broken, at) => this.#edge(door, beam, broken, at),
      error: (door, beam, err) => this.#lineError(door, beam, err),
    };
  }

  protected override opened(levels: ReadonlyMap<number, BeamLevels>): void {
    const now = this.clock.mono();
    for (const [door, s] of this.#state) s.pair.prime(levels.get(door) ?? { a: false, b: false }, now);
  }

  protected override started(): void {
    this.tick();
  }

  protected override stopping(): void {
    for (const [door, s] of this.#state) this.#guard(() => this.#emit(door, s.pair.flush()));
  }

  onCrossing(listener: (crossing: DoorCrossing) => void): () => void {
    return this.#crossingListeners.add(listener);
  }

  onFault(listener: (event: DoorFaultEvent) => void): () => void {
    return this.#faults.onChange(listener);
  }

  counts(): DoorCount[] {
    return [...this.#state].map(([door, s]) => ({ door, boardings: s.boardings, alightings: s.alightings }));
  }

  reset(): void {
    for (const s of this.#state.values()) {
      s.boardings = 0;
      s.alightings = 0;
      s.pair.resetStats();
    }
  }

  health(): DoorHealth {
    const faults = this.#faults.list().sort((x, y) => x.door - y.door || x.beam.localeCompare(y.beam));
    const doors: DoorDiagnostics[] = [...this.#state].map(([door, s]) => {
      const { in: _in, out: _out, ...rest } = s.pair.stats;
      return { door, ...rest };
    });
    const health: DoorHealth = {
      status: !this.running ? 'stopped' : faults.length > 0 ? 'fault' : 'ok',
      faults,
      doors,
      errors: this.caught.count,
    };
    if (this.caught.last !== undefined) health.lastError = this.caught.last;
    return health;
  }

  #edge(door: number, beam: Beam, broken: boolean, at?: number): void {
    if (!this.running) return;
    this.#guard(() => {
      const s = this.#state.get(door);
      if (!s || (beam !== 'a' && beam !== 'b')) return;
      this.#faults.clear({ door, beam, kind: 'line-error' });
      const now = this.clock.mono();
      this.#emit(door, s.pair.feed({ beam, broken: broken === true, at: at ?? now }));
      this.#emit(door, s.pair.advance(now));
      this.#checkStuck(now);
    });
    this.#schedule();
  }

  #lineError(door: number, beam: Beam, err: unknown): void {
    if (!this.running) return;
    this.caught.record(`door ${door} beam ${beam.toUpperCase()}: read failed`, err);
    if (this.#state.has(door)) this.#faults.raise({ door, beam, kind: 'line-error', since: this.clock.now(), message: `read failed: ${describe(err)}` });
  }

  /** Applies whatever is due, raises and clears stuck faults, sets the timer for what comes next. */
  protected override tick(): void {
    if (!this.running) return;
    this.#guard(() => {
      const now = this.clock.mono();
      for (const [door, s] of this.#state) this.#emit(door, s.pair.advance(now));
      this.#checkStuck(now);
    });
    this.#schedule();
  }

  #checkStuck(now: number): void {
    for (const [door, s] of this.#state) {
      for (const beam of BEAMS) {
        const reading = s.pair.beam(beam);
        if (reading.broken && now - reading.since >= this.#stuckMs) {
          const secs = Math.round((now - reading.since) / 1000);
          this.#faults.raise({ door, beam, kind: 'beam-stuck', since: this.wallOf(reading.since), message: `beam ${beam.toUpperCase()} broken for ${secs} s` });
        } else if (!reading.broken) {
          this.#faults.clear({ door, beam, kind: 'beam-stuck' });
        }
      }
    }
  }

  #schedule(): void {
    if (!this.running) return;
    let due = Infinity;
    for (const [door, s] of this.#state) {
      const next = s.pair.nextDeadline();
      if (next !== null) due = Math.min(due, next);
      for (const beam of BEAMS) {
        const r = s.pair.beam(beam);
        // A stuck fault already raised needs no timer: the edge that clears the beam clears it.
        if (r.broken && !this.#faults.has({ door, beam, kind: 'beam-stuck' })) due = Math.min(due, r.since + this.#stuckMs);
      }
    }
    this.dueTimer.set(due);
  }

  #emit(door: number, crossings: Crossing[]): void {
    const s = this.#state.get(door)!;
    for (const c of crossings) {
      if (c.direction === 'in') s.boardings++;
      else s.alightings++;
      this.#crossingListeners.tell({ door, direction: c.direction, at: this.wallOf(c.at) });
    }
  }

  #guard(work: () => void): void {
    this.caught.guard('door counting', work);
  }
}
