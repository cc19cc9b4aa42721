// Types of riders.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { GtfsFeed } from '../../protocols/index.js';
import type { DoorVisit } from '../../hardware/door/timeline.js';
import type { StandTrip } from './drive.mjs';

export const VISIT_QUIET_S: number;

/** A door's visit as the timeline has it: `at` wall-clock ms, seeded. */
export interface RiderVisit extends DoorVisit {
  seed: number;
}

/** A stand with riders: what got off and on (all doors), the load it leaves, and its door visits. */
export interface RiderStand {
  stopId: string;
  arriveMs: number | null;
  departMs: number | null;
  alight: StandTrip | null;
  board: StandTrip | null;
  alightings: number;
  boardings: number;
  onboard: number;
  visits: RiderVisit[];
}

export interface RiderOptions {
  feed: GtfsFeed;
  /** null: a spare at the bus station, no riders */
  blockId: string | null;
  fromMs: number;
  seconds: number;
  /** hardware/door/timeline.ts `visitWalkMs`: how long the simulated door takes to walk a visit's passengers through */
  walkMs: (visit: DoorVisit) => number;
  /** the drive's seed (busOnBlock's) and the riders' (1) */
  seed?: number;
  /** seated and standing (60) */
  capacity?: number;
  /** the bus's doors, front first ([1, 2]) */
  doors?: readonly number[];
  /** the agent's apc visitQuietS (VISIT_QUIET_S) */
  quietS?: number;
}

export interface Riders {
  fromMs: number;
  toMs: number;
  stands: RiderStand[];
  visits: RiderVisit[];
}

export function stopWeights(feed: GtfsFeed): Map<string, number>;
export function hourFactor(ms: number, timeZone: string): number;
export function planRiders(options: RiderOptions): Riders;
export function writeVisitLog(options: RiderOptions & { file: string }): Riders;
