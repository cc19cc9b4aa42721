/**
 * GTFS times and dates, and service-day local time to instants through Intl (no time-zone tables
 * of our own). GTFS Schedule reference, "Field Types": a Time is HH:MM:SS "measured from noon minus
 * 12h" of the service day, and may pass 24:00:00 for trips that run past midnight; on the two DST
 * change days that start is 23:00 or 01:00 of the wall clock, not midnight.
 */

const TIME = /^(\d{1,3}):([0-5]\d):([0-5]\d)$/;
const GTFS_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** `H:MM:SS` or `HH:MM:SS` (hours may pass 24) → seconds; null when malformed. */
export function parseGtfsTime(text: string): number | null {
  const m = TIME.exec(text);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Seconds since the service day's start → `HH:MM:SS` (25:10:00 past midnight). */
export function formatGtfsTime(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

/** `YYYYMMDD` → `YYYY-MM-DD`, or null when it is not a real date. */
export function parseGtfsDate(text: string): string | null {
  const m = GTFS_DATE.exec(text);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  return isIsoDate(iso) ? iso : null;
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The date `days` after (or before) an ISO date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday. */
export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** True when Intl knows the IANA time zone (`Europe/Ljubljana`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

const QUARTER_MS = 900_000;
/** zone → quarter hour → offset: Intl is slow (tens of µs a call) and boards ask for thousands of times. */
const offsets = new Map<string, Map<number, number>>();

/** The zone's offset from UTC at an instant, in ms (+3 600 000 for CET). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  let byQuarter = offsets.get(timeZone);
  if (!byQuarter) offsets.set(timeZone, (byQuarter = new Map()));
  const q = Math.floor(ms / QUARTER_MS);
  const known = byQuarter.get(q);
  if (known !== undefined) return known;
  // Remembered only when the whole quarter hour has one offset (today's changes fall on quarter
  // hours; a historical local mean time may not).
  const start = offsetAt(q * QUARTER_MS, timeZone);
  const end = offsetAt((q + 1) * QUARTER_MS - 1000, timeZone);
  if (start !== end) return offsetAt(ms, timeZone);
  if (byQuarter.size > 20_000) byQuarter.clear();
  byQuarter.set(q, start);
  return start;
}

/** The local calendar date of an instant in a zone, `YYYY-MM-DD`. */
export function localDate(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 10);
}

/**
 * The instant a service day starts: local noon of `date` minus 12 h (epoch ms). Noon is never
 * inside a DST change, so one correction of the offset finds it exactly.
 */
export function serviceDayStart(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T12:00:00Z`);
  let noon = guess - zoneOffsetMs(guess, timeZone);
  const offset = zoneOffsetMs(noon, timeZone);
  noon = guess - offset;
  return noon - 12 * 3_600_000;
}

/** An instant as ISO 8601 with the zone's offset at that instant: `2026-03-29T08:00:00+02:00`. */
export function isoLocal(ms: number, timeZone: string): string {
  const offset = zoneOffsetMs(ms, timeZone);
  const local = new Date(ms + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
