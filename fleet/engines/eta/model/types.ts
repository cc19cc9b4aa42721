/**
 * The ETA model's shapes — the fixes it takes, the assignments it honours, the predictions, views
 * and stop events it gives — and its tunables, with TheTransitClock's values (REFERENCES.md).
 */
import type { TripRun } from '../schedule.js';

export interface EtaFix {
  /** ms epoch, the receiver's time */
  time: number;
  lat: number;
  lon: number;
  /** m/s */
  speed?: number;
  /** degrees true */
  course?: number;
}

/** A fixed assignment (technician) or a hint (an AVL's columns). */
export type Assignment = { kind: 'trip'; id: string } | { kind: 'block'; id: string } | { kind: 'none' };

export interface Prediction {
  vehicleId: string;
  runKey: string;
  tripId: string;
  routeId: string;
  serviceDate: string;
  stopId: string;
  stopSequence: number;
  /** index into the trip's stop times */
  index: number;
  /** ms epoch */
  scheduledArrival: number;
  scheduledDeparture: number;
  /** what to show a passenger, ms epoch: the expected time a little early (passengerSafeShiftMs) */
  arrival: number;
  departure: number;
  /** the model's best estimate, ms epoch, unshifted: delays and open data (GTFS-RT) use these */
  expectedArrival: number;
  expectedDeparture: number;
  /** seconds, one standard deviation */
  uncertainty: number;
  /** the fix it was made from, ms epoch */
  basedOn: number;
}

export type VehicleStatus = 'unassigned' | 'layover' | 'in-progress' | 'off-route' | 'stalled' | 'silent' | 'out-of-service';

export interface VehicleView {
  id: string;
  status: VehicleStatus;
  runKey: string | null;
  tripId: string | null;
  routeId: string | null;
  blockId: string | null;
  /** metres along the run's path */
  progress: number | null;
  /** seconds late (negative: early) at its last fix, by the timetable */
  delay: number | null;
  lastFix: EtaFix | null;
  assignment: Assignment | null;
  /** the stop index it is at or next reaches */
  nextStop: number | null;
}

/** Tunables, with TheTransitClock's values. */
export const MATCH = {
  /** metres from the path a fix may be */
  maxOffM: 60,
  /** how early / late a run may be to match it, ms */
  maxEarlyMs: 10 * 60_000,
  maxLateMs: 30 * 60_000,
  /** no predictions after this long without a fix */
  silentMs: 6 * 60_000,
  /** … or without moving `stallM` in `stallMs` */
  stallM: 60,
  stallMs: 8 * 60_000,
  /** … or off the path this long */
  offRouteMs: 2 * 60_000,
  /** a bus nothing matched is tried again after this long (or at once with a new hint or assignment) */
  rematchMs: 10_000,
  /** the fastest a bus moves, m/s (a farther jump along the path is refused) */
  maxSpeed: 30,
  /** a stop is reached this many metres before its place (GPS noise, a long bus) */
  arriveM: 25,
  /** how far ahead predictions go, ms */
  horizonMs: 75 * 60_000,
} as const;

/**
 * A bus standing still for longer than a red light or an ordinary dwell is being held — a timing
 * point, a driver's change or break, a blockage — and such waits run long: on the tuning traces
 * (test/data/avl, C53 and D96), a bus that had stood 15–75 s moved on within a median 15 s, but
 * one that had stood 90 s or more stood on average another 1.5–4 min. So once it has stood
 * `afterMs`, it is expected to stand about as long again (a wait whose remaining length grows with
 * its length so far), at most `capMs`; before that, its usual running time and dwell hold.
 * "Standing" means not `moveM` further along its path: more than a receiver's jitter (its
 * progress only ever moves forward, so jitter would otherwise creep it on).
 */
export const STAND = { moveM: 15, afterMs: 90_000, capMs: 4 * 60_000 } as const;

/** A stop reached (arrival) or left (departure) by a vehicle on a run, as its fixes showed it. */
export interface StopEvent {
  vehicleId: string;
  run: TripRun;
  index: number;
  kind: 'arrival' | 'departure';
  /** ms epoch, interpolated between the fixes either side */
  time: number;
}
