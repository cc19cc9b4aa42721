/**
 * A receiver on a simulated bus: the bus drives a route (route.ts) and, once a simulated second,
 * the receiver writes RMC, GGA and GSA (talker.ts) into the same chain the serial driver feeds.
 * Everything after the bytes is the real code; only the satellites are made up.
 *
 * `timeScale` runs the simulation faster than the wall clock (60: a minute of driving a second),
 * for tests and for a demo that should not take an hour. `faults` adds what a real line does to a
 * receiver's output (binary noise between sentences, corrupted checksums), from a seeded generator
 * so a run can be repeated.
 */
import type { GnssFix } from '../../protocols/index.js';
import { NmeaChain, type ChainOptions } from './chain.js';
import type { GnssReceiver, GnssStats } from './gnss.js';
import { BusMotion, Route, type BusState, type LatLon, type RouteStop } from './route.js';
import { epochSentences } from './talker.js';

export interface SimulatedFaults {
  /** Chance, per second, of a burst of 8–64 random bytes before the sentences (0–1). */
  noise?: number;
  /** Chance, per sentence, that its checksum is wrong (0–1). */
  badChecksum?: number;
  /** Seeds the generator, so the same faults come in the same places (1). */
  seed?: number;
}

export interface SimulatedGnssOptions extends ChainOptions {
  /** The route as [lat, lon] points (a GTFS shape's, in shape_pt_sequence order). */
  route: readonly LatLon[];
  /** The bus's speed between stops, m/s (8.3 is 30 km/h). */
  speedMps: number;
  /** Where it stops and for how long. */
  stops?: readonly RouteStop[];
  /** Round and round (true, the default: town loops), or stop at the end of the route. */
  loop?: boolean;
  /** Simulated time of the first fix (ISO or ms); the wall clock at start() otherwise. */
  startAt?: string | number;
  /** Simulated seconds per real second (1). */
  timeScale?: number;
  /** Height above mean sea level written in GGA, metres (400: Velenje). */
  altitudeM?: number;
  /** Satellites in use (9) and HDOP (0.9) written in GGA and GSA. */
  sats?: number;
  hdop?: number;
  faults?: SimulatedFaults;
}

export class SimulatedGnss implements GnssReceiver {
  readonly #options: SimulatedGnssOptions;
  readonly #chain: NmeaChain;
  readonly #motion: BusMotion;
  readonly #random: () => number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  /** Simulated time of the next epoch, ms; null until the first start(). */
  #nextMs: number | null = null;
  /** Seconds written since creation. */
  epochs = 0;

  constructor(options: SimulatedGnssOptions) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0 && scale <= 10_000)) throw new RangeError(`timeScale must be above 0 and at most 10000, not ${scale}`);
    this.#options = { ...options };
    this.#chain = new NmeaChain(options);
    const closed = options.loop ?? true;
    this.#motion = new BusMotion(new Route(options.route, { closed }), { speedMps: options.speedMps, stops: options.stops ?? [], closed });
    this.#random = mulberry32(options.faults?.seed ?? 1);
    this.#now = options.now ?? Date.now;
  }

  /** Where the simulated bus is now (the truth the fixes should match). */
  get bus(): BusState {
    return this.#motion.state;
  }

  async start(): Promise<void> {
    if (this.#timer) return;
    const at = this.#options.startAt;
    if (this.#nextMs === null) {
      const first = at === undefined ? this.#now() : typeof at === 'number' ? at : Date.parse(at);
      if (!Number.isFinite(first)) throw new RangeError(`startAt is not a time: ${String(at)}`);
      this.#nextMs = Math.ceil(first / 1000) * 1000;
    } else if (at === undefined) {
      // On the wall clock: a start after a stop picks up the time that passed meanwhile (the bus
      // stays where it was: the receiver was off, not the bus teleported).
      this.#nextMs = Math.max(this.#nextMs, Math.ceil(this.#now() / 1000) * 1000);
    }
    this.#chain.connected = true;
    this.#tick(false);
    this.#timer = setInterval(() => this.#tick(true), 1000 / (this.#options.timeScale ?? 1));
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#chain.connected = false;
  }

  onFix(listener: (fix: GnssFix) => void): () => void {
    return this.#chain.onFix(listener);
  }

  stats(): GnssStats {
    return this.#chain.stats();
  }

  /** One simulated second: move the bus (except for the very first), write what the receiver says. */
  #tick(move: boolean): void {
    const state = move ? this.#motion.step(1) : this.#motion.state;
    const timeMs = this.#nextMs!;
    this.#nextMs = timeMs + 1000;
    this.epochs++;
    const sentences = epochSentences({
      timeMs,
      lat: state.lat,
      lon: state.lon,
      speedMps: state.speedMps,
      courseDeg: state.courseDeg,
      altitudeM: this.#options.altitudeM ?? 400,
      sats: this.#options.sats ?? 9,
      hdop: this.#options.hdop ?? 0.9,
    });
    const faults = this.#options.faults;
    let out = '';
    if (faults?.noise && this.#random() < faults.noise) out += this.#noise();
    for (const s of sentences) out += faults?.badChecksum && this.#random() < faults.badChecksum ? corruptChecksum(s) : s;
    this.#chain.push(Buffer.from(out, 'latin1'));
  }

  /** 8–64 random bytes, as a receiver that also speaks a binary protocol might send. */
  #noise(): string {
    const n = 8 + Math.floor(this.#random() * 57);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(this.#random() * 256));
    return s;
  }
}

/** The same sentence with a checksum that does not match (one bit of the last digit flipped). */
function corruptChecksum(s: string): string {
  const star = s.lastIndexOf('*');
  const digit = parseInt(s.charAt(star + 2), 16) ^ 1;
  return s.slice(0, star + 2) + digit.toString(16).toUpperCase() + s.slice(star + 3);
}

/** A small seeded generator (mulberry32, public domain): the same seed, the same faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
