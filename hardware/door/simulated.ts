/**
 * Doors whose beams are broken by simulated passengers (tests, the demo town): `setBeam` breaks or
 * clears one beam now, `simulateStop` walks a seeded stop visit (passengers.ts) through a door on
 * the counter's timers. The edges go through the same BeamDoorCounter and BeamPairCounter as the
 * GPIO driver's, so what is counted here is what the real counter would count.
 *
 * As on a real door, a beam reports when it changes and is timestamped as it arrives; a beam set
 * while the counter is stopped is simply how the door is found at the next start.
 */
import type { Beam, BeamEdge } from './beams.js';
import { BeamDoorCounter, checkDoors, type BeamLevels, type BeamSink, type BeamSource } from './counter.js';
import type { DoorCountingOptions } from './door.js';
import { planStopVisit, type StopVisitOptions, type StopVisitPlan } from './passengers.js';

export interface SimulatedDoorOptions {
  /** Door numbers, 1 at the front (default [1, 2]: a city bus's front and middle doors). */
  doors?: readonly number[];
}

/** The simulated beams: levels set by a test or a passenger timeline; reported while open. */
class SimulatedBeams implements BeamSource {
  readonly #levels = new Map<number, BeamLevels>();
  #sink: BeamSink | null = null;

  constructor(doors: readonly number[]) {
    for (const door of doors) this.#levels.set(door, { a: false, b: false });
  }

  /** True while open: a counter hears these beams. */
  get heard(): boolean {
    return this.#sink !== null;
  }

  levels(door: number): BeamLevels {
    return { ...this.#level(door) };
  }

  set(door: number, beam: Beam, broken: boolean): void {
    const level = this.#level(door);
    if (beam !== 'a' && beam !== 'b') throw new RangeError(`simulated door: no beam ${JSON.stringify(beam)} (a or b)`);
    if (level[beam] === broken) return;
    level[beam] = broken;
    this.#sink?.edge(door, beam, broken);
  }

  /** Clears a door's beams without reporting it (the people walked off while no one was counting). */
  forget(door: number): void {
    this.#levels.set(door, { a: false, b: false });
  }

  async open(sink: BeamSink): Promise<ReadonlyMap<number, BeamLevels>> {
    this.#sink = sink;
    return new Map([...this.#levels].map(([door, l]) => [door, { ...l }]));
  }

  async close(): Promise<void> {
    this.#sink = null;
  }

  #level(door: number): BeamLevels {
    const level = this.#levels.get(door);
    if (!level) throw new RangeError(`simulated door: no door ${door} (doors ${[...this.#levels.keys()].join(', ')})`);
    return level;
  }
}

interface Scheduled {
  door: number;
  /** Monotonic ms when it happens. */
  due: number;
  edge: BeamEdge;
}

export class SimulatedDoorCounter extends BeamDoorCounter {
  readonly #beams: SimulatedBeams;
  readonly #debounceMs: number;
  /** Edges of the visits under way, by due time. */
  #queue: Scheduled[] = [];
  #timer: unknown = null;

  constructor(config: SimulatedDoorOptions & DoorCountingOptions = {}) {
    const doors = checkDoors(config.doors ?? [1, 2], 'simulated door counter');
    const beams = new SimulatedBeams(doors);
    super(doors, beams, config, 'simulated door counter');
    this.#beams = beams;
    this.#debounceMs = config.debounceMs ?? 30;
  }

  /** Breaks (true) or clears (false) one beam of one door, now. RangeError for a door or beam it does not have. */
  setBeam(door: number, beam: Beam, broken: boolean): void {
    this.#beams.set(door, beam, broken);
  }

  /** How a door's beams are now. */
  beams(door: number): BeamLevels {
    return this.#beams.levels(door);
  }

  /** True between start() and stop(): the counter hears the beams. */
  get listening(): boolean {
    return this.#beams.heard;
  }

  /** Doors with a visit under way. */
  get visiting(): number[] {
    return [...new Set(this.#queue.map((s) => s.door))].sort((x, y) => x - y);
  }

  /**
   * Walks a stop visit's passengers through `door`, starting now, on the counter's timers; returns
   * the plan (what must be counted, and what must not). One visit at a time per door: a second
   * while one is under way is a RangeError. stop() ends the visits under way.
   */
  simulateStop(visit: StopVisitOptions & { door: number }): StopVisitPlan {
    if (!this.doors.includes(visit.door)) throw new RangeError(`simulated door: no door ${visit.door}`);
    if (this.visiting.includes(visit.door)) throw new RangeError(`simulated door: door ${visit.door} has a visit under way`);
    const plan = planStopVisit({ debounceMs: this.#debounceMs, ...visit });
    const start = this.clock.mono();
    const added = plan.edges.map((edge) => ({ door: visit.door, due: start + edge.at, edge }));
    this.#queue = [...this.#queue, ...added].sort((x, y) => x.due - y.due);
    this.#arm();
    return plan;
  }

  override async stop(): Promise<void> {
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = null;
    const cancelled = this.visiting;
    this.#queue = [];
    await super.stop();
    for (const door of cancelled) this.#beams.forget(door);
  }

  #arm(): void {
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = null;
    const next = this.#queue[0];
    if (!next) return;
    this.#timer = this.timers.setTimeout(this.#play, Math.max(0, Math.ceil(next.due - this.clock.mono())));
  }

  #play = (): void => {
    this.#timer = null;
    const now = this.clock.mono();
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now) {
      const { door, edge } = this.#queue.shift()!;
      this.#beams.set(door, edge.beam, edge.broken);
    }
    this.#arm();
  };
}
