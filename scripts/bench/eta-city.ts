/**
 * The ETA bench's city: K copies of the Lokal'c network (scripts/lokalc/build-gtfs.mjs) in one GTFS
 * feed, so that 1,000 buses each drive a block of their own over a network of realistic density,
 * instead of a thousand buses crowding the five blocks of one small town.
 *
 * - Copy k has its own ids: every stop_id, trip_id, block_id, shape_id and route_id (and
 *   parent_station) is prefixed with `c<k>-`; the agency, the services (calendar.txt,
 *   calendar_dates.txt) and feed_info.txt are shared.
 * - Its geometry is translated (stops and shape points alike, by the same lat/lon offset) to a cell
 *   of a grid `spacingM` apart (copy 0 stays in Velenje). The town spans about 4.5 km, so with
 *   10 km between cells no copy comes within 5 km of another: a fix is within the engine's 60 m of
 *   its own copy's paths only, and matching stays as unambiguous as in one town.
 * - Its timetable is the town's, unchanged (a translation changes no time).
 * - Optionally only some services (`services`, e.g. the weekday's `delavnik`) are kept, with their
 *   trips and stop times: a smaller feed to parse.
 *
 * The feed is parsed from its files with `parseGtfsFiles` (the fleet's path for a feed folder), not
 * zipped and unzipped: the same parser, without a compression of ~50 MB that the bench does not
 * measure.
 *
 * Buses are placed with drive.mjs on the *base* feed (one town) and their positions translated by
 * their copy's offset: drive.mjs interpolates linearly in lat/lon between shape points, and a
 * translation maps a point of a base segment onto the copy's segment, so a translated position lies
 * on the copy's path as the base one lies on the town's (to the feed's 1e-6° rounding).
 */
import type { GtfsFeed, GtfsLoad } from '../../protocols/index.js';
import { parseGtfsFiles, parseGtfsZip } from '../../protocols/index.js';
import { now } from './util.js';

export interface CityCopy {
  k: number;
  /** `c<k>-` */
  prefix: string;
  /** degrees added to every latitude and longitude of the base network */
  dLat: number;
  dLon: number;
}

export interface City {
  /** the city feed, parsed */
  load: GtfsLoad;
  copies: CityCopy[];
  counts: { stops: number; trips: number; stopTimes: number; shapes: number; blocks: number; bytes: number };
  /** seconds: building the copies' text, parsing the feed */
  buildS: number;
  parseS: number;
}

const ID_COLUMNS = new Set(['stop_id', 'trip_id', 'route_id', 'shape_id', 'block_id', 'parent_station', 'from_stop_id', 'to_stop_id', 'from_trip_id', 'to_trip_id', 'from_route_id', 'to_route_id']);
const LAT_COLUMNS = new Set(['stop_lat', 'shape_pt_lat']);
const LON_COLUMNS = new Set(['stop_lon', 'shape_pt_lon']);
/** Files written once per copy; the others (agency, calendar, calendar_dates, feed_info, …) once. */
const PER_COPY = new Set(['stops.txt', 'routes.txt', 'trips.txt', 'stop_times.txt', 'shapes.txt', 'frequencies.txt', 'transfers.txt']);
const EARTH_M_PER_DEG_LAT = 111_195; // 6,371,008.8 m × π / 180, as protocols/geo.ts's sphere

/** RFC 4180 rows of a CSV text (quoted fields, doubled quotes, CRLF or LF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * A file's rows as templates: static text between the cells a copy changes, so writing a copy's
 * rows is a few concatenations each.
 */
type Dynamic = { kind: 'id' | 'lat' | 'lon'; value: string; num: number };
function templates(header: string[], rows: string[][]): { parts: string[]; dyn: Dynamic[] }[] {
  const kind = header.map((h) => (ID_COLUMNS.has(h) ? 'id' : LAT_COLUMNS.has(h) ? 'lat' : LON_COLUMNS.has(h) ? 'lon' : null));
  return rows.map((r) => {
    const parts: string[] = [];
    const dyn: Dynamic[] = [];
    let text = '';
    r.forEach((cell, i) => {
      if (i > 0) text += ',';
      const k = kind[i];
      if (!k || cell === '') text += quote(cell);
      else {
        parts.push(text);
        text = '';
        dyn.push({ kind: k, value: cell, num: Number(cell) });
      }
    });
    parts.push(text + '\n');
    return { parts, dyn };
  });
}

