/**
 * Simulated car-park traffic, pure and seeded: the same options give the same vehicles, so a test
 * can say exactly what must be counted.
 *
 * The day: arrivals come at `arrivalsPerHour` × the hour's share (morning fill 07–09, lunchtime
 * churn 12–14, little at night); each parked car leaves at the hour's hazard (low in the morning,
 * high 16–19: the evening emptying). Arrivals to a full car park are turned away. A vehicle passes
 * as one of a few manoeuvres: drives over (most), stops on the loops (a barrier, a ticket), tows a
 * trailer, or — the odd reversing car — backs off the first loop or backs out after reaching the
 * second. `speed` runs the simulated day faster than the real one (a demo fills a garage in minutes).
 *
 * Geometry (vehicleEdges): loops 2 m long, 1 m apart; a vehicle 3.8–5.2 m long at 1.5–4 m/s covers a
 * loop for (length + 2 m) / speed, 1.4–4.8 s, and the far loop from 3 m / speed after the near one.
 */
import { seededRandom } from '../door/passengers.js';
import { DAY_MS } from './hours.js';

const HOUR_MS = 3_600_000;
/** Share of `arrivalsPerHour` in each local hour 0…23. */
export const ARRIVAL_SHARE: readonly number[] = [0.02, 0.01, 0.01, 0.01, 0.02, 0.1, 0.4, 1, 1, 0.5, 0.4, 0.5, 0.7, 0.6, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.06, 0.04, 0.03];
/** Chance per hour that a parked car leaves, in each local hour 0…23. */
export const DEPARTURE_HAZARD: readonly number[] = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.15, 0.3, 0.5, 0.5, 0.25, 0.3, 0.6, 0.8, 0.8, 0.6, 0.5, 0.5, 0.4, 0.2];

export type Manoeuvre = 'drive' | 'stop' | 'trailer' | 'reverse' | 'back-off';

export interface TrafficOptions {
  /** Seeds the traffic (default 1). */
  seed?: number;
  /** Arrivals per hour at the morning peak (default 60). */
  arrivalsPerHour?: number;
  /** Spaces: arrivals when full are turned away (default 200). */
  capacity?: number;
  /** Cars inside at start (default 0). */
  inside?: number;
  /** Simulated time runs this many times faster than real time (default 1). */
  speed?: number;
  /** The simulated local time of day at start, `HH:MM` (default: the real one). */
  dayStartsAt?: string;
  /** Share of arrivals that reverse away instead (default 0.03). */
  reversingShare?: number;
  /** Share of vehicles towing a trailer (default 0.02). */
  trailerShare?: number;
  /** Share of vehicles that stop on the loops for 5–40 s (default 0.15). */
  stopShare?: number;
  /** Share of vehicles whose detector chatters as they arrive (default 0.05). */
  chatterShare?: number;
}

export type TrafficSettings = Required<Omit<TrafficOptions, 'dayStartsAt'>>;

export const TRAFFIC_DEFAULTS: TrafficSettings = {
  seed: 1,
  arrivalsPerHour: 60,
  capacity: 200,
  inside: 0,
  speed: 1,
  reversingShare: 0.03,
  trailerShare: 0.02,
  stopShare: 0.15,
  chatterShare: 0.05,
};

export function trafficSettings(options: TrafficOptions): TrafficSettings {
  const s = { ...TRAFFIC_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k !== 'dayStartsAt')) } as TrafficSettings;
  const check = (name: keyof TrafficSettings, ok: boolean) => {
    if (!ok) throw new RangeError(`simulated traffic: ${name} ${JSON.stringify(s[name])} is out of range`);
  };
  check('seed', Number.isInteger(s.seed));
  check('arrivalsPerHour', Number.isFinite(s.arrivalsPerHour) && s.arrivalsPerHour >= 0 && s.arrivalsPerHour <= 100_000);
  check('capacity', Number.isInteger(s.capacity) && s.capacity >= 0);
  check('inside', Number.isInteger(s.inside) && s.inside >= 0 && s.inside <= s.capacity);
  check('speed', Number.isFinite(s.speed) && s.speed > 0 && s.speed <= 10_000);
  for (const k of ['reversingShare', 'trailerShare', 'stopShare', 'chatterShare'] as const) check(k, Number.isFinite(s[k]) && s[k] >= 0 && s[k] <= 1);
  return s;
}

