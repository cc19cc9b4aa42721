/**
 * Doors whose beams are broken by simulated passengers (tests, the demo town): `setBeam` breaks or
 * clears one beam now, `simulateStop` walks a seeded stop visit (passengers.ts) through a door on
 * the counter's timers, and a visit timeline (`visits`, timeline.ts) has each of its visits walked
 * through its door when the wall clock reaches the visit's time. The edges go through the same
 * BeamDoorCounter and BeamPairCounter as the GPIO driver's, so what is counted here is what the
 * real counter would count.
 *
 * As on a real door, a beam reports when it changes and is timestamped as it arrives; a beam set
 * while the counter is stopped is simply how the door is found at the next start.
 *
 * The timeline is read at each start() (a file that cannot be read, or a bad line, rejects it,
 * naming the file and line, and nothing is left running), and played like a GNSS log at
 * `rate: 'clock'` (hardware/gnss/replay.ts): visits already past at start are skipped, each later
 * one begins when the wall clock reaches it (the wall clock read once at start; the waits run on the
 * monotonic clock, so a stepped clock moves nothing). A visit due while its door still has one
 * under way follows it, a second after.
 */
import type { Beam, BeamEdge } from './beams.js';
import { BeamDoorCounter, checkDoors, type BeamLevels, type BeamSink, type BeamSource } from './counter.js';
import type { DoorCountingOptions } from './door.js';
import { planStopVisit, type StopVisitOptions, type StopVisitPlan } from './passengers.js';
import { readVisitTimeline, visitSeed, type TimelineVisit } from './timeline.js';

export interface SimulatedDoorOptions {
  /** Door numbers, 1 at the front (default [1, 2]: a city bus's front and middle doors). */
  doors?: readonly number[];
  /** A visit timeline file (timeline.ts) to play by the wall clock. */
  visits?: string;
}

/** How a timeline is being played since the last start(). */
export interface VisitTimelineProgress {
  file: string;
  /** Visits begun. */
  played: number;
  /** Visits already past at start(). */
  skipped: number;
  /** Visits still to come. */
  pending: number;
}

/** A visit due after this long is waited for in steps of it (Node's timers stop at 2^31 ms). */
const MAX_WAIT_MS = 3_600_000;
/** A visit due while its door is busy begins this long after the door's last edge. */
const FOLLOW_MS = 1000;

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
  readonly #visitsFile: string | undefined;
  /** Edges of the visits under way, by due time. */
  #queue: Scheduled[] = [];
  #timer: unknown = null;
  /** The timeline's visits still to come, in time order, each with its monotonic due time. */
  #timeline: { visit: TimelineVisit; due: number }[] = [];
  #timelineTimer: unknown = null;
  #progress: VisitTimelineProgress | null = null;
  #starting: Promise<void> | null = null;

  constructor(config: SimulatedDoorOptions & DoorCountingOptions = {}) {
    const doors = checkDoors(config.doors ?? [1, 2], 'simulated door counter');
    const beams = new SimulatedBeams(doors);
    super(doors, beams, config, 'simulated door counter');
    this.#beams = beams;
    this.#debounceMs = config.debounceMs ?? 30;
    if (config.visits !== undefined && (typeof config.visits !== 'string' || config.visits === '')) throw new RangeError('simulated door counter: visits must name a file');
    this.#visitsFile = config.visits;
  }

  /** Reads the visit timeline, if there is one, then starts counting and playing it. */
  override start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const visits = this.#visitsFile === undefined ? null : await readVisitTimeline(this.#visitsFile, this.doors);
    await super.start();
    if (visits) this.#follow(this.#visitsFile!, visits);
  }

  /** The timeline's progress since the last start(); null without a timeline, or before it is read. */
  get timeline(): VisitTimelineProgress | null {
    return this.#progress ? { ...this.#progress, pending: this.#timeline.length } : null;
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
    return this.#walk(visit, this.clock.mono());
  }

  override async stop(): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    for (const timer of [this.#timer, this.#timelineTimer]) if (timer !== null) this.timers.clearTimeout(timer);
    this.#timer = null;
    this.#timelineTimer = null;
    this.#timeline = [];
    const cancelled = this.visiting;
    this.#queue = [];
    await super.stop();
    for (const door of cancelled) this.#beams.forget(door);
  }

  /** Queues a visit's edges from monotonic time `start` on. */
  #walk(visit: StopVisitOptions & { door: number }, start: number): StopVisitPlan {
    const plan = planStopVisit({ debounceMs: this.#debounceMs, ...visit });
    const added = plan.edges.map((edge) => ({ door: visit.door, due: start + edge.at, edge }));
    this.#queue = [...this.#queue, ...added].sort((x, y) => x.due - y.due);
    this.#arm();
    return plan;
  }

  /** Plays a timeline from now: the visits already past are skipped, the rest wait for their time. */
  #follow(file: string, visits: readonly TimelineVisit[]): void {
    const wallMinusMono = this.clock.now() - this.clock.mono();
    const now = this.clock.now();
    const ahead = visits.filter((v) => v.at >= now);
    this.#progress = { file, played: 0, skipped: visits.length - ahead.length, pending: ahead.length };
    this.#timeline = ahead.map((visit) => ({ visit, due: visit.at - wallMinusMono }));
    this.#armTimeline();
  }

  #armTimeline(): void {
    if (this.#timelineTimer !== null) this.timers.clearTimeout(this.#timelineTimer);
    this.#timelineTimer = null;
    const next = this.#timeline[0];
    if (!next || !this.running) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(next.due - this.clock.mono())));
    this.#timelineTimer = this.timers.setTimeout(this.#playTimeline, wait);
  }

  #playTimeline = (): void => {
    this.#timelineTimer = null;
    const now = this.clock.mono();
    while (this.#timeline.length > 0 && this.#timeline[0]!.due <= now) {
      const { visit } = this.#timeline.shift()!;
      const lastOfDoor = this.#queue.reduce((last, s) => (s.door === visit.door ? Math.max(last, s.due) : last), -Infinity);
      const start = Math.max(now, lastOfDoor + FOLLOW_MS);
      this.#walk({ door: visit.door, boardings: visit.boardings, alightings: visit.alightings, seed: visitSeed(visit) }, start);
      this.#progress!.played++;
    }
    this.#armTimeline();
  };

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
