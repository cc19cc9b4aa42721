/**
 * The occupancy of one car park as pure functions of its counts and the time: a crossing moves the
 * count by one within 0…capacity (a count past either end is clamped and said so), the state rises
 * and falls with hysteresis on the DATEX II free-space thresholds, the trend compares the count
 * with the one in force 15 minutes ago, opening hours and freshness decide between the counted
 * state, `closed` and `unknown`, and a nightly recalibration falls due at a local time.
 */
import type { CarParkStatus } from '../../../protocols/index.js';
import { isoLocal, localDate, zoneOffsetMs } from '../../../protocols/gtfs/time.js';
import { DAYS, minutesOf, resolveThresholds, type CarParkDefinition, type FreeThresholds, type OpeningRange } from './catalogue.js';

/** The counted states; `closed` and `unknown` are derived from time, never stored. */
export type Level = 'spacesAvailable' | 'almostFull' | 'full';

/** What is kept of a car park's count across restarts. */
export interface CarParkCount {
  occupied: number;
  /** the counted state, with its hysteresis memory (kept while the shown state is closed or unknown) */
  level: Level;
  /** when the fleet last received a count (a loops record) for it; null: never */
  lastCountAt: number | null;
  /** crossings that would have taken the count past capacity, or below 0 */
  clampedHigh: number;
  clampedLow: number;
  /** the last recalibration instant dealt with (done, or missed and skipped) */
  recalibratedAt: number;
}

export function newCount(now: number, occupied = 0): CarParkCount {
  return { occupied, level: 'spacesAvailable', lastCountAt: null, clampedHigh: 0, clampedLow: 0, recalibratedAt: now };
}

/** The next counted state for `free` spaces, from `level`: up at the Increasing thresholds, back at the Decreasing ones. */
export function nextLevel(level: Level, free: number, t: FreeThresholds): Level {
  if (free <= t.fullIncreasing) return 'full';
  if (level === 'full' && free < t.fullDecreasing) return 'full';
  if (free <= t.almostFullIncreasing) return 'almostFull';
  if (level !== 'spacesAvailable' && free < t.almostFullDecreasing) return 'almostFull';
  return 'spacesAvailable';
}

/** The count after `delta` vehicles (±1 per crossing, ±N for a correction), clamped to 0…capacity. */
export function moveCount(occupied: number, delta: number, capacity: number): { occupied: number; clamped: 'high' | 'low' | null } {
  const n = occupied + delta;
  if (n > capacity) return { occupied: capacity, clamped: 'high' };
  if (n < 0) return { occupied: 0, clamped: 'low' };
  return { occupied: n, clamped: null };
}

/** Sets the count (a correction `=N`, a recalibration) and the state that goes with it. */
export function withOccupied(c: CarParkCount, occupied: number, def: Pick<CarParkDefinition, 'capacity' | 'thresholds'>): CarParkCount {
  const o = Math.max(0, Math.min(def.capacity, occupied));
  return { ...c, occupied: o, level: nextLevel(c.level, def.capacity - o, resolveThresholds(def.capacity, def.thresholds)) };
}

/** Local weekday (0 Sunday) and minute of the day of an instant. */
function localClock(ms: number, timeZone: string): { day: number; minute: number } {
  const local = new Date(ms + zoneOffsetMs(ms, timeZone));
  return { day: local.getUTCDay(), minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

/**
 * Whether weekly opening ranges hold an instant: a range whose `to` is not after its `from` runs
 * past midnight into the next day. No ranges at all: open day and night.
 */
export function isOpen(ms: number, ranges: readonly OpeningRange[] | undefined, timeZone: string): boolean {
  if (!ranges) return true;
  const { day, minute } = localClock(ms, timeZone);
  const yesterday = (day + 6) % 7;
  return ranges.some((r) => {
    const from = minutesOf(r.from);
    const to = minutesOf(r.to);
    const on = (d: number) => r.days.includes(DAYS[d]!);
    if (from < to) return on(day) && minute >= from && minute < to;
    return (on(day) && minute >= from) || (on(yesterday) && minute < to);
  });
}

/** A sample of the count, for the trend. */
export interface Sample {
  at: number;
  occupied: number;
}

export const TREND_WINDOW_MS = 15 * 60_000;

/** Drops the samples the trend no longer needs: all before the window but the last of them (the count in force at its start). */
export function pruneSamples(samples: Sample[], now: number, windowMs = TREND_WINDOW_MS): Sample[] {
  const start = now - windowMs;
  let keepFrom = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i]!.at <= start) keepFrom = i;
  return samples.slice(keepFrom);
}

