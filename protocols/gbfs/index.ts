/**
 * GBFS (bike share) in one normalised shape, whatever the feed's version (2.3 or 3.0, schema.ts):
 * times in ms since the Unix epoch, names as one string (the preferred language's), the stations'
 * places and their bikes and docks joined by `station_id`. Pure: the fleet's bikes engine fetches
 * the files and hands their JSON here. Freshness follows the spec: a file may be used until
 * `last_updated + ttl`; past that (and a margin for the fetch) it is stale and not shown as live.
 */
import type { z } from 'zod';
import { Discovery2, Discovery3, StationInformation2, StationInformation3, StationStatus2, StationStatus3 } from './schema.js';

export { LocalizedString } from './schema.js';

export type GbfsVersion = '2' | '3';

/** What every GBFS file says about itself. */
export interface GbfsHeader {
  /** major version, from the file's `version` */
  version: GbfsVersion;
  /** `last_updated`, ms since the Unix epoch */
  lastUpdated: number;
  /** `ttl`, seconds */
  ttl: number;
}

export interface GbfsDiscovery extends GbfsHeader {
  /** the feeds by name (`station_information` → its URL); 2.x: the preferred language's list */
  feeds: Record<string, string>;
}

export interface GbfsStationInfo {
  id: string;
  name: string;
  lat: number;
  lon: number;
  capacity: number | null;
}

export interface GbfsStationStatus {
  id: string;
  bikes: number;
  docks: number | null;
  installed: boolean;
  renting: boolean;
  returning: boolean;
  /** ms since the Unix epoch */
  lastReported: number;
}

/** A station as Tabla shows it: where it is and, while the status is fresh, what it holds. */
export interface GbfsStation extends GbfsStationInfo {
  /** free bikes; null when the station is not renting (or not installed): no count is shown then */
  bikes: number | null;
  /** free docks; null when not returning or not given */
  docks: number | null;
  /** ms since the Unix epoch; null when the status file did not list it */
  lastReported: number | null;
}

export type GbfsResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The languages tried, in order, for a 3.0 localized name. */
export const NAME_LANGUAGES = ['sl', 'en'] as const;

function failure(what: string, error: z.ZodError): { ok: false; reason: string } {
  const issue = error.issues[0];
  const at = issue?.path.length ? issue.path.join('.') : '(root)';
  return { ok: false, reason: `${what}: ${at}: ${issue?.message ?? 'invalid'}` };
}

/** The major version the file declares, or null (then neither schema applies). */
function versionOf(json: unknown): GbfsVersion | null {
  const v = (json as { version?: unknown } | null)?.version;
  if (typeof v !== 'string') return null;
  return v.startsWith('2.') ? '2' : v.startsWith('3.') ? '3' : null;
}

function parse<A, B>(
  what: string,
  json: unknown,
  v2: z.ZodType<A>,
  v3: z.ZodType<B>,
): { ok: true; version: '2'; value: A } | { ok: true; version: '3'; value: B } | { ok: false; reason: string } {
  const version = versionOf(json);
  if (!version) return { ok: false, reason: `${what}: version: expected "2.x" or "3.x"` };
  if (version === '2') {
    const r = v2.safeParse(json);
    return r.success ? { ok: true, version, value: r.data } : failure(what, r.error);
  }
  const r = v3.safeParse(json);
  return r.success ? { ok: true, version, value: r.data } : failure(what, r.error);
}

const header = (version: GbfsVersion, f: { last_updated: number | string; ttl: number }): GbfsHeader => ({
  version,
  lastUpdated: typeof f.last_updated === 'number' ? f.last_updated * 1000 : Date.parse(f.last_updated),
  ttl: f.ttl,
});

/** A localized name in the first of `languages` it has (by primary subtag), else its first. */
export function pickName(names: readonly { text: string; language: string }[], languages: readonly string[] = NAME_LANGUAGES): string {
  for (const lang of languages) {
    const hit = names.find((n) => n.language.toLowerCase().split('-')[0] === lang);
    if (hit) return hit.text;
  }
  return names[0]!.text;
}

