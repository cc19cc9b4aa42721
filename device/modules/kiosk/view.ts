/**
 * What the information panel's page shows, decided here and not in the browser: from the latest
 * `kiosk` content, the agent's clock and whether the fleet can be heard, the car parks' words
 * (free spaces, ZASEDENO, ZAPRTO, --), the minutes to each departure, the bike stations near by
 * (only until their counts' `validUntil`), the data's age and the stale banner, in both
 * languages. Pure; the page only lays it out (page-script.ts), so every rule here is tested
 * without a browser.
 */
import type { KioskBikeStation, KioskCarPark, KioskContent, KioskSettings } from '../../../protocols/index.js';
import { TEXT, ageText, bikesLineText, bikesUnit, distanceText, docksUnit, minutesText, staleText, type Said } from './wording.js';

export interface StoredKiosk {
  body: KioskContent;
  /** When it arrived, ms since the Unix epoch (the agent's clock). */
  receivedAt: number;
}

export type CarParkLook = 'free' | 'almost' | 'full' | 'closed' | 'unknown';

export interface CarParkView {
  id: string;
  name: string;
  kind: Said;
  look: CarParkLook;
  /** the big word: free spaces, ZASEDENO, ZAPRTO or -- */
  value: Said;
  /** free spaces as a number, when one is shown */
  free: number | null;
  capacity: number;
  address: string | null;
}

export interface MapPoint {
  id: string;
  /** in the map's 1000 × 600 view box */
  x: number;
  y: number;
  name: string;
  look: CarParkLook;
  value: Said;
}

export interface DepartureView {
  line: string;
  colour: string | null;
  destination: string;
  /** `zdaj`, `N min` or the clock time */
  when: Said;
  /** its clock time, HH:MM */
  time: string;
  scheduled: boolean;
}

export interface StopView {
  id: string;
  name: string;
  departures: DepartureView[];
}

/** A station's free bikes or docks: the number (-- when there is no count), its word and how it looks. */
export interface BikeCount {
  value: string;
  unit: Said;
  /** some: at least one; none: zero (no bike to take, no dock to leave one at); unknown: no count */
  look: 'some' | 'none' | 'unknown';
}

export interface BikeStationView {
  id: string;
  name: string;
  distance: Said;
  bikes: BikeCount;
  docks: BikeCount;
}

export interface KioskView {
  /** the agent's clock, ms since the Unix epoch (the page keeps time from it) */
  now: number;
  clock: string;
  settings: Pick<KioskSettings, 'languages' | 'tabs' | 'cycleS' | 'touchPauseS' | 'pollS'>;
  text: typeof TEXT;
  data: {
    /** when the fleet composed the data shown, ms; null: none yet */
    at: number | null;
    age: Said | null;
    stale: boolean;
    /** the banner, whenever the data is stale */
    banner: Said | null;
    /** the banner the page shows itself if the agent stops answering (same words, the same `since`) */
    lost: Said;
  };
  carParks: CarParkView[];
  /** the car parks that have a position, placed on a simple map; null when none has one */
  map: MapPoint[] | null;
  stops: StopView[];
  notices: { id: string; text: string; until: string | null }[];
  /** the bike stations near by whose counts are still live, nearest first; empty: no section */
  bikes: BikeStationView[];
  /** the footer's line about the nearest station with a count; null: none */
  bikesLine: Said | null;
}

export interface ViewInput {
  stored: StoredKiosk | null;
  now: number;
  fleetOnline: boolean;
  settings: KioskSettings;
}

/** A departure this long gone is still listed as `zdaj` (the bus may be at the stop). */
export const GONE_AFTER_MS = 30_000;
/** Departures listed per stop. */
export const MAX_DEPARTURES = 6;

const formats = new Map<string, Intl.DateTimeFormat>();
/** HH:MM in `timeZone`. */
export function clockTime(ms: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone })));
  return f.format(ms);
}

/** What a car park's row says, and how it looks. */
export function carParkLook(c: Pick<KioskCarPark, 'state' | 'free'>): { look: CarParkLook; value: Said; free: number | null } {
  if (c.state === 'closed') return { look: 'closed', value: TEXT.closed, free: null };
  if (c.state === 'full' || c.free === 0) return { look: 'full', value: TEXT.full, free: 0 };
  if (c.state === 'unknown' || c.free === null) return { look: 'unknown', value: TEXT.unknown, free: null };
  const n = String(c.free);
  return { look: c.state === 'almostFull' ? 'almost' : 'free', value: { sl: n, en: n }, free: c.free };
}