/**
 * Rising, falling or steady over the window: the count now against the count in force at the
 * window's start (or the oldest known), with a dead band of 2 vehicles or 1 % of the capacity.
 */
export function trendOf(samples: readonly Sample[], occupied: number, capacity: number, now: number, windowMs = TREND_WINDOW_MS): 'rising' | 'falling' | 'steady' {
  const start = now - windowMs;
  let then = samples[0]?.occupied ?? occupied;
  for (const s of samples) if (s.at <= start) then = s.occupied;
  const band = Math.max(2, Math.ceil(capacity / 100));
  const d = occupied - then;
  return d > band ? 'rising' : d < -band ? 'falling' : 'steady';
}

/** The instant of a local wall-clock time on a local date (a time inside a DST gap lands an hour off, never fails). */
export function localInstant(date: string, hhmm: string, timeZone: string): number {
  const guess = Date.parse(`${date}T${hhmm}:00Z`);
  const first = guess - zoneOffsetMs(guess, timeZone);
  return guess - zoneOffsetMs(first, timeZone);
}

/** Recalibrations missed by more than this (the fleet was down at the time) are skipped, not done late. */
export const RECALIBRATION_GRACE_MS = 60 * 60_000;

/**
 * The recalibration instant due now, if one has come since `handledAt`: `{at, late}`, where a
 * late one (past the grace) is to be skipped; null when none is due.
 */
export function recalibrationDue(now: number, at: string, timeZone: string, handledAt: number): { at: number; late: boolean } | null {
  const today = localDate(now, timeZone);
  let due = localInstant(today, at, timeZone);
  if (due > now) due = localInstant(localDate(due - 86_400_000, timeZone), at, timeZone);
  if (due <= handledAt) return null;
  return { at: due, late: now - due > RECALIBRATION_GRACE_MS };
}

/** Everything the status of one car park is made from. */
export interface StatusInput {
  def: CarParkDefinition;
  site: string;
  timeZone: string;
  count: CarParkCount;
  samples: readonly Sample[];
  now: number;
}

/** What a car park shows now: its counted state when open and fresh, else `closed` or `unknown`. */
export function statusOf(i: StatusInput): CarParkStatus {
  const { def, count, now } = i;
  const open = isOpen(now, def.openingHours, i.timeZone);
  const fresh = count.lastCountAt !== null && now - count.lastCountAt <= def.staleAfterS * 1000;
  const known = open && fresh;
  const free = def.capacity - count.occupied;
  return {
    id: def.id,
    name: def.name,
    site: i.site,
    kind: def.kind,
    ...(def.lat !== undefined && def.lon !== undefined ? { lat: def.lat, lon: def.lon } : {}),
    ...(def.address !== undefined ? { address: def.address } : {}),
    capacity: def.capacity,
    occupied: count.occupied,
    free: known ? free : null,
    percent: known ? Math.round((count.occupied / def.capacity) * 1000) / 10 : null,
    trend: known ? trendOf(i.samples, count.occupied, def.capacity, now) : null,
    state: !open ? 'closed' : !fresh ? 'unknown' : count.level,
    open,
    updatedAt: count.lastCountAt === null ? null : isoLocal(count.lastCountAt, i.timeZone),
  };
}

/** Whether two statuses differ in what a person sees (free count, state, trend, open). */
export function seenChange(a: CarParkStatus | null, b: CarParkStatus): boolean {
  return !a || a.free !== b.free || a.state !== b.state || a.trend !== b.trend || a.open !== b.open || a.percent !== b.percent || a.name !== b.name || a.capacity !== b.capacity;
}

/** Whether a guidance panel's row changes (it shows the free count and the state only). */
export function panelChange(a: CarParkStatus | null, b: CarParkStatus): boolean {
  return !a || a.free !== b.free || a.state !== b.state;
}
