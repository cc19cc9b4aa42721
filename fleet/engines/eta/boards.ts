/**
 * Arrival boards: a stop's next departures from the timetable, each replaced by its vehicle's
 * prediction where one is live. Pure. The same entries answer `GET /api/stops/:stopId/arrivals`,
 * `tabla eta <stopId>` and, reduced to what a passenger sees, a display's `arrival-board` content.
 *
 * Honesty rules: a departure is real-time only while its prediction rests on a fix at most 90 s
 * old; otherwise it is shown at its timetable time, marked scheduled. A departure whose expected
 * time has passed is gone. A late bus still coming keeps its place even when its timetable time is
 * past (the window looks back `lookBackMs`).
 */
import type { ArrivalBoard, GtfsFeed } from '../../../protocols/index.js';
import { departuresAt, isoLocal } from '../../../protocols/index.js';
import type { Prediction } from './model/index.js';
import { runKey } from './schedule.js';

export type Load = 'seats' | 'standing' | 'full';

/** A departure of the timetable at a stop, with the key of its run (what predictions are filed under). */
export interface ScheduledDeparture {
  runKey: string;
  tripId: string;
  routeId: string;
  /** the line's public name */
  line: string;
  /** #rrggbb */
  colour: string;
  destination: string;
  stopId: string;
  stopSequence: number;
  /** ms epoch, the timetable's departure */
  scheduled: number;
}

/** A departure as a board shows it: the timetable's, with its live prediction when there is one. */
export interface BoardEntry extends ScheduledDeparture {
  /** ms epoch, what to show: the prediction (shown a little early, see model/prediction.ts) when real-time, else the timetable */
  expected: number;
  realtime: boolean;
  vehicleId: string | null;
  /** seconds late (negative: early), when real-time */
  delay: number | null;
  /** seconds, one standard deviation, when real-time */
  uncertainty: number | null;
  /** seconds since the fix the prediction rests on, when real-time */
  age: number | null;
  load: Load | null;
}

/** The timetable's departures from a stop (or a station's platforms) in [from, to), in time order. */
export function scheduledDepartures(feed: GtfsFeed, stopId: string, from: number, to: number): ScheduledDeparture[] {
  return departuresAt(feed, stopId, new Date(from), new Date(to)).map((d) => {
    let key: string;
    if (d.headwaySecs === undefined) key = runKey(d.tripId, d.serviceDate, null);
    else {
      const trip = feed.trips.get(d.tripId)!;
      const st = trip.stopTimes.find((x) => x.stopSequence === d.stopSequence)!;
      key = runKey(d.tripId, d.serviceDate, d.time - (st.departure - trip.stopTimes[0]!.departure));
    }
    return {
      runKey: key,
      tripId: d.tripId,
      routeId: d.routeId,
      line: d.routeName,
      colour: `#${d.routeColor}`,
      destination: d.headsign,
      stopId: d.stopId,
      stopSequence: d.stopSequence,
      scheduled: d.departsAt.getTime(),
    };
  });
}

export interface BoardInputs {
  /** the stop's timetable departures, from at least `LOOK_BACK_MS` before `now` to the window's end (scheduledDepartures) */
  scheduled: readonly ScheduledDeparture[];
  now: number;
  /** run key → stop sequence → the live prediction */
  predictions: ReadonlyMap<string, ReadonlyMap<number, Prediction>>;
  /** a vehicle's load, when counted */
  loadOf?: (vehicleId: string) => Load | null;
  /** how far ahead, ms (default 120 min) */
  windowMs?: number;
  /** at most this many entries (default 8) */
  max?: number;
}

/** A prediction older than this is not shown as real-time (GTFS-RT practice; REFERENCES.md). */
export const REALTIME_MAX_AGE_MS = 90_000;
/** How far back the timetable is read: a bus this late still keeps its place on the board. */
export const LOOK_BACK_MS = 30 * 60_000;
/** How far ahead a board shows. */
export const DEFAULT_WINDOW_MS = 120 * 60_000;

export function boardEntries(input: BoardInputs): BoardEntry[] {
  const { now } = input;
  const windowMs = input.windowMs ?? DEFAULT_WINDOW_MS;
  const out: BoardEntry[] = [];
  for (const d of input.scheduled) {
    if (d.scheduled < now - LOOK_BACK_MS) continue;
    if (d.scheduled > now + windowMs) break;
    const p = input.predictions.get(d.runKey)?.get(d.stopSequence);
    const scheduled = d.scheduled;
    const live = p !== undefined && now - p.basedOn <= REALTIME_MAX_AGE_MS;
    const expected = live ? p.departure : scheduled;
    if (expected < now || expected > now + windowMs) continue;
    out.push({
      ...d,
      scheduled,
      expected,
      realtime: live,
      vehicleId: live ? p.vehicleId : null,
      delay: live ? Math.round((p.expectedDeparture - p.scheduledDeparture) / 1000) : null,
      uncertainty: live ? p.uncertainty : null,
      age: live ? Math.round((now - p.basedOn) / 1000) : null,
      load: live ? (input.loadOf?.(p.vehicleId) ?? null) : null,
    });
  }
  out.sort((a, b) => a.expected - b.expected || a.line.localeCompare(b.line));
  return out.slice(0, input.max ?? 8);
}

/** What a display shows: the entries as `arrival-board` content. */
export function arrivalBoard(stopName: string, entries: readonly BoardEntry[], now: number, timeZone: string, message?: string): ArrivalBoard {
  return {
    stop: clip(stopName, 100),
    generatedAt: isoLocal(now, timeZone),
    departures: entries.map((e) => ({
      line: clip(e.line, 32),
      ...(/^#[0-9a-fA-F]{6}$/.test(e.colour) ? { colour: e.colour } : {}),
      destination: clip(e.destination || '—', 64),
      departsAt: isoLocal(e.expected, timeZone),
      realtime: e.realtime,
      ...(e.load ? { load: e.load } : {}),
    })),
    ...(message ? { message: clip(message, 500) } : {}),
  };
}

/** A time that moved less than this since the board was sent is not a change a passenger sees. */
export const VISIBLE_SHIFT_MS = 30_000;

/**
 * Whether a passenger would notice the difference between the board last sent and a new one: a
 * line, a destination, a real-time mark or a load that changed, a departure that came or went, or
 * a time that moved by VISIBLE_SHIFT_MS or more since it was sent (the display counts the minutes
 * down itself; a prediction wandering by seconds changes nothing on the glass). A board is sent
 * again only then (e-paper refreshes are slow and wear).
 */
export function boardChanged(sent: readonly BoardEntry[] | undefined, next: readonly BoardEntry[]): boolean {
  if (!sent || sent.length !== next.length) return true;
  for (let i = 0; i < next.length; i++) {
    const a = sent[i]!;
    const b = next[i]!;
    if (a.runKey !== b.runKey || a.line !== b.line || a.destination !== b.destination || a.realtime !== b.realtime || a.load !== b.load) return true;
    if (Math.abs(a.expected - b.expected) >= VISIBLE_SHIFT_MS) return true;
  }
  return false;
}

/** Cut at a character (never inside a surrogate pair or before a combining mark), with an ellipsis. */
function clip(text: string, max: number): string {
  const chars = [...text.normalize('NFC')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
