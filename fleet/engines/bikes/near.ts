/**
 * Which bike stations a device shows: those within `radiusM` of its stop (a stop display: its
 * `stop` label; an info panel: any of its `stops`), nearest first, from its site's feed while the
 * feed is fresh. Pure: the engine gives it the feed, the stops and the clock.
 */
import type { BikeStation, BikeStations } from '../../../protocols/index.js';
import type { GbfsStation } from '../../../protocols/gbfs/index.js';
import { isStale, validUntil } from '../../../protocols/gbfs/index.js';
import { distanceM, isoLocal } from '../../../protocols/index.js';
import type { BikeFeed } from './fetch.js';

export interface NearOptions {
  /** how far from a stop a station counts as near, m (default 300) */
  radiusM: number;
  /** the most stations listed (default 3) */
  max: number;
  /** seconds past `last_updated + ttl` the data still counts as fresh (default 60) */
  marginS: number;
}

export const NEAR_DEFAULTS: NearOptions = { radiusM: 300, max: 3, marginS: 60 };

export interface Place {
  lat: number;
  lon: number;
}

/** Stations within the radius of any of `places`, by their least distance, nearest first. */
export function nearestStations(stations: readonly GbfsStation[], places: readonly Place[], o: Pick<NearOptions, 'radiusM' | 'max'>): (GbfsStation & { distanceM: number })[] {
  const out: (GbfsStation & { distanceM: number })[] = [];
  for (const s of stations) {
    const d = Math.min(...places.map((p) => distanceM(p, s)));
    if (d <= o.radiusM) out.push({ ...s, distanceM: Math.round(d) });
  }
  return out.sort((a, b) => a.distanceM - b.distanceM || a.id.localeCompare(b.id)).slice(0, o.max);
}

/** The stations near a device while its feed is fresh, with the times its counts hold for. */
export interface NearBikes {
  /** nearest first, at most `max` */
  stations: BikeStation[];
  /** the status file's `last_updated`, ms: when the counts were true */
  lastUpdated: number;
  /** `last_updated + ttl + margin`, ms: past it the counts are stale */
  validUntil: number;
}

/**
 * The stations near `places` and the times of their counts, or null when the feed is stale or
 * missing or there is no place (nothing is shown as live then). Counts are the feed's.
 */
export function nearBikes(feed: BikeFeed | null, places: readonly Place[], now: number, o: NearOptions): NearBikes | null {
  if (!feed || isStale(feed.status, now, o.marginS) || !places.length) return null;
  const stations: BikeStation[] = nearestStations(feed.stations, places, o).map((s) => ({
    id: s.id,
    name: [...s.name].slice(0, 120).join(''),
    bikes: s.bikes,
    docks: s.docks,
    distanceM: s.distanceM,
  }));
  return { stations, lastUpdated: feed.status.lastUpdated, validUntil: validUntil(feed.status, o.marginS) };
}

/**
 * The `bike-stations` body for a device at `places`, or null when the feed is stale or missing
 * (nothing is shown as live then). Counts are the feed's; `validUntil` its status file's
 * `last_updated + ttl + margin`.
 */
export function bikeStationsBody(feed: BikeFeed | null, places: readonly Place[], now: number, o: NearOptions, timeZone?: string): BikeStations | null {
  const near = nearBikes(feed, places, now, o);
  return near && { stations: near.stations, validUntil: isoLocal(near.validUntil, timeZone ?? 'UTC') };
}
