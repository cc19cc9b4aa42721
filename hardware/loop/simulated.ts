/**
 * Lanes whose loops are covered by simulated vehicles (tests, the demo town): `setLoop` covers or
 * clears one loop now, `drive` sends one vehicle over a lane on the detector's timers, and
 * `traffic` (traffic.ts) plays a seeded day of arrivals and departures over the lanes from start().
 * The edges go through the same LaneLoopDetector and LoopPair as the GPIO driver's, so what is
 * counted here is what the real detector would count.
 *
 * A lane's `kind` says which way its vehicles go, as the counter module's lane kind does (loop.ts:
 * A is the loop met first in the lane's direction of travel): an entry lane takes arrivals A→B, an
 * exit lane departures A→B, a two-way lane arrivals A→B and departures B→A. Arrivals pick among
 * the entry and two-way lanes, departures among the exit and two-way lanes; a vehicle with no such
 * lane here left by a lane this detector does not read (`unseen`). Vehicles on one lane keep
 * `gapMs` + 1 s apart, so a lane passes about 500 vehicles an hour of real time; one that would
 * queue longer than 10 min gives up (`gaveUp`: an arrival drives on, a departure stays parked).
 *
 * Each start() plays the traffic from its beginning (the same seed, the same vehicles); stop()
 * ends the vehicles under way.
 */
import { LaneLoopDetector, type LoopLevels, type LoopSink, type LoopSource } from './detector.js';
import { localTimeOfDayMs, parseHhMm } from './hours.js';
import type { LoopReadingOptions } from './loop.js';
import { LOOP_PAIR_DEFAULTS, type Loop, type LoopOrder } from './pair.js';
import { TrafficModel, trafficSettings, vehicleEdges, type Manoeuvre, type TrafficEvent, type TrafficOptions } from './traffic.js';

export type LaneKind = 'entry' | 'exit' | 'both';

export interface SimulatedLane {
  lane: string;
  /** Which way its vehicles go (default 'both'). */
  kind?: LaneKind;
}

export interface SimulatedLoopOptions {
  lanes: readonly SimulatedLane[];
  /** A seeded day of traffic to play from start(); none: only setLoop and drive move the loops. */
  traffic?: TrafficOptions;
}

/** The traffic played since the last start(). */
export interface TrafficProgress {
  /** Simulated local time now, `HH:MM`. */
  simulatedTime: string;
  /** Cars inside by the simulation. */
  inside: number;
  arrivals: number;
  departures: number;
  turnedAway: number;
  /** Vehicles that found their lane's queue longer than 10 min: arrivals drove on, departures stayed parked. */
  gaveUp: number;
  /** Arrivals that reversed away (not to be counted). */
  reversing: number;
  /** Vehicles that used a lane this detector does not read. */
  unseen: number;
  /** What the detector must count, per lane: passages each way, once their edges have played. */
  expected: Record<string, Record<LoopOrder, number>>;
}

export type { Manoeuvre, TrafficOptions };

/** Longest queue an arrival joins on a lane before it gives up (ms). */
const MAX_QUEUE_MS = 600_000;
/** A pending event due after this long is waited for in steps of it. */
const MAX_WAIT_MS = 3_600_000;

/** The simulated inputs: levels set by a test or by traffic; reported while open. */
class SimulatedLoops implements LoopSource {
  readonly #levels = new Map<string, LoopLevels>();
  #sink: LoopSink | null = null;

  constructor(lanes: readonly string[]) {
    for (const lane of lanes) this.#levels.set(lane, { a: false, b: false });
  }

  get heard(): boolean {
    return this.#sink !== null;
  }

