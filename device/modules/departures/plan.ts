/**
 * What the stop display should show now, decided from what it knows: the latest arrival board and
 * when it came, its own timetable extract, the operator's messages, the clock and the fleet link.
 * Pure (a table of cases pins it: test/device/departures-plan.test.ts); device/render/ draws it.
 *
 * Honesty rules:
 * - A board is *vouched for* while the fleet is online: the fleet sends a new board whenever a
 *   passenger would see a difference (fleet/engines/eta/boards.ts `boardChanged`), so an unchanged
 *   board with an old `generatedAt` is still current. Without the link the board is as old as the
 *   later of its own time and the last moment the link was seen up; its own time is the earlier of
 *   `generatedAt` (when the fleet computed it: a retained board delivered hours later is hours old)
 *   and its receipt (so a fleet clock ahead of ours cannot make it look younger than it is).
 * - A live time not vouched for within `realtimeMaxAgeS` is no longer shown as live: it takes its
 *   scheduled twin's time from the timetable extract (same line and destination, the nearest
 *   within 30 min) and the scheduled mark; with no twin it keeps its last predicted time, marked
 *   scheduled (not live), rather than vanish while the bus is still coming.
 * - Without a vouched board for `liveMaxAgeS`, the display lists its timetable, every row marked
 *   scheduled, with the notice that live data is unavailable; the footer keeps the last update.
 * - A departure leaves the glass at its time, content or no content.
 * - Quiet hours (timetable.ts `isQuiet`): the plain empty screen ("no more today"), without the
 *   ticking header clock, the footer or the notice, nothing that would change overnight but the
 *   date's own wording at midnight and the operator's banner (refresh.ts holds the glass otherwise).
 * - Bike share near the stop (bikes.ts) is a footer line only until its content's `validUntil`.
 */
import type { ArrivalBoard, BikeStations, DeparturesSettings, ServiceMessage, StopTimetable } from '../../../protocols/index.js';
import { bikesLine } from './bikes.js';
import { MAX_ROWS, type EmptyScreen, type OutOfServiceScreen, type Screen, type ScreenLoad, type ScreenRow } from './screen.js';
import { firstAfter, isQuiet, scheduledDepartures, scheduledTwin, serviceDay, type ScheduledDeparture } from './timetable.js';
import { TEXT, clockTime, localDate, nextDetail, noneWithinTitle, rowTime, updatedAt } from './wording.js';

export interface StoredBoard {
  board: ArrivalBoard;
  /** When it arrived, ms since the Unix epoch. */
  receivedAt: number;
}

export type PlanSettings = Pick<
  DeparturesSettings,
  'timeZone' | 'horizonMin' | 'countdownMin' | 'realtimeMaxAgeS' | 'liveMaxAgeS' | 'outOfServiceDetail' | 'quietAfterMin' | 'quietBeforeMin'
>;

export interface PlanInput {
  /** ms since the Unix epoch. */
  now: number;
  board: StoredBoard | null;
  timetable: StopTimetable | null;
  /** The operator's current set (`service-messages`); the ones past their `until` are left out here. */
  messages: readonly ServiceMessage[];
  /** The fleet link: online now, and the last moment it was seen online (null: not since start). */
  link: { up: boolean; lastUpAt: number | null };
  settings: PlanSettings;
  /** Bike stations near the stop (`bike-stations`); shown only until its `validUntil`. */
  bikes?: BikeStations | null;
}

export interface Plan {
  screen: Screen;
  /** The board is vouched for (live data), as opposed to the timetable fallback. */
  live: boolean;
  /** Quiet hours: the plain screen, to be shown once and then held. */
  quiet: boolean;
}

/** How far a live entry's scheduled twin may be from its predicted time. */
export const TWIN_WINDOW_MS = 30 * 60_000;

interface Entry {
  t: number;
  line: string;
  colour?: string;
  destination: string;
  scheduled: boolean;
  load?: ScreenLoad;
  /** Service day, where known (timetable rows). */
  day?: string;
}

/** The moment the board was last known current (see the file comment), or null with no board. */
export function vouchedAt(input: Pick<PlanInput, 'now' | 'board' | 'link'>): number | null {
  if (!input.board) return null;
  if (input.link.up) return input.now;
  const own = Math.min(Date.parse(input.board.board.generatedAt), input.board.receivedAt);
  return Math.min(input.now, Math.max(own, input.link.lastUpAt ?? -Infinity));
}

