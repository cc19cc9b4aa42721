/**
 * Trip runs: a trip of the timetable on one service day (and, for a frequency-based trip, at one
 * of its start times), with the instants the timetable gives it. Pure over the feed; the runs of a
 * service day are built once and cached.
 */
import type { GtfsFeed, GtfsTrip } from '../../../protocols/index.js';
import { gtfsLocalDate, serviceDayStart, servicesOn } from '../../../protocols/index.js';

export interface TripRun {
  /** `tripId@YYYY-MM-DD` (and `+HH:MM:SS` start for a frequency run): one run of a trip */
  key: string;
  trip: GtfsTrip;
  serviceDate: string;
  /** seconds added to the trip's stop times (a frequency run's start minus the trip's first time) */
  offset: number;
  /** the service day's start, ms epoch */
  dayStart: number;
  /** scheduled departure from the first stop, ms epoch */
  start: number;
  /** scheduled arrival at the last stop, ms epoch */
  end: number;
}

/** The scheduled arrival at stop time `i` of a run, ms epoch. */
export function scheduledArrival(run: TripRun, i: number): number {
  return run.dayStart + (run.trip.stopTimes[i]!.arrival + run.offset) * 1000;
}

export function scheduledDeparture(run: TripRun, i: number): number {
  return run.dayStart + (run.trip.stopTimes[i]!.departure + run.offset) * 1000;
}

interface DayRuns {
  runs: TripRun[];
  /** the longest run, ms: no run starting earlier than t − before − this can reach t − before */
  longest: number;
  byBlock: Map<string, TripRun[]>;
}

const cache = new WeakMap<GtfsFeed, Map<string, DayRuns>>();

function hms(s: number): string {
  const h = Math.floor(s / 3600);
  return `${String(h).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The key of a run: the trip, its service date and, for a frequency run, its start (seconds of the service day). */
export function runKey(tripId: string, serviceDate: string, frequencyStart: number | null): string {
  return frequencyStart === null ? `${tripId}@${serviceDate}` : `${tripId}@${serviceDate}+${hms(frequencyStart)}`;
}

/** Every run of a service day, sorted by start. */
export function runsOn(feed: GtfsFeed, date: string): DayRuns {
  let byDate = cache.get(feed);
  if (!byDate) cache.set(feed, (byDate = new Map()));
  const cached = byDate.get(date);
  if (cached) return cached;
  const services = new Set(servicesOn(feed, date));
  const dayStart = serviceDayStart(date, feed.timeZone);
  const runs: TripRun[] = [];
  for (const trip of feed.trips.values()) {
    if (!services.has(trip.serviceId)) continue;
    const first = trip.stopTimes[0]!.departure;
    const last = trip.stopTimes[trip.stopTimes.length - 1]!.arrival;
    const add = (offset: number, key: string) =>
      runs.push({ key, trip, serviceDate: date, offset, dayStart, start: dayStart + (first + offset) * 1000, end: dayStart + (last + offset) * 1000 });
    if (trip.frequencies.length === 0) add(0, runKey(trip.id, date, null));
    else {
      for (const f of trip.frequencies) {
        for (let s = f.start; s < f.end; s += f.headwaySecs) add(s - first, runKey(trip.id, date, s));
      }
    }
  }
  runs.sort((a, b) => a.start - b.start || a.key.localeCompare(b.key));
  const byBlock = new Map<string, TripRun[]>();
  for (const r of runs) {
    if (r.trip.blockId === undefined) continue;
    let list = byBlock.get(r.trip.blockId);
    if (!list) byBlock.set(r.trip.blockId, (list = []));
    list.push(r);
  }
  const day = { runs, byBlock, longest: runs.reduce((m, r) => Math.max(m, r.end - r.start), 0) };
  // Keep a few days: a long replay walks through many.
  if (byDate.size > 8) byDate.delete(byDate.keys().next().value!);
  byDate.set(date, day);
  return day;
}

/** The service dates whose runs may be under way at `t`: yesterday's (past midnight) and today's. */
export function serviceDatesAround(feed: GtfsFeed, t: number): string[] {
  const today = gtfsLocalDate(t, feed.timeZone);
  const dates = [today];
  if (feed.maxTime > 86_400 - 1) {
    const yesterday = gtfsLocalDate(t - 86_400_000, feed.timeZone);
    if (yesterday !== today) dates.unshift(yesterday);
  }
  return dates;
}

/** Runs scheduled to be under way within [t − before, t + after]. */
export function runsAround(feed: GtfsFeed, t: number, beforeMs: number, afterMs: number): TripRun[] {
  const out: TripRun[] = [];
  for (const date of serviceDatesAround(feed, t)) {
    const day = runsOn(feed, date);
    const runs = day.runs;
    // Runs are sorted by start: skip, by binary search, those that ended before the window.
    const from = t - beforeMs - day.longest;
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (runs[mid]!.start < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < runs.length; i++) {
      const r = runs[i]!;
      if (r.start > t + afterMs) break;
      if (r.end >= t - beforeMs) out.push(r);
    }
  }
  return out;
}

/** The runs after `run` in its block on its service day, in order. */
export function nextInBlock(feed: GtfsFeed, run: TripRun): TripRun[] {
  const block = run.trip.blockId;
  if (block === undefined) return [];
  const list = runsOn(feed, run.serviceDate).byBlock.get(block) ?? [];
  const i = list.findIndex((r) => r.key === run.key);
  return i < 0 ? [] : list.slice(i + 1);
}
