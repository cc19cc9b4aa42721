/**
 * What one information panel is sent, composed from what the fleet knows: its site's car parks
 * (the occupancy engine's statuses), the next departures at its stops, the notices that reach
 * it and the bike-share stations near its stops (the bikes engine's, while fresh). Pure: the
 * engine (index.ts) gathers the inputs and sends the result when it changed (`kioskKey`).
 *
 * Which panel shows what: its registry site, and its label `stops=<stop_id>,<stop_id>` (the
 * nearest stops, in the order shown; a station's id lists all its platforms).
 */
import type { CarParkStatus, Departure, KioskBikeStation, KioskCarPark, KioskContent, ServiceMessage } from '../../../protocols/index.js';
import { isoLocal } from '../../../protocols/index.js';
import type { NearBikes } from '../bikes/near.js';
import type { MessageTarget, ServiceNotice } from '../displays/messages.js';
import { reaches } from '../displays/messages.js';

/** An info panel as the registry describes it. */
export interface KioskPanel {
  id: string;
  site: string | null;
  stopIds: string[];
  /** the later, optional kiosk fields its agent shows (its birth's `reads`): none for an older agent */
  reads: string[];
}

/** Stops one panel lists at most (the content's bound). */
export const MAX_STOPS = 6;

/** The stops of a `stops` label: comma-separated ids, blanks and repeats dropped, at most MAX_STOPS. */
export function stopsLabel(label: string | undefined): string[] {
  const ids = (label ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && s.length <= 64);
  return [...new Set(ids)].slice(0, MAX_STOPS);
}

export function panelOf(device: {
  id: string;
  role: string;
  site: string | null;
  labels: Record<string, string>;
  birth?: { reads?: Record<string, string[]> | undefined } | null;
}): KioskPanel | null {
  if (device.role !== 'info-panel') return null;
  return { id: device.id, site: device.site, stopIds: stopsLabel(device.labels.stops), reads: device.birth?.reads?.kiosk ?? [] };
}

const clip = (text: string, max: number) => {
  const chars = [...text.normalize('NFC')];
  return chars.length <= max ? text.normalize('NFC') : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
};

/** A car park as the panel shows it: out of its opening hours it is closed. */
export function kioskCarPark(s: CarParkStatus): KioskCarPark {
  return {
    id: s.id,
    name: clip(s.name, 100),
    kind: s.kind,
    ...(s.address ? { address: clip(s.address, 200) } : {}),
    ...(s.lat !== undefined && s.lon !== undefined ? { lat: s.lat, lon: s.lon } : {}),
    capacity: s.capacity,
    free: s.open ? s.free : null,
    state: s.open ? s.state : 'closed',
    trend: s.trend,
    updatedAt: s.updatedAt,
  };
}

/** Garages first, then open car parks, each by name (Slovenian order). */
export function carParkOrder(a: CarParkStatus, b: CarParkStatus): number {
  return (a.kind === b.kind ? 0 : a.kind === 'garage' ? -1 : 1) || a.name.localeCompare(b.name, 'sl') || a.id.localeCompare(b.id);
}

/** The notices that reach a panel: for its site, for one of its stops, or for everyone; newest first. */
export function panelNotices(notices: readonly ServiceNotice[], panel: KioskPanel, now: number, timeZone: string): ServiceMessage[] {
  const place = { site: panel.site, stopId: panel.stopIds[0] ?? null, related: panel.stopIds.slice(1) };
  return notices
    .filter((m) => (m.until === null || m.until > now) && reaches(m.target as MessageTarget, place))
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, 10)
    .map((m) => ({ id: m.id, text: clip(m.text, 500), ...(m.until !== null ? { until: isoLocal(m.until, timeZone) } : {}) }));
}

/** Bike stations one panel lists at most (the content's bound). */
export const MAX_BIKE_STATIONS = 8;

/**
 * The bike stations as the panel shows them, each with the times of its counts; none once they
 * are stale at `now` (stale counts are never sent, whatever the source says).
 */
export function kioskBikes(near: NearBikes | null | undefined, now: number, timeZone: string): KioskBikeStation[] {
  if (!near || !(near.validUntil >= now)) return [];
  const updatedAt = isoLocal(near.lastUpdated, timeZone);
  const validUntil = isoLocal(near.validUntil, timeZone);
  return near.stations.slice(0, MAX_BIKE_STATIONS).map((s) => ({ id: s.id, name: clip(s.name, 120), bikes: s.bikes, docks: s.docks, distanceM: s.distanceM, updatedAt, validUntil }));
}

export interface ComposeInput {
  panel: KioskPanel;
  now: number;
  timeZone: string;
  /** every car park the fleet knows (the panel's site's are taken) */
  carParks: readonly CarParkStatus[];
  /** the departures of each of the panel's stops that the timetable has, in the panel's order */
  stops: readonly { stopId: string; name: string; departures: Departure[] }[];
  notices: readonly ServiceNotice[];
  /** the bike stations near the panel's stops (the bikes engine's `near`); absent or null: none */
  bikes?: NearBikes | null;
}

export function composeKiosk(i: ComposeInput): KioskContent {
  const site = i.panel.site;
  const bikes = kioskBikes(i.bikes, i.now, i.timeZone);
  return {
    site: site ?? '-',
    generatedAt: isoLocal(i.now, i.timeZone),
    timeZone: i.timeZone,
    carParks: i.carParks
      .filter((c) => c.site === site)
      .sort(carParkOrder)
      .slice(0, 32)
      .map(kioskCarPark),
    stops: i.stops.slice(0, MAX_STOPS).map((s) => ({ stopId: s.stopId, name: clip(s.name, 100), departures: s.departures.slice(0, 12) })),
    notices: panelNotices(i.notices, i.panel, i.now, i.timeZone),
    // Only for an agent that shows them (an older one refuses the whole set with them), and left
    // out when there are none.
    ...(bikes.length && i.panel.reads.includes('bikes') ? { bikes } : {}),
  };
}

/** A departure time moving less than this is not a change worth sending (the page counts minutes itself). */
export const SHIFT_MS = 30_000;

/**
 * What a passenger could see change: everything but `generatedAt`, departure times to SHIFT_MS.
 * The bike stations count whole, their times too: a newer read is sent (it shows for longer).
 */
export function kioskKey(body: KioskContent): string {
  const { generatedAt: _, stops, ...rest } = body;
  return JSON.stringify({
    ...rest,
    stops: stops.map((s) => ({ ...s, departures: s.departures.map((d) => ({ ...d, departsAt: Math.round(Date.parse(d.departsAt) / SHIFT_MS) })) })),
  });
}
