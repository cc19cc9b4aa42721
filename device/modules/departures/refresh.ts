/**
 * When the e-paper glass may change, and how: the refresh policy, pure, on a clock passed in
 * (test/device/departures-refresh.test.ts steps it). The module renders every plan; this decides
 * what, if anything, the panel is told to do with the new frame.
 *
 * - The same bits as on the glass: nothing (a refresh wears the panel and flashes at passengers).
 * - Outside the panel's temperature range: held (UC8179 panels are specified for 0–50 °C; driven
 *   outside it the waveform leaves ghosts or none of the ink moves).
 * - Within `refreshMinIntervalS` of the last refresh: wait until it has passed; the change is not
 *   lost, the module tries again then with whatever is newest.
 * - A full refresh when the glass is unknown (first frame, after a fault), after `fullRefreshEvery`
 *   partial ones, on the first refresh after `dailyFullRefreshHour` each local day, when the changed
 *   windows cover more than `fullRefreshAboveShare` of the glass, and in quiet hours (a clean glass
 *   for the night); otherwise a partial refresh of the changed windows.
 */
import type { DeparturesSettings } from '../../../protocols/index.js';
import type { Frame1bpp, PanelWindow } from '../../../hardware/epaper/epaper.js';
import { wallClock } from './wording.js';

export type RefreshSettings = Pick<
  DeparturesSettings,
  'timeZone' | 'refreshMinIntervalS' | 'fullRefreshEvery' | 'dailyFullRefreshHour' | 'fullRefreshAboveShare' | 'minTemperatureC' | 'maxTemperatureC'
>;

/** What the glass was last given. */
export interface GlassState {
  /** The frame on the glass; null when not known (at start, after a fault): the next refresh is full. */
  shown: Frame1bpp | null;
  /** When the last refresh ended, ms since the Unix epoch. */
  lastRefreshAt: number | null;
  lastFullAt: number | null;
  partialsSinceFull: number;
}

export const UNKNOWN_GLASS: GlassState = { shown: null, lastRefreshAt: null, lastFullAt: null, partialsSinceFull: 0 };

export interface RefreshInput {
  glass: GlassState;
  next: Frame1bpp;
  /** ms since the Unix epoch. */
  now: number;
  /** °C, or null when nothing measures it (then nothing is held for it). */
  temperatureC: number | null;
  /** Quiet hours (plan.ts): the plain screen is shown with a full refresh and then held. */
  quiet: boolean;
  size: { width: number; height: number };
  /** The windows where two frames differ (device/render `changedBands`). */
  bands(a: Frame1bpp, b: Frame1bpp): PanelWindow[];
  settings: RefreshSettings;
}

export type RefreshDecision =
  /** The glass already shows it; `held` says why refreshes are held now, if they are. */
  | { action: 'nothing'; held?: string }
  /** A change inside the minimum interval: try again at `until`. */
  | { action: 'wait'; until: number }
  | { action: 'hold'; reason: string }
  | { action: 'full'; reason: 'unknown' | 'every' | 'daily' | 'coverage' | 'quiet' }
  | { action: 'partial'; windows: PanelWindow[] };

export function decideRefresh(input: RefreshInput): RefreshDecision {
  const { glass, next, now, settings: s } = input;
  const t = input.temperatureC;
  const cold = t !== null && t < s.minTemperatureC;
  const hot = t !== null && t > s.maxTemperatureC;
  const temperature = cold || hot ? `temperature ${t} °C outside ${s.minTemperatureC}…${s.maxTemperatureC} °C` : null;
  if (glass.shown && sameBits(glass.shown, next)) {
    const held = temperature ?? (input.quiet ? 'quiet hours' : undefined);
    return held ? { action: 'nothing', held } : { action: 'nothing' };
  }
  if (temperature) return { action: 'hold', reason: temperature };
  const last = glass.lastRefreshAt;
  const gap = s.refreshMinIntervalS * 1000;
  // A clock stepped back (now < last) counts as the interval having passed.
  if (last !== null && now >= last && now < last + gap) return { action: 'wait', until: last + gap };

  if (!glass.shown) return { action: 'full', reason: 'unknown' };
  if (input.quiet) return { action: 'full', reason: 'quiet' };
  if (glass.partialsSinceFull >= s.fullRefreshEvery) return { action: 'full', reason: 'every' };
  if (glass.lastFullAt === null || dayOfRefresh(glass.lastFullAt, s) !== dayOfRefresh(now, s)) return { action: 'full', reason: 'daily' };
  const windows = input.bands(glass.shown, next);
  const area = windows.reduce((sum, w) => sum + w.width * w.height, 0);
  if (!windows.length || area > s.fullRefreshAboveShare * input.size.width * input.size.height) return { action: 'full', reason: 'coverage' };
  return { action: 'partial', windows };
}

/** The glass after a refresh that succeeded. */
export function afterRefresh(glass: GlassState, action: 'full' | 'partial', frame: Frame1bpp, now: number): GlassState {
  return action === 'full'
    ? { shown: frame, lastRefreshAt: now, lastFullAt: now, partialsSinceFull: 0 }
    : { shown: frame, lastRefreshAt: now, lastFullAt: glass.lastFullAt, partialsSinceFull: glass.partialsSinceFull + 1 };
}

/** The glass after a failed refresh: what it shows is unknown (the next is full), the attempt counts for the interval. */
export function afterFault(glass: GlassState, now: number): GlassState {
  return { ...glass, shown: null, lastRefreshAt: now };
}

/**
 * The "refresh day" a moment falls on: the local date, with the day starting at the daily full
 * refresh hour (on the wall clock, so DST moves it with the clocks).
 */
export function dayOfRefresh(ms: number, s: Pick<RefreshSettings, 'timeZone' | 'dailyFullRefreshHour'>): string {
  const w = wallClock(ms, s.timeZone);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - s.dailyFullRefreshHour * 3_600_000;
  return new Date(wall).toISOString().slice(0, 10);
}

/** After the `attempt`-th fault in a row (0-based): 5 s doubling to 5 min. */
export function faultBackoffMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.min(attempt, 16), 5 * 60_000);
}

export function sameBits(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