  levels(lane: string): LoopLevels {
    return { ...this.#level(lane) };
  }

  /** `at`: when it happened (monotonic ms; default now), so edges played late keep their spacing. */
  set(lane: string, loop: Loop, occupied: boolean, at?: number): void {
    const level = this.#level(lane);
    if (loop !== 'a' && loop !== 'b') throw new RangeError(`simulated loops: no loop ${JSON.stringify(loop)} (a or b)`);
    if (level[loop] === occupied) return;
    level[loop] = occupied;
    this.#sink?.edge(lane, loop, occupied, at);
  }

  forget(lane: string): void {
    this.#levels.set(lane, { a: false, b: false });
  }

  async open(sink: LoopSink): Promise<ReadonlyMap<string, LoopLevels>> {
    this.#sink = sink;
    return new Map([...this.#levels].map(([lane, l]) => [lane, { ...l }]));
  }

  async close(): Promise<void> {
    this.#sink = null;
  }

  #level(lane: string): LoopLevels {
    const level = this.#levels.get(lane);
    if (!level) throw new RangeError(`simulated loops: no lane ${JSON.stringify(lane)} (lanes ${[...this.#levels.keys()].join(', ')})`);
    return level;
  }
}

interface Scheduled {
  lane: string;
  /** Monotonic ms. */
  due: number;
  loop: Loop;
  occupied: boolean;
  /** Set on a passage's last edge: what it adds to `expected` once played. */
  counts?: LoopOrder;
}

export class SimulatedLoopDetector extends LaneLoopDetector {
  readonly #loops: SimulatedLoops;
  readonly #kinds: ReadonlyMap<string, LaneKind>;
  readonly #debounceMs: number;
  readonly #gapMs: number;
  readonly #traffic: TrafficOptions | undefined;
  #queue: Scheduled[] = [];
  #timer: unknown = null;
  /** When each lane is free for the next vehicle (monotonic ms). */
  #freeAt = new Map<string, number>();
  #model: TrafficModel | null = null;
  #next: { event: TrafficEvent; due: number } | null = null;
  #trafficTimer: unknown = null;
  #progress: Omit<TrafficProgress, 'simulatedTime' | 'inside'> | null = null;
  #simStartMono = 0;

  constructor(config: SimulatedLoopOptions & LoopReadingOptions) {
    const lanes = config.lanes ?? [];
    const names = lanes.map((l) => l.lane);
    const loops = new SimulatedLoops(names);
    super(names, loops, config, 'simulated loop detector');
    this.#loops = loops;
    const kinds = new Map<string, LaneKind>();
    for (const l of lanes) {
      const kind = l.kind ?? 'both';
      if (kind !== 'entry' && kind !== 'exit' && kind !== 'both') throw new RangeError(`simulated loop detector: lane ${l.lane}: kind ${JSON.stringify(kind)} is not entry, exit or both`);
      kinds.set(l.lane, kind);
    }
    this.#kinds = kinds;
    this.#debounceMs = config.debounceMs ?? LOOP_PAIR_DEFAULTS.debounceMs;
    this.#gapMs = config.gapMs ?? LOOP_PAIR_DEFAULTS.gapMs;
    if (config.traffic) {
      trafficSettings(config.traffic); // checked now, not at start
      if (config.traffic.dayStartsAt !== undefined) parseHhMm(config.traffic.dayStartsAt, 'simulated traffic: dayStartsAt');
      this.#traffic = { ...config.traffic };
    }
  }

  override async start(): Promise<void> {
    if (this.running) return;
    await super.start();
    if (this.#traffic && !this.#model) this.#play(this.#traffic);
  }

  override async stop(): Promise<void> {
    for (const timer of [this.#timer, this.#trafficTimer]) if (timer !== null) this.timers.clearTimeout(timer);
    this.#timer = null;
    this.#trafficTimer = null;
    this.#model = null;
    this.#next = null;
    const cancelled = new Set(this.#queue.map((s) => s.lane));
    this.#queue = [];
    this.#freeAt.clear();
    await super.stop();
    for (const lane of cancelled) this.#loops.forget(lane);
  }

  /** Covers (true) or clears (false) one loop of one lane, now. RangeError for a lane or loop it does not have. */
  setLoop(lane: string, loop: Loop, occupied: boolean): void {
    this.#loops.set(lane, loop, occupied);
  }

  /** How a lane's loops are now. */
  loops(lane: string): LoopLevels {
    return this.#loops.levels(lane);
  }

  /** True between start() and stop(). */
  get listening(): boolean {
    return this.#loops.heard;
  }

  /** Lanes with a vehicle under way. */
  get busy(): string[] {
    return [...new Set(this.#queue.map((s) => s.lane))];
  }

  /**
   * Sends one vehicle over `lane` in `order` (A first: 'ab'), once the lane is free; returns whether
   * two loops can count it. RangeError for a lane it does not have.
   */
  drive(lane: string, manoeuvre: Manoeuvre, options: { order?: LoopOrder; seed?: number; chatter?: boolean } = {}): { counted: boolean; durationMs: number } {
    if (!this.#kinds.has(lane)) throw new RangeError(`simulated loops: no lane ${JSON.stringify(lane)}`);
    return this.#send(lane, manoeuvre, options.order ?? 'ab', options.seed ?? 1, options.chatter ?? false, this.clock.mono());
  }

  /** The traffic since the last start(); null without traffic. */
  get traffic(): TrafficProgress | null {
    if (!this.#progress || !this.#model) return null;
    const tod = this.#model.timeOfDay(Math.max(0, (this.clock.mono() - this.#simStartMono) * this.#model.settings.speed));
    const hhmm = `${String(Math.floor(tod / 3_600_000)).padStart(2, '0')}:${String(Math.floor((tod % 3_600_000) / 60_000)).padStart(2, '0')}`;
    return { ...this.#progress, expected: structuredClone(this.#progress.expected), simulatedTime: hhmm, inside: this.#model.inside };
  }

  #send(lane: string, manoeuvre: Manoeuvre, order: LoopOrder, seed: number, chatter: boolean, at: number): { counted: boolean; durationMs: number } {
    const plan = vehicleEdges(manoeuvre, { seed, debounceMs: this.#debounceMs, gapMs: this.#gapMs, chatter });
    const start = Math.max(at, this.#freeAt.get(lane) ?? -Infinity);
    const [near, far]: Loop[] = order === 'ab' ? ['a', 'b'] : ['b', 'a'];
    const added: Scheduled[] = plan.edges.map((e) => ({ lane, due: start + e.at, loop: e.loop === 'near' ? near! : far!, occupied: e.occupied }));
    if (plan.counted) added.at(-1)!.counts = order;
    this.#freeAt.set(lane, start + plan.durationMs + this.#gapMs + 1000);
    this.#queue = [...this.#queue, ...added].sort((x, y) => x.due - y.due);
    this.#arm();
    return { counted: plan.counted, durationMs: plan.durationMs };
  }

  #play(options: TrafficOptions): void {
    const startTod = options.dayStartsAt !== undefined ? parseHhMm(options.dayStartsAt) * 60_000 : localTimeOfDayMs(this.clock.now(), this.timeZone);
    this.#model = new TrafficModel(options, startTod);
    this.#simStartMono = this.clock.mono();
    const expected = Object.fromEntries(this.lanes.map((l) => [l, { ab: 0, ba: 0 }]));
    this.#progress = { arrivals: 0, departures: 0, turnedAway: 0, gaveUp: 0, reversing: 0, unseen: 0, expected };
    this.#pull();
  }

  /** Takes the model's next vehicle and waits for it. */
  #pull(): void {
    const model = this.#model!;
    const event = model.next();
    this.#next = { event, due: this.#simStartMono + event.simMs / model.settings.speed };
    this.#armTraffic();
  }

  #armTraffic(): void {
    if (this.#trafficTimer !== null) this.timers.clearTimeout(this.#trafficTimer);
    this.#trafficTimer = null;
    if (!this.#next || !this.running) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(this.#next.due - this.clock.mono())));
    this.#trafficTimer = this.timers.setTimeout(this.#arrive, wait);
  }

  #arrive = (): void => {
    this.#trafficTimer = null;
    const now = this.clock.mono();
    try {
      while (this.#next && this.#model && this.#next.due <= now) {
        this.#vehicle(this.#next.event, Math.round(this.#next.due));
        this.#pull();
      }
    } finally {
      this.#armTraffic();
    }
  };

  #vehicle(event: TrafficEvent, due: number): void {
    const p = this.#progress!;
    if (event.turnedAway) {
      p.turnedAway++;
      return;
    }
    const wanted: LaneKind = event.kind === 'arrival' ? 'entry' : 'exit';
    const lanes = this.lanes.filter((l) => this.#kinds.get(l) === wanted || this.#kinds.get(l) === 'both');
    const lane = lanes[Math.floor(event.pick * lanes.length)];
    if (lane === undefined) {
      p.unseen++;
    } else if ((this.#freeAt.get(lane) ?? 0) - due > MAX_QUEUE_MS) {
      this.#model!.cancel(event);
      p.gaveUp++;
      return;
    } else {
      const order: LoopOrder = this.#kinds.get(lane) === 'both' && event.kind === 'departure' ? 'ba' : 'ab';
      const chatter = event.seed % 1000 < this.#model!.settings.chatterShare * 1000;
      this.#send(lane, event.manoeuvre, order, event.seed, chatter, due);
    }
    if (event.manoeuvre === 'reverse' || event.manoeuvre === 'back-off') p.reversing++;
    else if (event.kind === 'arrival') p.arrivals++;
    else p.departures++;
  }

  #arm(): void {
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = null;
    const next = this.#queue[0];
    if (!next) return;
    this.#timer = this.timers.setTimeout(this.#playEdges, Math.max(0, Math.ceil(next.due - this.clock.mono())));
  }

  #playEdges = (): void => {
    this.#timer = null;
    const now = this.clock.mono();
    try {
      while (this.#queue.length > 0 && this.#queue[0]!.due <= now) {
        const s = this.#queue.shift()!;
        this.#loops.set(s.lane, s.loop, s.occupied, s.due);
        if (s.counts && this.#progress) this.#progress.expected[s.lane]![s.counts]++;
      }
    } finally {
      this.#arm();
    }
  };
}
