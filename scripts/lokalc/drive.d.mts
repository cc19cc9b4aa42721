// Types of drive.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { GtfsFeed, GtfsTrip } from '../../protocols/index.js';

export type BusStatus = 'before-service' | 'at-stop' | 'in-transit' | 'layover' | 'after-service';

export interface BusOnBlock {
  blockId: string;
  /** the service day the block's trips belong to, YYYY-MM-DD */
  serviceDate: string;
  /** at-stop: dwelling at a stop of its trip; layover: at a terminus between two trips; before/after-service: at the block's first/last stop */
  status: BusStatus;
  /** the trip it is on (during a layover: the one it starts next; after service: the last) */
  tripId: string;
  routeId: string;
  directionId?: 0 | 1;
  /** the stop it stands at, or (in transit) the next one */
  stopId: string;
  stopSequence: number;
  lat: number;
  lon: number;
  /** degrees from true north; a standing bus keeps the heading it arrived with */
  courseDeg: number;
  speedMps: number;
  /** metres along the trip's shape */
  distanceM: number;
  /** seconds behind the timetable (negative: early) */
  delayS: number;
  /** true while standing (at a stop, on layover, out of service) */
  dwelling: boolean;
}

/** A trip at one of its stops: whose riders get off or on at a stand. */
export interface StandTrip {
  tripId: string;
  routeId: string;
  stopSequence: number;
}

/** The bus standing at a stop with its doors open, from arriving to leaving (ms). */
export interface BusStand {
  stopId: string;
  /** null: standing there since before the block's first trip */
  arriveMs: number | null;
  /** null: done for the day, after the block's last trip */
  departMs: number | null;
  /** the trip whose riders may get off here (null: none, the stop is pick-up only or no trip ends here) */
  alight: StandTrip | null;
  /** the trip riders get on here (null: none, drop-off only or no trip starts here) */
  board: StandTrip | null;
}

export interface BlockOnDate {
  blockId: string;
  routeIds: string[];
  /** first departure and last arrival, seconds of the service day */
  first: number;
  last: number;
}

export function localDate(ms: number, timeZone: string): string;
export function serviceDayStart(date: string, timeZone: string): number;
export function blockTrips(feed: GtfsFeed, blockId: string, date: string): GtfsTrip[];
export function blocksOn(feed: GtfsFeed, date: string): BlockOnDate[];
export function demoBlocks(feed: GtfsFeed, at: Date, routeIds?: readonly string[]): { routeId: string; blockId: string | null }[];
export function busOnBlock(feed: GtfsFeed, blockId: string, at: Date, options?: { seed?: number }): BusOnBlock | null;
export function blockStands(feed: GtfsFeed, blockId: string, date: string, options?: { seed?: number }): BusStand[];

/** A small seeded generator (mulberry32), seeded from a string: the same text, the same numbers. */
export function generator(text: string): () => number;