/** `gbfs.json`. In 2.x the feeds are listed per language: the first of `languages`, else the first. */
export function parseDiscovery(json: unknown, languages: readonly string[] = NAME_LANGUAGES): GbfsResult<GbfsDiscovery> {
  const r = parse('gbfs.json', json, Discovery2, Discovery3);
  if (!r.ok) return r;
  let list: { name: string; url: string }[];
  if (r.version === '2') {
    const langs = Object.keys(r.value.data);
    const lang = languages.find((l) => langs.includes(l)) ?? langs[0];
    if (!lang) return { ok: false, reason: 'gbfs.json: data: no language lists any feed' };
    list = r.value.data[lang]!.feeds;
  } else list = r.value.data.feeds;
  return { ok: true, value: { ...header(r.version, r.value), feeds: Object.fromEntries(list.map((f) => [f.name, f.url])) } };
}

export function parseStationInformation(json: unknown, languages: readonly string[] = NAME_LANGUAGES): GbfsResult<GbfsHeader & { stations: GbfsStationInfo[] }> {
  const r = parse('station_information', json, StationInformation2, StationInformation3);
  if (!r.ok) return r;
  const stations = r.value.data.stations.map((s) => ({
    id: s.station_id,
    name: typeof s.name === 'string' ? s.name : pickName(s.name, languages),
    lat: s.lat,
    lon: s.lon,
    capacity: s.capacity ?? null,
  }));
  return { ok: true, value: { ...header(r.version, r.value), stations } };
}

export function parseStationStatus(json: unknown): GbfsResult<GbfsHeader & { stations: GbfsStationStatus[] }> {
  const r = parse('station_status', json, StationStatus2, StationStatus3);
  if (!r.ok) return r;
  const common = (s: { station_id: string; num_docks_available?: number | undefined; is_installed: boolean; is_renting: boolean; is_returning: boolean }) => ({
    id: s.station_id,
    docks: s.num_docks_available ?? null,
    installed: s.is_installed,
    renting: s.is_renting,
    returning: s.is_returning,
  });
  if (r.version === '2') {
    const stations = r.value.data.stations.map((s) => ({ ...common(s), bikes: s.num_bikes_available, lastReported: s.last_reported * 1000 }));
    return { ok: true, value: { ...header('2', r.value), stations } };
  }
  const stations: GbfsStationStatus[] = [];
  for (const [i, s] of r.value.data.stations.entries()) {
    const bikes = s.num_vehicles_available ?? s.num_bikes_available;
    if (bikes === undefined) return { ok: false, reason: `station_status: data.stations.${i}.num_vehicles_available: required` };
    stations.push({ ...common(s), bikes, lastReported: Date.parse(s.last_reported) });
  }
  return { ok: true, value: { ...header('3', r.value), stations } };
}

/**
 * The stations as shown: every station of `station_information` with its status. A station not
 * installed or not renting shows no bike count; one not returning no dock count.
 */
export function joinStations(info: readonly GbfsStationInfo[], status: readonly GbfsStationStatus[]): GbfsStation[] {
  const byId = new Map(status.map((s) => [s.id, s]));
  return info.map((i) => {
    const s = byId.get(i.id);
    const open = !!s && s.installed;
    return {
      ...i,
      bikes: open && s.renting ? s.bikes : null,
      docks: open && s.returning ? s.docks : null,
      lastReported: s?.lastReported ?? null,
    };
  });
}

/** Until when a file may be shown as live, ms: `last_updated + ttl + margin`. */
export function validUntil(h: Pick<GbfsHeader, 'lastUpdated' | 'ttl'>, marginS: number): number {
  return h.lastUpdated + (h.ttl + marginS) * 1000;
}

/** Whether the file is stale at `now` (its data must not be shown as live). */
export function isStale(h: Pick<GbfsHeader, 'lastUpdated' | 'ttl'>, now: number, marginS: number): boolean {
  return now > validUntil(h, marginS);
}