/** One vehicle that came to the car park (or wanted to), at simulated ms since the start. */
export interface TrafficEvent {
  simMs: number;
  kind: 'arrival' | 'departure';
  manoeuvre: Manoeuvre;
  /** An arrival to a full car park: it never reaches the loops. */
  turnedAway: boolean;
  /** A number in [0, 1) for the lane it takes and one seeding its passage. */
  pick: number;
  seed: number;
}

/** The day's vehicles, one after another (a Poisson process whose rates follow the hour). */
export class TrafficModel {
  readonly settings: TrafficSettings;
  readonly #random: () => number;
  readonly #startTod: number;
  #simMs = 0;
  #inside: number;

  /** `startTimeOfDayMs`: the simulated local time at start, ms since midnight. */
  constructor(options: TrafficOptions, startTimeOfDayMs: number) {
    this.settings = trafficSettings(options);
    this.#random = seededRandom(this.settings.seed);
    this.#startTod = ((startTimeOfDayMs % DAY_MS) + DAY_MS) % DAY_MS;
    this.#inside = this.settings.inside;
  }

  get inside(): number {
    return this.#inside;
  }

  /** A vehicle that did not go after all (it found the lane's queue too long): `inside` as before it. */
  cancel(event: TrafficEvent): void {
    if (event.turnedAway || event.manoeuvre === 'reverse' || event.manoeuvre === 'back-off') return;
    this.#inside += event.kind === 'arrival' ? -1 : 1;
  }

