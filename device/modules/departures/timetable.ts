/**
 * Reading the stop's own timetable extract (`stop-timetable` content): its departures as one list
 * in time order, the scheduled twin of a live entry, the service day a date falls on, and the
 * quiet hours between one service day's last departure and the next one's first. Pure.
 */
import type { StopTimetable } from '../../../protocols/index.js';

/** One scheduled departure, unpacked. */
export interface ScheduledDeparture {
  /** ms since the Unix epoch. */
  t: number;
  line: string;
  colour?: string;
  destination: string;
  /** The service day it belongs to (`2026-03-02`; a departure after midnight may belong to the day before). */
  day: string;
  /** The first / last departure of its service day at this stop. */
  first: boolean;
  last: boolean;
}

const unpacked = new WeakMap<StopTimetable, ScheduledDeparture[]>();

/** Every departure of the extract, soonest first (computed once per extract). */
export function scheduledDepartures(tt: StopTimetable): ScheduledDeparture[] {
  const known = unpacked.get(tt);
  if (known) return known;
  const out: ScheduledDeparture[] = [];
  for (const day of tt.days) {
    if (!day.served) continue;
    const sorted = [...day.departures].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([s, li, di], i) => {
      const line = tt.lines[li]!;
      out.push({
        t: s * 1000,
        line: line.name,
        ...(line.colour ? { colour: line.colour } : {}),
        destination: tt.destinations[di]!,
        day: day.date,
        first: i === 0,
        last: i === sorted.length - 1,
      });
    });
  }
  out.sort((a, b) => a.t - b.t);
  unpacked.set(tt, out);
  return out;
}

/** Index of the first departure after `now` (list.length when none). */
export function firstAfter(list: readonly ScheduledDeparture[], now: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.t <= now) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The extract's entry for a service day, or undefined when it does not cover that day. */
export function serviceDay(tt: StopTimetable, date: string): { served: boolean; departures: number } | undefined {
  const day = tt.days.find((d) => d.date === date);
  return day && { served: day.served, departures: day.departures.length };
}

/**
 * The scheduled departure a live entry stands for: same line and destination, the nearest in time
 * within `windowMs`, not one already `taken` (by another entry). Null when the extract has none.
 */
export function scheduledTwin(
  list: readonly ScheduledDeparture[],
  entry: { line: string; destination: string; t: number },
  windowMs: number,
  taken: ReadonlySet<ScheduledDeparture>,
): ScheduledDeparture | null {
  let best: ScheduledDeparture | null = null;
  for (let i = firstAfter(list, entry.t - windowMs - 1); i < list.length && list[i]!.t <= entry.t + windowMs; i++) {
    const d = list[i]!;
    if (d.line !== entry.line || d.destination !== entry.destination || taken.has(d)) continue;
    if (!best || Math.abs(d.t - entry.t) < Math.abs(best.t - entry.t)) best = d;
  }
  return best;
}

/**
 * Quiet hours: no service between one service day's last departure (plus `afterMs`, for a late
 * bus) and a later day's first (less `beforeMs`). Both ends must be in the extract: with the next
 * service unknown it is never quiet (the display would otherwise stop refreshing for good).
 */
export function isQuiet(list: readonly ScheduledDeparture[], now: number, afterMs: number, beforeMs: number): boolean {
  const i = firstAfter(list, now);
  const next = list[i];
  const prev = i > 0 ? list[i - 1] : undefined;
  if (!next || !next.first || now >= next.t - beforeMs) return false;
  if (!prev) return false;
  return prev.last && prev.day < next.day && now >= prev.t + afterMs;
}
