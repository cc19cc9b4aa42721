/**
 * Local time of day, as the loops' faults and the simulated traffic need it: `HH:MM` in the car
 * park's time zone (Europe/Ljubljana), opening hours that may run past midnight. Pure: the instant
 * is passed in.
 */
import { zoneOffsetMs } from '../../protocols/gtfs/time.js';

export const DAY_MS = 86_400_000;

/** Opening hours by local time: open from `from` until `to`; `to` before `from` runs past midnight; equal: all day. */
export interface OpenHours {
  /** `HH:MM`, local. */
  from: string;
  /** `HH:MM`, local. */
  to: string;
}

/** `HH:MM` (00:00…23:59) → minutes since midnight. RangeError naming `what` otherwise. */
export function parseHhMm(text: string, what = 'time'): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) throw new RangeError(`${what}: ${JSON.stringify(text)} is not a time HH:MM (00:00…23:59)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Milliseconds since local midnight at instant `ms`. */
export function localTimeOfDayMs(ms: number, timeZone: string): number {
  const local = ms + zoneOffsetMs(ms, timeZone);
  return ((local % DAY_MS) + DAY_MS) % DAY_MS;
}

/** The local calendar date at instant `ms`, `YYYY-MM-DD`. */
export function localDate(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 10);
}

/** Whether `hours` (none: always) are open at instant `ms`. */
export function isOpenAt(ms: number, hours: OpenHours | undefined, timeZone: string): boolean {
  if (!hours) return true;
  const from = parseHhMm(hours.from, 'openHours.from');
  const to = parseHhMm(hours.to, 'openHours.to');
  const now = Math.floor(localTimeOfDayMs(ms, timeZone) / 60_000);
  if (from === to) return true;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** Throws (RangeError) when `timeZone` is not one the runtime knows. */
export function checkTimeZone(timeZone: string, what: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new RangeError(`${what}: ${JSON.stringify(timeZone)} is not a known IANA time zone`);
  }
}