const count = (n: number | null, unit: Said): BikeCount => ({ value: n === null ? '--' : String(n), unit, look: n === null ? 'unknown' : n > 0 ? 'some' : 'none' });

/** A bike station's row: its name, how far, its free bikes and docks with their words. */
export function bikeStationView(b: KioskBikeStation): BikeStationView {
  return { id: b.id, name: b.name, distance: distanceText(b.distanceM), bikes: count(b.bikes, bikesUnit(b.bikes)), docks: count(b.docks, docksUnit(b.docks)) };
}

/** The car parks with a position, on a 1000 × 600 map (north up, the same scale both ways). */
export function mapPoints(parks: readonly KioskCarPark[], views: readonly CarParkView[]): MapPoint[] | null {
  const placed = parks.map((p, i) => ({ p, v: views[i]! })).filter(({ p }) => p.lat !== undefined && p.lon !== undefined);
  if (placed.length === 0) return null;
  const lat0 = placed.reduce((s, { p }) => s + p.lat!, 0) / placed.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = placed.map(({ p }) => p.lon! * k);
  const ys = placed.map(({ p }) => -p.lat!);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [W, H, PAD] = [1000, 600, 110];
  const span = Math.max(x1 - x0, ((y1 - y0) * (W - 2 * PAD)) / (H - 2 * PAD), 1e-9);
  const scale = (W - 2 * PAD) / span;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  return placed.map(({ p, v }, i) => ({
    id: p.id,
    x: Math.round(W / 2 + (xs[i]! - cx) * scale),
    y: Math.round(H / 2 + (ys[i]! - cy) * scale),
    name: p.name,
    look: v.look,
    value: v.value,
  }));
}

export function kioskView(input: ViewInput): KioskView {
  const { stored, now, settings } = input;
  const tz = settings.timeZone;
  const body = stored?.body ?? null;
  const at = body ? Math.min(Date.parse(body.generatedAt), now) : null;
  const ageS = at === null ? null : (now - at) / 1000;
  const stale = at === null || !input.fleetOnline || ageS! > settings.staleAfterS;
  const since = at === null ? null : clockTime(at, tz);

  const carParks: CarParkView[] = (body?.carParks ?? []).map((c) => ({
    id: c.id,
    name: c.name,
    kind: c.kind === 'garage' ? TEXT.garage : TEXT.open,
    ...carParkLook(c),
    capacity: c.capacity,
    address: c.address ?? null,
  }));

  const stops: StopView[] = (body?.stops ?? []).map((s) => ({
    id: s.stopId,
    name: s.name,
    departures: s.departures
      .map((d) => ({ d, t: Date.parse(d.departsAt) }))
      .filter(({ t }) => t >= now - GONE_AFTER_MS)
      .slice(0, MAX_DEPARTURES)
      .map(({ d, t }) => {
        const time = clockTime(t, tz);
        return { line: d.line, colour: d.colour ?? null, destination: d.destination, when: minutesText(t - now, time), time, scheduled: !d.realtime };
      }),
  }));

  const notices = (body?.notices ?? [])
    .filter((m) => m.until === undefined || Date.parse(m.until) > now)
    .map((m) => ({ id: m.id, text: m.text, until: m.until === undefined ? null : clockTime(Date.parse(m.until), tz) }));

  // Past its validUntil a station's counts are no longer live: it is not shown at all.
  const bikes = (body?.bikes ?? []).filter((b) => Date.parse(b.validUntil) > now);

  return {
    now,
    clock: clockTime(now, tz),
    settings: { languages: settings.languages, tabs: settings.tabs, cycleS: settings.cycleS, touchPauseS: settings.touchPauseS, pollS: settings.pollS },
    text: TEXT,
    data: { at, age: ageS === null ? null : ageText(ageS), stale, banner: stale ? staleText(since) : null, lost: staleText(since) },
    carParks,
    map: body ? mapPoints(body.carParks, carParks) : null,
    stops,
    notices,
    bikes: bikes.map(bikeStationView),
    bikesLine: bikes.map(bikesLineText).find((l) => l !== null) ?? null,
  };
}
