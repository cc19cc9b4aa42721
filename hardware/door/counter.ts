/**
 * What every door driver shares: one BeamPairCounter per door fed by a `BeamSource` (the only part
 * a driver writes: open the beams, report their edges, close them), one timer for whatever is due
 * next (an edge to apply, a stall, a beam to call stuck), the counts, the faults and the listeners.
 *
 * Nothing here throws at a caller from a callback: a listener that throws, a line that fails to
 * read and a bug in a timer are caught, counted in health() and logged (caught.ts).
 */
import { systemClock, type Clock, type Logger } from '../../protocols/index.js';
import { BeamPairCounter, type Beam, type Crossing } from './beams.js';
import { CaughtErrors, describe, Listeners } from './caught.js';
import type {
  DoorCount,
  DoorCounter,
  DoorCountingOptions,
  DoorCrossing,
  DoorDiagnostics,
  DoorFault,
  DoorFaultEvent,
  DoorFaultKind,
  DoorHealth,
} from './door.js';
import { systemTimers, type DoorTimers } from './time.js';

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
export interface BeamSource {
  /** Opens every door's beams, reports to `sink` from now on, and returns how they read now. On failure it releases what it opened and rejects. */
  open(sink: BeamSink): Promise<ReadonlyMap<number, BeamLevels>>;
  /** Releases every watcher and line; reports nothing more. Never rejects. */
  close(): Promise<void>;
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

export class BeamDoorCounter implements DoorCounter {
  readonly doors: readonly number[];
  readonly #source: BeamSource;
  readonly #clock: Clock;
  readonly #timers: DoorTimers;
  readonly #log: Logger | undefined;
  readonly #stuckMs: number;
  readonly #state = new Map<number, DoorState>();
  readonly #faults = new Map<string, DoorFault>();
  readonly #errors: CaughtErrors;
  readonly #crossingListeners: Listeners<DoorCrossing>;
  readonly #faultListeners: Listeners<DoorFaultEvent>;
  #running = false;
  #starting: Promise<void> | null = null;
  #timer: unknown = null;
  #timerDue = Infinity;

