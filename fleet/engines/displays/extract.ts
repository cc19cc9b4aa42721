/**
 * A stop display's own extract of the timetable (`stop-timetable` content): the departures at its
 * stop (a station: at its platforms) over today and the next service days, so that with no link
 * to the fleet it can still show what is scheduled. Pure over the feed.
 *
 * Days are cut at the service day's start (local noon − 12 h, GTFS "Field Types": Time), so on
 * the two DST change days a day is 23 or 25 hours long and every departure falls in exactly one
 * day; a trip of yesterday's service at 25:10:00 is listed on the day its passengers board it.
 * The lines and destinations are named as the arrival boards name them (eta/boards.ts).
 *
 * The extract is kept well under the MQTT payload limit: days are dropped from the end, then
 * departures from the end of the last day, until it fits; what was left out is said in `trimmed`.
 */
import type { GtfsFeed, StopTimetable } from '../../../protocols/index.js';
import { MAX_PAYLOAD_BYTES, gtfsLocalDate, isoLocal, serviceDayStart } from '../../../protocols/index.js';
import { addDays } from '../../../protocols/gtfs/time.js';
import { scheduledDepartures, type ScheduledDeparture } from '../eta/boards.js';

/** Today and the next two service days. */
export const EXTRACT_DAYS = 3;
/** The most an extract's body may take: half the MQTT limit (the envelope and a margin take the rest). */
export const EXTRACT_BUDGET_BYTES = MAX_PAYLOAD_BYTES / 2;
/** The schema's bounds (protocols/content/stop-timetable.ts). */
const MAX_PER_DAY = 2000;
const MAX_LINES = 100;
const MAX_DESTINATIONS = 500;
const MAX_DAYS = 14;

export interface ExtractOptions {
  /** service days, the first being today's (default EXTRACT_DAYS, at most 14) */
  days?: number;
  /** the most bytes the body's JSON may take (default EXTRACT_BUDGET_BYTES) */
  budgetBytes?: number;
}

export interface Extract {
  body: StopTimetable;
  /** the first service day it covers (a new one starts: time for a new extract) */
  firstDay: string;
  /** what was left out to keep within the bounds, or null */
  trimmed: string | null;
}

/** The service day `now` falls in: its local date, or the day before while that date's service day has not begun (a DST day starting at 01:00). */
export function serviceDayOf(now: number, timeZone: string): string {
  const date = gtfsLocalDate(now, timeZone);
  return now < serviceDayStart(date, timeZone) ? addDays(date, -1) : date;
}

interface RawDay {
  date: string;
  /** any departure that day (before trimming) */
  served: boolean;
  departures: ScheduledDeparture[];
}

/** The extract of `stopId` (a stop or a station of `feed`) as of `now`. Throws when the feed has no such stop. */
export function stopTimetable(feed: GtfsFeed, stopId: string, now: number, options: ExtractOptions = {}): Extract {
  const stop = feed.stops.get(stopId);
  if (!stop) throw new RangeError(`no stop ${stopId.slice(0, 100)} in the feed`);
  const tz = feed.timeZone;
  const count = Math.max(1, Math.min(MAX_DAYS, options.days ?? EXTRACT_DAYS));
  const budget = options.budgetBytes ?? EXTRACT_BUDGET_BYTES;
  const firstDay = serviceDayOf(now, tz);
  const dates = Array.from({ length: count + 1 }, (_, i) => addDays(firstDay, i));
  const starts = dates.map((d) => serviceDayStart(d, tz));
  // One read of the whole span (departuresAt answers up to 8 days), then cut at the days' starts.
  const all: ScheduledDeparture[] = [];
  for (let from = starts[0]!; from < starts[count]!; from += 7 * 86_400_000) {
    all.push(...scheduledDepartures(feed, stopId, from, Math.min(starts[count]!, from + 7 * 86_400_000)));
  }
  const days: RawDay[] = dates.slice(0, count).map((date) => ({ date, served: false, departures: [] }));
  let d = 0;
  for (const dep of all) {
    while (d < count - 1 && dep.scheduled >= starts[d + 1]!) d++;
    days[d]!.departures.push(dep);
  }
  for (const day of days) day.served = day.departures.length > 0;

  const trimmed: string[] = [];
  for (const day of days) {
    if (day.departures.length > MAX_PER_DAY) {
      trimmed.push(`${day.date}: the last ${day.departures.length - MAX_PER_DAY} of ${day.departures.length} departures`);
      day.departures.length = MAX_PER_DAY;
    }
  }
  const base = { stopId: clip(stopId, 100), stop: clip(stop.name || stopId, 100), timeZone: tz, generatedAt: isoLocal(now, tz) };
  let packed = pack(base, days);
  let size = bytes(packed.body);
  while (size > budget && days.length > 1) {
    const gone = days.pop()!;
    trimmed.push(`${gone.date} (over ${budget} bytes)`);
    packed = pack(base, days);
    size = bytes(packed.body);
  }
  // One day alone is too much: keep the share of its departures that fits.
  while (size > budget && days[0]!.departures.length > 0) {
    const day = days[0]!;
    const keep = Math.max(0, Math.floor((day.departures.length * budget) / size) - 1);
    trimmed.push(`${day.date}: the last ${day.departures.length - keep} departures (over ${budget} bytes)`);
    day.departures.length = keep;
    packed = pack(base, days);
    size = bytes(packed.body);
  }
  if (packed.dropped) trimmed.push(`${packed.dropped} departures past ${MAX_LINES} lines or ${MAX_DESTINATIONS} destinations`);
  return { body: packed.body, firstDay, trimmed: trimmed.length ? trimmed.join('; ') : null };
}

/** The compact form: lines and destinations once each, departures as `[unix seconds, line, destination]`. */
function pack(base: Omit<StopTimetable, 'lines' | 'destinations' | 'days'>, days: readonly RawDay[]): { body: StopTimetable; dropped: number } {
  const lines: StopTimetable['lines'] = [];
  const lineIndex = new Map<string, number>();
  const destinations: string[] = [];
  const destIndex = new Map<string, number>();
  let dropped = 0;
  const out = days.map((day) => {
    const departures: [number, number, number][] = [];
    for (const dep of day.departures) {
      const name = clip(dep.line, 32);
      const colour = /^#[0-9a-fA-F]{6}$/.test(dep.colour) ? dep.colour : undefined;
      const lineKey = `${name}\u0000${colour ?? ''}`;
      let line = lineIndex.get(lineKey);
      if (line === undefined && lines.length < MAX_LINES) {
        line = lines.push({ name, ...(colour ? { colour } : {}) }) - 1;
        lineIndex.set(lineKey, line);
      }
      const destination = clip(dep.destination || '—', 64);
      let dest = destIndex.get(destination);
      if (dest === undefined && destinations.length < MAX_DESTINATIONS) {
        dest = destinations.push(destination) - 1;
        destIndex.set(destination, dest);
      }
      if (line === undefined || dest === undefined) {
        dropped++;
        continue;
      }
      departures.push([Math.round(dep.scheduled / 1000), line, dest]);
    }
    return { date: day.date, served: day.served, departures };
  });
  return { body: { ...base, lines, destinations, days: out }, dropped };
}

const bytes = (body: StopTimetable) => Buffer.byteLength(JSON.stringify(body));

/** Cut at a character (never inside a surrogate pair), with an ellipsis. */
function clip(text: string, max: number): string {
  const chars = [...text.normalize('NFC')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