  /** Simulated local time of day at `simMs` since the start (ms since midnight). */
  timeOfDay(simMs = this.#simMs): number {
    return (this.#startTod + simMs) % DAY_MS;
  }

  /** The next vehicle; `inside` follows it (an arrival that reverses away leaves it as it was). */
  next(): TrafficEvent {
    const s = this.settings;
    for (;;) {
      const tod = this.timeOfDay();
      const hour = Math.floor(tod / HOUR_MS);
      const arrivals = s.arrivalsPerHour * ARRIVAL_SHARE[hour]!;
      const departures = DEPARTURE_HAZARD[hour]! * this.#inside;
      const rate = arrivals + departures;
      const toBoundary = HOUR_MS - (tod % HOUR_MS);
      const wait = rate > 0 ? (-Math.log(1 - this.#random()) / rate) * HOUR_MS : Infinity;
      if (wait >= toBoundary) {
        this.#simMs += toBoundary; // rates change at the hour; the process is memoryless
        continue;
      }
      this.#simMs += Math.max(1, Math.round(wait));
      const kind = this.#random() * rate < arrivals ? 'arrival' : 'departure';
      const pick = this.#random();
      const seed = Math.floor(this.#random() * 2 ** 31);
      if (kind === 'arrival' && this.#inside >= s.capacity) return { simMs: this.#simMs, kind, manoeuvre: 'drive', turnedAway: true, pick, seed };
      const m = this.#random();
      let manoeuvre: Manoeuvre = 'drive';
      if (kind === 'arrival' && m < s.reversingShare) manoeuvre = m < s.reversingShare / 2 ? 'back-off' : 'reverse';
      else if (m < s.reversingShare + s.trailerShare) manoeuvre = 'trailer';
      else if (m < s.reversingShare + s.trailerShare + s.stopShare) manoeuvre = 'stop';
      if (manoeuvre !== 'reverse' && manoeuvre !== 'back-off') this.#inside += kind === 'arrival' ? 1 : -1;
      return { simMs: this.#simMs, kind, manoeuvre, turnedAway: false, pick, seed };
    }
  }
}

/** An edge of the loop a vehicle meets first (`near`) or next (`far`), `at` ms from its start. */
export interface PassageEdge {
  loop: 'near' | 'far';
  occupied: boolean;
  at: number;
}

export interface PassagePlan {
  edges: PassageEdge[];
  /** Whether two loops can count it (it went over both). */
  counted: boolean;
  /** From its first edge to its last. */
  durationMs: number;
}

export const LOOP_LENGTH_M = 2;
export const LOOP_SPACING_M = 1;

/**
 * The edges one vehicle makes, in time order. Keeps what two loops can read: chatter shorter than
 * `debounceMs`, a trailer's gap shorter than `gapMs`, every other level longer than `debounceMs`.
 */
export function vehicleEdges(manoeuvre: Manoeuvre, options: { seed: number; debounceMs: number; gapMs: number; chatter?: boolean }): PassagePlan {
  const r = seededRandom(options.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  const v = between(1.5, 4); // m/s
  const length = between(3.8, 5.2);
  const ms = (metres: number) => Math.round((metres / v) * 1000);
  const farStart = LOOP_LENGTH_M + LOOP_SPACING_M;
  const edges: PassageEdge[] = [];
  const on = (loop: PassageEdge['loop'], at: number) => edges.push({ loop, occupied: true, at });
  const off = (loop: PassageEdge['loop'], at: number) => edges.push({ loop, occupied: false, at });
  let counted = true;

  switch (manoeuvre) {
    case 'drive':
    case 'stop': {
      const dwell = manoeuvre === 'stop' ? Math.round(between(5_000, 40_000)) : 0;
      const farOn = ms(farStart);
      const nearOff = ms(length + LOOP_LENGTH_M);
      // A stopping car halts with both loops covered (front over B, at the barrier).
      const halt = manoeuvre === 'stop' ? Math.round((farOn + nearOff) / 2) : Infinity;
      const t = (at: number) => (at > halt ? at + dwell : at);
      on('near', 0);
      on('far', farOn);
      off('near', t(nearOff));
      off('far', t(ms(length + LOOP_LENGTH_M + farStart)));
      break;
    }
    case 'trailer': {
      const trailer = between(2.5, 4);
      const gap = Math.round(between(200, Math.max(250, Math.min(900, options.gapMs - 300))));
      const shift = ms(farStart);
      const carOff = ms(length + LOOP_LENGTH_M);
      const trailerOff = carOff + gap + ms(trailer);
      for (const [loop, d] of [['near', 0], ['far', shift]] as const) {
        on(loop, d);
        off(loop, d + carOff);
        on(loop, d + carOff + gap);
        off(loop, d + trailerOff);
      }
      break;
    }
    case 'reverse': {
      // Reaches B, stops, backs out at 1 m/s: B clears first, A last.
      const farOn = ms(farStart);
      const halt = farOn + ms(0.6);
      const front = farStart + 0.6;
      const back = halt + Math.round(between(1_000, 4_000));
      on('near', 0);
      on('far', farOn);
      off('far', back + Math.round((front - farStart) * 1000));
      off('near', back + Math.round(front * 1000));
      counted = false;
      break;
    }
    case 'back-off': {
      // Noses onto A, never reaches B, backs off.
      const halt = ms(1.5);
      on('near', 0);
      off('near', halt + Math.round(between(1_000, 4_000)) + 1500);
      counted = false;
      break;
    }
  }
  edges.sort((x, y) => x.at - y.at);
  if (options.chatter && options.debounceMs >= 20) {
    // The detector chatters before it settles: a blip shorter than the debounce, then the real presence.
    const blip = Math.max(1, Math.floor(options.debounceMs * 0.3));
    const lead = blip + Math.max(options.debounceMs, 50);
    for (const e of edges) e.at += lead;
    edges.unshift({ loop: 'near', occupied: true, at: 0 }, { loop: 'near', occupied: false, at: blip });
  }
  return { edges, counted, durationMs: edges.at(-1)!.at };
}