export function planScreen(input: PlanInput): Plan {
  const { now, settings: s, board, timetable } = input;
  const tz = s.timeZone;
  const list = timetable ? scheduledDepartures(timetable) : [];
  const vouched = vouchedAt(input);
  const live = vouched !== null && now - vouched <= s.liveMaxAgeS * 1000;
  const stop = board?.board.stop ?? timetable?.stop ?? '';
  // Only while its data is live; no key at all without it (the screens stay as they were).
  const bikes = bikesLine(input.bikes ?? null, now);
  const base = {
    stop,
    clock: clockTime(now, tz),
    updated: vouched !== null ? updatedAt(vouched, tz) : null,
    banner: bannerOf(input, live),
    notice: live ? null : TEXT.liveUnavailable,
    ...(bikes ? { bikes } : {}),
  };

  const entries = live ? boardEntries(board!.board, list, now - vouched! > s.realtimeMaxAgeS * 1000) : timetableEntries(list, now, MAX_ROWS + 1);
  const ahead = entries.filter((e) => e.t > now);
  const horizon = now + s.horizonMin * 60_000;
  const rows: ScreenRow[] = ahead
    .filter((e) => e.t <= horizon)
    .slice(0, MAX_ROWS)
    .map((e) => ({
      line: e.line,
      ...(e.colour ? { colour: e.colour } : {}),
      destination: e.destination,
      time: rowTime(e.t, now, s.countdownMin, tz),
      scheduled: e.scheduled,
      ...(e.load ? { load: e.load } : {}),
    }));
  if (rows.length) return { screen: { kind: 'board', ...base, rows }, live, quiet: false };

  // Nothing to list. The next departure past the horizon: the board's, else the timetable's.
  const later = ahead.find((e) => e.t > horizon) ?? timetableEntries(list, horizon, 1)[0] ?? null;
  const today = localDate(now, tz);
  const day = timetable ? serviceDay(timetable, today) : undefined;
  if (!live && !later && !day) {
    const empty: EmptyScreen = { kind: 'empty', ...base, notice: null, reason: 'no-data', title: TEXT.noData, detail: s.outOfServiceDetail ?? null };
    return { screen: empty, live, quiet: false };
  }
  const laterDay = later ? (later.day ?? localDate(later.t, tz)) : null;
  const detail = later ? nextDetail(later, now, tz) : null;
  let empty: EmptyScreen;
  if (day && (!day.served || !day.departures) && (laterDay === null || laterDay > today)) {
    empty = { kind: 'empty', ...base, reason: 'not-served', title: TEXT.notServed, detail };
  } else if (laterDay !== null ? laterDay <= today : !day) {
    // The next one is later today (or, with no timetable, the live board knows of none soon).
    empty = { kind: 'empty', ...base, reason: 'none-within-hour', title: noneWithinTitle(s.horizonMin), detail };
  } else {
    empty = { kind: 'empty', ...base, reason: 'none-today', title: TEXT.noneToday, detail };
  }
  // Overnight the wording still follows the date (after midnight "today" is the next day): one refresh then.
  const quiet = isQuiet(list, now, s.quietAfterMin * 60_000, s.quietBeforeMin * 60_000);
  if (quiet) {
    const { bikes: _overnight, ...rest } = empty;
    empty = { ...rest, clock: '', updated: null, notice: null };
  }
  return { screen: empty, live, quiet };
}

/** Before a clean shutdown, and when the glass can no longer be kept honest. */
export function outOfServiceScreen(stop: string | null, detail: string | null): OutOfServiceScreen {
  return { kind: 'out-of-service', stop, title: TEXT.outOfService, detail };
}

/** The board's departures as rows to be: live times kept while vouched for, else their scheduled twins'. */
function boardEntries(board: ArrivalBoard, list: readonly ScheduledDeparture[], stale: boolean): Entry[] {
  const taken = new Set<ScheduledDeparture>();
  const parsed = board.departures.map((d) => ({ d, t: Date.parse(d.departsAt) }));
  // The board's own scheduled entries claim their twins first, so a stale live entry never lands on one of them.
  for (const { d, t } of parsed) {
    if (d.realtime) continue;
    const twin = scheduledTwin(list, { line: d.line, destination: d.destination, t }, 60_000, taken);
    if (twin) taken.add(twin);
  }
  const out = parsed.map(({ d, t }): Entry => {
    const base = { line: d.line, ...(d.colour ? { colour: d.colour } : {}), destination: d.destination };
    if (!d.realtime) return { ...base, t, scheduled: true };
    if (!stale) return { ...base, t, scheduled: false, ...(d.load ? { load: d.load } : {}) };
    const twin = scheduledTwin(list, { line: d.line, destination: d.destination, t }, TWIN_WINDOW_MS, taken);
    if (twin) taken.add(twin);
    return { ...base, t: twin ? twin.t : t, scheduled: true };
  });
  return out.sort((a, b) => a.t - b.t);
}

function timetableEntries(list: readonly ScheduledDeparture[], after: number, limit: number): Entry[] {
  const from = firstAfter(list, after);
  return list.slice(from, from + limit).map((d) => ({
    t: d.t,
    line: d.line,
    ...(d.colour ? { colour: d.colour } : {}),
    destination: d.destination,
    scheduled: true,
    day: d.day,
  }));
}

/** The operator's messages still in force (newest first), then the live board's own notice. */
function bannerOf(input: PlanInput, live: boolean): string | null {
  const texts = input.messages.filter((m) => !m.until || Date.parse(m.until) > input.now).map((m) => m.text);
  const own = live ? input.board?.board.message : undefined;
  if (own && !texts.includes(own)) texts.push(own);
  return texts.length ? texts.join(' · ') : null;
}