/** Where copy k goes: cells of a square-ish grid `spacingM` apart, row by row, copy 0 at the town. */
export function gridCopies(count: number, spacingM: number, baseLat: number): CityCopy[] {
  const cols = Math.ceil(Math.sqrt(count));
  const dLatPerM = 1 / EARTH_M_PER_DEG_LAT;
  return Array.from({ length: count }, (_, k) => {
    const row = Math.floor(k / cols);
    const col = k % cols;
    const dLat = row * spacingM * dLatPerM;
    // east–west metres per degree at the copy's own latitude, so its columns stay `spacingM` apart
    const dLon = (col * spacingM * dLatPerM) / Math.cos(((baseLat + dLat) * Math.PI) / 180);
    return { k, prefix: `c${k}-`, dLat, dLon };
  });
}

/** One town: the Lokal'c feed's files as build-gtfs.mjs writes them (deterministic), and parsed. */
export interface Town {
  files: Map<string, string>;
  load: GtfsLoad;
}

export async function lokalcTown(): Promise<Town> {
  const mod = (await import(new URL('../lokalc/build-gtfs.mjs', import.meta.url).href)) as {
    buildLokalcGtfs(): { files: Map<string, string> };
    zipFeed(files: Map<string, string>): Uint8Array;
  };
  const files = mod.buildLokalcGtfs().files;
  return { files, load: parseGtfsZip(mod.zipFeed(files)) };
}

/**
 * Builds and parses the city: `copies` copies of the town on a grid `spacingM` apart, keeping only
 * the `services` given (all when null).
 */
export function buildCity(town: Town, o: { copies: number; spacingM: number; services: string[] | null }): City {
  const t0 = now();
  const { files, load: base } = town;
  const lats = [...base.feed.stops.values()].flatMap((x) => (x.lat === undefined ? [] : [x.lat]));
  const baseLat = lats.reduce((a, b) => a + b, 0) / Math.max(1, lats.length);
  const copies = gridCopies(o.copies, o.spacingM, baseLat);

  const keep = o.services ? new Set(o.services) : null;
  const parsed = new Map<string, { header: string[]; rows: string[][] }>();
  for (const [name, text] of files) {
    if (!name.endsWith('.txt')) continue;
    const [header = [], ...rows] = parseCsv(text);
    parsed.set(name, { header, rows });
  }
  if (keep) {
    const filter = (name: string, column: string, ok: (v: string) => boolean) => {
      const f = parsed.get(name);
      if (!f) return;
      const i = f.header.indexOf(column);
      if (i >= 0) f.rows = f.rows.filter((r) => ok(r[i] ?? ''));
    };
    filter('trips.txt', 'service_id', (v) => keep.has(v));
    const trips = parsed.get('trips.txt')!;
    const ti = trips.header.indexOf('trip_id');
    const kept = new Set(trips.rows.map((r) => r[ti]!));
    filter('stop_times.txt', 'trip_id', (v) => kept.has(v));
    filter('frequencies.txt', 'trip_id', (v) => kept.has(v));
    filter('calendar.txt', 'service_id', (v) => keep.has(v));
    filter('calendar_dates.txt', 'service_id', (v) => keep.has(v));
    // shapes and routes no trip uses any more are harmless; stops likewise (a display may show one)
  }

  const out = new Map<string, Uint8Array>();
  const encoder = new TextEncoder();
  let bytes = 0;
  for (const [name, { header, rows }] of parsed) {
    let text = header.map(quote).join(',') + '\n';
    if (!PER_COPY.has(name)) {
      for (const r of rows) text += r.map(quote).join(',') + '\n';
    } else {
      const tpl = templates(header, rows);
      const chunks: string[] = [text];
      for (const c of copies) {
        for (const { parts, dyn } of tpl) {
          let line = parts[0]!;
          for (let i = 0; i < dyn.length; i++) {
            const d = dyn[i]!;
            line += d.kind === 'id' ? quote(c.prefix + d.value) : (d.num + (d.kind === 'lat' ? c.dLat : c.dLon)).toFixed(6);
            line += parts[i + 1]!;
          }
          chunks.push(line);
        }
      }
      text = chunks.join('');
    }
    const data = encoder.encode(text);
    bytes += data.length;
    out.set(name, data);
  }
  const t1 = now();
  // A city's feed is larger than a town's but well within the fleet's default limits (GTFS_LIMITS).
  const load = parseGtfsFiles(out);
  const t2 = now();
  const feed: GtfsFeed = load.feed;
  let stopTimes = 0;
  const blocks = new Set<string>();
  for (const t of feed.trips.values()) {
    stopTimes += t.stopTimes.length;
    if (t.blockId !== undefined) blocks.add(t.blockId);
  }
  return {
    load,
    copies,
    counts: { stops: feed.stops.size, trips: feed.trips.size, stopTimes, shapes: feed.shapes.size, blocks: blocks.size, bytes },
    buildS: (t1 - t0) / 1000,
    parseS: (t2 - t1) / 1000,
  };
}