  constructor(doors: readonly number[], source: BeamSource, options: DoorCountingOptions, what: string) {
    this.doors = checkDoors(doors, what);
    this.#source = source;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#log = options.log;
    this.#errors = new CaughtErrors(options.log);
    this.#crossingListeners = new Listeners(this.#errors, 'a crossing listener');
    this.#faultListeners = new Listeners(this.#errors, 'a fault listener');
    this.#stuckMs = options.stuckMs ?? DEFAULT_STUCK_MS;
    if (!Number.isFinite(this.#stuckMs) || this.#stuckMs <= 0) throw new RangeError(`${what}: stuckMs must be > 0, not ${this.#stuckMs}`);
    for (const door of this.doors) {
      const pair = new BeamPairCounter({ debounceMs: options.debounceMs, reorderMs: options.reorderMs, stallMs: options.stallMs });
      this.#state.set(door, { pair, boardings: 0, alightings: 0 });
    }
  }

  /** The time source, for drivers that schedule their own work (simulated passengers). */
  protected get clock(): Clock {
    return this.#clock;
  }

  protected get timers(): DoorTimers {
    return this.#timers;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#starting ??= this.#open().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #open(): Promise<void> {
    const sink: BeamSink = {
      edge: (door, beam, broken, at) => this.#edge(door, beam, broken, at),
      error: (door, beam, err) => this.#lineError(door, beam, err),
    };
    let levels: ReadonlyMap<number, BeamLevels>;
    try {
      levels = await this.#source.open(sink);
    } catch (err) {
      await this.#source.close().catch(() => undefined);
      throw err;
    }
    const now = this.#clock.mono();
    for (const [door, s] of this.#state) s.pair.prime(levels.get(door) ?? { a: false, b: false }, now);
    this.#running = true;
    this.#tick();
  }

  async stop(): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (!this.#running) return;
    this.#running = false;
    this.#clearTimer();
    for (const [door, s] of this.#state) this.#guard(() => this.#emit(door, s.pair.flush()));
    try {
      await this.#source.close();
    } catch (err) {
      this.#errors.record('closing the beams', err);
    }
  }

  onCrossing(listener: (crossing: DoorCrossing) => void): () => void {
    return this.#crossingListeners.add(listener);
  }

  onFault(listener: (event: DoorFaultEvent) => void): () => void {
    return this.#faultListeners.add(listener);
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
    const faults = [...this.#faults.values()].map((f) => ({ ...f })).sort((x, y) => x.door - y.door || x.beam.localeCompare(y.beam));
    const doors: DoorDiagnostics[] = [...this.#state].map(([door, s]) => {
      const { in: _in, out: _out, ...rest } = s.pair.stats;
      return { door, ...rest };
    });
    const health: DoorHealth = {
      status: !this.#running ? 'stopped' : faults.length > 0 ? 'fault' : 'ok',
      faults,
      doors,
      errors: this.#errors.count,
    };
    if (this.#errors.last !== undefined) health.lastError = this.#errors.last;
    return health;
  }

  #edge(door: number, beam: Beam, broken: boolean, at?: number): void {
    if (!this.#running) return;
    this.#guard(() => {
      const s = this.#state.get(door);
      if (!s || (beam !== 'a' && beam !== 'b')) return;
      this.#clearFault(door, beam, 'line-error');
      const now = this.#clock.mono();
      this.#emit(door, s.pair.feed({ beam, broken: broken === true, at: at ?? now }));
      this.#emit(door, s.pair.advance(now));
      this.#checkStuck(now);
    });
    this.#schedule();
  }

  #lineError(door: number, beam: Beam, err: unknown): void {
    if (!this.#running) return;
    this.#errors.record(`door ${door} beam ${beam.toUpperCase()}: read failed`, err);
    if (this.#state.has(door)) this.#raise({ door, beam, kind: 'line-error', since: this.#clock.now(), message: `read failed: ${describe(err)}` });
  }

  /** Applies whatever is due, raises and clears stuck faults, sets the timer for what comes next. */
  #tick = (): void => {
    this.#timer = null;
    this.#timerDue = Infinity;
    if (!this.#running) return;
    this.#guard(() => {
      const now = this.#clock.mono();
      for (const [door, s] of this.#state) this.#emit(door, s.pair.advance(now));
      this.#checkStuck(now);
    });
    this.#schedule();
  };

  #checkStuck(now: number): void {
    for (const [door, s] of this.#state) {
      for (const beam of BEAMS) {
        const reading = s.pair.beam(beam);
        if (reading.broken && now - reading.since >= this.#stuckMs) {
          const secs = Math.round((now - reading.since) / 1000);
          this.#raise({ door, beam, kind: 'beam-stuck', since: this.#wallOf(reading.since), message: `beam ${beam.toUpperCase()} broken for ${secs} s` });
        } else if (!reading.broken) {
          this.#clearFault(door, beam, 'beam-stuck');
        }
      }
    }
  }

  #schedule(): void {
    if (!this.#running) return;
    let due = Infinity;
    for (const [door, s] of this.#state) {
      const next = s.pair.nextDeadline();
      if (next !== null) due = Math.min(due, next);
      for (const beam of BEAMS) {
        const r = s.pair.beam(beam);
        // A stuck fault already raised needs no timer: the edge that clears the beam clears it.
        if (r.broken && !this.#faults.has(key(door, beam, 'beam-stuck'))) due = Math.min(due, r.since + this.#stuckMs);
      }
    }
    if (due === this.#timerDue) return;
    this.#clearTimer();
    if (!Number.isFinite(due)) return;
    this.#timerDue = due;
    this.#timer = this.#timers.setTimeout(this.#tick, Math.max(0, Math.ceil(due - this.#clock.mono())));
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDue = Infinity;
  }

  #emit(door: number, crossings: Crossing[]): void {
    const s = this.#state.get(door)!;
    for (const c of crossings) {
      if (c.direction === 'in') s.boardings++;
      else s.alightings++;
      this.#crossingListeners.tell({ door, direction: c.direction, at: this.#wallOf(c.at) });
    }
  }

  #raise(fault: DoorFault): void {
    const k = key(fault.door, fault.beam, fault.kind);
    if (this.#faults.has(k)) return;
    this.#faults.set(k, fault);
    this.#log?.warn(`door ${fault.door}: ${fault.kind}`, { beam: fault.beam, message: fault.message });
    this.#faultListeners.tell({ ...fault, state: 'raised', at: this.#clock.now() });
  }

  #clearFault(door: number, beam: Beam, kind: DoorFaultKind): void {
    const fault = this.#faults.get(key(door, beam, kind));
    if (!fault) return;
    this.#faults.delete(key(door, beam, kind));
    this.#log?.info(`door ${door}: ${kind} cleared`, { beam });
    this.#faultListeners.tell({ ...fault, state: 'cleared', at: this.#clock.now() });
  }

  /** Monotonic ms on our clock → wall-clock ms. */
  #wallOf(mono: number): number {
    return Math.round(this.#clock.now() - (this.#clock.mono() - mono));
  }

  #guard(work: () => void): void {
    this.#errors.guard('door counting', work);
  }
}

const key = (door: number, beam: Beam, kind: DoorFaultKind) => `${door}:${beam}:${kind}`;
