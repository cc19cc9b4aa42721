#!/usr/bin/env node
/**
 * Builds test/data/avl/wmata-2026-02-16/ from the transittraj R package's WMATA sample data
 * (github.com/UTEL-UIUC/transittraj, GPL-3.0-or-later; the data are WMATA's public feeds):
 *
 *   data-raw/wmata_gtfsrt_021626.csv  WMATA's GTFS-realtime VehiclePositions, polled on Monday
 *                                     2026-02-16 10:58–15:59 America/New_York, routes C53, D40, D96
 *   data/wmata_gtfs.rda               WMATA's bus GTFS (published 2025-12-14, valid to 2026-06-13)
 *                                     filtered by the package to those three routes, saved by R
 *                                     (bzip2-compressed XDR serialization of a tidytransit object)
 *
 * Out: gtfs.zip (the three routes' trips on the services that run on 2026-02-16, with their
 * stop_times, stops, shapes, calendar and calendar_dates; agency and routes as they are) and one
 * AVL CSV per route, `vehicle_id,timestamp,lat,lon,bearing,trip_id,block_id`, sorted by time.
 * Nothing is invented: a missing bearing stays empty, and block_id is left empty (the feed does not
 * carry it; the GTFS trips.txt has it by trip_id). Rows are kept as polled, none dropped.
 *
 * Usage: node scripts/avl/wmata-2026-02-16.mjs <transittraj repo: a work tree or a bare git dir>
 *        [commit, default 185100c0d16686583899e768df3f23622fb77b51]
 * Needs `git` (for a bare dir) and `bzip2` on the PATH.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { strToU8, zipSync } from 'fflate';

const COMMIT_DEFAULT = '185100c0d16686583899e768df3f23622fb77b51';
const SERVICE_DAY = '2026-02-16';
const ZONE = 'America/New_York';
const OUT = path.resolve(import.meta.dirname, '../../test/data/avl/wmata-2026-02-16');

const [repo, commit = COMMIT_DEFAULT] = process.argv.slice(2);
if (!repo) {
  process.stderr.write('usage: node scripts/avl/wmata-2026-02-16.mjs <transittraj repo dir> [commit]\n');
  process.exit(2);
}

function readSource(file) {
  const inTree = path.join(repo, file);
  if (fs.existsSync(inTree)) return fs.readFileSync(inTree);
  return execFileSync('git', ['--git-dir', repo, 'show', `${commit}:${file}`], { maxBuffer: 256 * 1024 * 1024 });
}

// ---------------------------------------------------------------------------------------------
// R's XDR serialization (R Internals, "Serialization Formats"), just what data frames need.

function readRData(buf) {
  let pos = 0;
  const head = buf.subarray(0, 5).toString('latin1');
  if (head === 'RDX3\n' || head === 'RDX2\n') pos = 5;
  if (buf.subarray(pos, pos + 2).toString('latin1') !== 'X\n') throw new Error('not an XDR R serialization');
  pos += 2;
  const int = () => { const v = buf.readInt32BE(pos); pos += 4; return v; };
  const dbl = () => { const v = buf.readDoubleBE(pos); pos += 8; return v; };
  const version = int();
  int(); // the writer's R version
  int(); // the oldest R that can read it
  if (version === 3) { const n = int(); pos += n; } // native encoding name
  const refs = [];
  const NA_INTEGER = -2147483648;
  const length = () => {
    const n = int();
    if (n !== -1) return n;
    const hi = int();
    return hi * 2 ** 32 + (int() >>> 0);
  };

  function item() {
    const flags = int();
    const type = flags & 0xff;
    const hasAttr = (flags & (1 << 9)) !== 0;
    const hasTag = (flags & (1 << 10)) !== 0;
    const attributes = (v) => { if (hasAttr) v.attributes = pairs(item()); return v; };
    switch (type) {
      case 254: return null; // R_NilValue
      case 241: case 242: case 250: case 253: return { env: true }; // base, empty, base namespace, global env
      case 251: case 252: return undefined; // missing arg, unbound value
      case 255: { const i = flags >> 8 || int(); return refs[i - 1]; } // a reference to an earlier item
      case 247: case 248: case 249: { // persistent name, package, namespace: a string vector
        int();
        const n = int();
        const names = [];
        for (let i = 0; i < n; i++) names.push(item());
        const o = { env: names };
        refs.push(o);
        return o;
      }
      case 1: { const o = { sym: null }; o.sym = item(); refs.push(o); return o; } // symbol
      case 4: { int(); const o = { env: true }; refs.push(o); item(); item(); item(); item(); return o; } // environment
      case 2: case 3: case 5: case 6: case 17: case 239: case 240: { // pairlist-like
        const attr = hasAttr ? item() : null;
        const tag = hasTag ? item() : null;
        const car = item();
        const cdr = item();
        return { pair: true, tag: tag?.sym ?? null, car, cdr, attr };
      }
      case 9: { // CHARSXP
        const n = int();
        if (n === -1) return null; // NA_character_
        const s = buf.subarray(pos, pos + n).toString('utf8');
        pos += n;
        return s;
      }
      case 10: case 13: { // logical, integer
        const n = length();
        const v = new Array(n);
        for (let i = 0; i < n; i++) { const x = int(); v[i] = x === NA_INTEGER ? null : x; }
        return attributes(v);
      }
      case 14: { // double
        const n = length();
        const v = new Array(n);
        for (let i = 0; i < n; i++) { const x = dbl(); v[i] = Number.isNaN(x) ? null : x; }
        return attributes(v);
      }
      case 16: case 19: case 20: { // character, list, expression
        const n = length();
        const v = new Array(n);
        for (let i = 0; i < n; i++) v[i] = item();
        return attributes(v);
      }
      case 24: { const n = length(); const v = [...buf.subarray(pos, pos + n)]; pos += n; return attributes(v); } // raw
      case 22: { const o = { externalPointer: true }; refs.push(o); item(); item(); return attributes(o); } // data.table's self-reference
      case 23: { const o = { weakReference: true }; refs.push(o); return attributes(o); }
      case 25: return attributes({ s4: true });
      case 238: { // ALTREP: class, state, attributes
        const info = item();
        const state = item();
        const attr = item();
        const cls = info.car.sym;
        let v;
        if (cls === 'compact_intseq' || cls === 'compact_realseq') {
          const [n, start, step] = state;
          v = Array.from({ length: n }, (_, i) => start + i * step);
        } else if (cls.startsWith('wrap_')) v = [...state[0]];
        else if (cls === 'deferred_string') v = state.car.map((x) => (x === null ? null : String(x)));
        else throw new Error(`ALTREP class ${cls} is not read here`);
        if (attr) v.attributes = pairs(attr);
        return v;
      }
      default: throw new Error(`R object type ${type} is not read here (byte ${pos})`);
    }
  }
  return pairs(item());
}

function pairs(list) {
  const o = {};
  for (let c = list; c && c.pair; c = c.cdr) o[c.tag ?? ''] = c.car;
  return o;
}

// ---------------------------------------------------------------------------------------------
// The tidytransit object → GTFS text files.

const DAY_MS = 86_400_000;
const gtfsDate = (days) => new Date(days * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
const gtfsTime = (s) => {
  const t = Math.round(s);
  return `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
};

/** A data frame (list of columns with names) → { names, cell(row, col) as GTFS text, rows } */
function table(frame) {
  const names = frame.attributes.names;
  const cols = names.map((_, i) => frame[i]);
  const format = cols.map((c) => {
    const cls = c.attributes?.class ?? [];
    if (cls.includes('Date')) return (v) => gtfsDate(v);
    if (cls.includes('hms') || cls.includes('difftime')) return (v) => gtfsTime(v);
    if (c.attributes?.levels) return (v) => c.attributes.levels[v - 1];
    return (v) => String(v);
  });
  const rows = cols[0]?.length ?? 0;
  const cell = (r, name) => {
    const i = names.indexOf(name);
    const v = cols[i][r];
    return v === null || v === undefined ? '' : format[i](v);
  };
  return { names, rows, cell };
}

function csvText(names, rows) {
  const q = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [names.join(','), ...rows.map((r) => r.map(q).join(','))].join('\n') + '\n';
}

function writeTable(t, keep = () => true, columns = t.names) {
  const rows = [];
  for (let r = 0; r < t.rows; r++) if (keep(r)) rows.push(columns.map((n) => t.cell(r, n)));
  // a column that is empty in every kept row is dropped (tidytransit adds empty optional ones)
  const used = columns.filter((_, i) => rows.some((row) => row[i] !== ''));
  return csvText(used, rows.map((row) => used.map((n) => row[columns.indexOf(n)])));
}

const rdata = readRData(execFileSync('bzip2', ['-dc'], { input: readSource('data/wmata_gtfs.rda'), maxBuffer: 512 * 1024 * 1024 }));
const gtfs = rdata.wmata_gtfs;
const tbl = (name) => table(gtfs[gtfs.attributes.names.indexOf(name)]);
const [agency, routes, trips, stopTimes, stops, shapes, calendar, calendarDates] =
  ['agency', 'routes', 'trips', 'stop_times', 'stops', 'shapes', 'calendar', 'calendar_dates'].map(tbl);

// The services that run on the day: calendar (weekday, range) then calendar_dates exceptions.
const day = Date.parse(`${SERVICE_DAY}T00:00:00Z`) / DAY_MS;
const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][new Date(day * DAY_MS).getUTCDay()];
const running = new Set();
for (let r = 0; r < calendar.rows; r++) {
  const inRange = calendar.cell(r, 'start_date') <= gtfsDate(day) && gtfsDate(day) <= calendar.cell(r, 'end_date');
  if (inRange && calendar.cell(r, weekday) === '1') running.add(calendar.cell(r, 'service_id'));
}
for (let r = 0; r < calendarDates.rows; r++) {
  if (calendarDates.cell(r, 'date') !== gtfsDate(day)) continue;
  const id = calendarDates.cell(r, 'service_id');
  if (calendarDates.cell(r, 'exception_type') === '1') running.add(id);
  else running.delete(id);
}

const keptTrips = new Set();
const keptShapes = new Set();
const tripInfo = new Map();
for (let r = 0; r < trips.rows; r++) {
  if (!running.has(trips.cell(r, 'service_id'))) continue;
  keptTrips.add(trips.cell(r, 'trip_id'));
  keptShapes.add(trips.cell(r, 'shape_id'));
  tripInfo.set(trips.cell(r, 'trip_id'), { route: trips.cell(r, 'route_id'), block: trips.cell(r, 'block_id') });
}
const keptStops = new Set();
for (let r = 0; r < stopTimes.rows; r++) if (keptTrips.has(stopTimes.cell(r, 'trip_id'))) keptStops.add(stopTimes.cell(r, 'stop_id'));

const files = {
  'agency.txt': writeTable(agency),
  'routes.txt': writeTable(routes),
  'trips.txt': writeTable(trips, (r) => keptTrips.has(trips.cell(r, 'trip_id'))),
  'stop_times.txt': writeTable(stopTimes, (r) => keptTrips.has(stopTimes.cell(r, 'trip_id'))),
  'stops.txt': writeTable(stops, (r) => keptStops.has(stops.cell(r, 'stop_id'))),
  'shapes.txt': writeTable(shapes, (r) => keptShapes.has(shapes.cell(r, 'shape_id'))),
  'calendar.txt': writeTable(calendar, (r) => running.has(calendar.cell(r, 'service_id'))),
  'calendar_dates.txt': writeTable(calendarDates, (r) => running.has(calendarDates.cell(r, 'service_id'))),
};
fs.mkdirSync(OUT, { recursive: true });
// a fixed mtime, so the zip is the same bytes on every run
const zip = zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, [strToU8(text), { mtime: new Date('2026-02-16T00:00:00Z') }]])), { level: 9 });
fs.writeFileSync(path.join(OUT, 'gtfs.zip'), zip);

// ---------------------------------------------------------------------------------------------
// The polled VehiclePositions → one AVL CSV per route.

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' });
const localFormat = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
function isoLocal(epochS) {
  const d = new Date(epochS * 1000);
  const offset = offsetFormat.formatToParts(d).find((p) => p.type === 'timeZoneName').value.replace('GMT', '') || '+00:00';
  return `${localFormat.format(d).replace(' ', 'T')}${offset}`;
}

const raw = parse(readSource('data-raw/wmata_gtfsrt_021626.csv'), { columns: true, skip_empty_lines: true });
const byRoute = new Map();
const unknownTrips = new Set();
for (const r of raw) {
  const trip = r['vehicle.trip.trip_id'];
  if (!tripInfo.has(trip)) unknownTrips.add(trip);
  const route = r['vehicle.trip.route_id'];
  const bearing = r['vehicle.position.bearing'];
  const row = {
    t: Number(r['vehicle.timestamp']),
    vehicle: r['vehicle.vehicle.id'] || r.id,
    cells: [r['vehicle.vehicle.id'] || r.id, isoLocal(Number(r['vehicle.timestamp'])), r['vehicle.position.latitude'], r['vehicle.position.longitude'], bearing === '' ? '' : String(Number(bearing)), trip, ''],
  };
  if (!byRoute.has(route)) byRoute.set(route, []);
  byRoute.get(route).push(row);
}
if (unknownTrips.size) throw new Error(`trip_ids not in the GTFS on ${SERVICE_DAY}: ${[...unknownTrips].join(', ')}`);
for (const [route, rows] of byRoute) {
  rows.sort((a, b) => a.t - b.t || a.vehicle.localeCompare(b.vehicle));
  const text = csvText(['vehicle_id', 'timestamp', 'lat', 'lon', 'bearing', 'trip_id', 'block_id'], rows.map((r) => r.cells));
  fs.writeFileSync(path.join(OUT, `${route.toLowerCase()}.csv`), text);
  const vehicles = new Set(rows.map((r) => r.vehicle));
  process.stdout.write(`${route.toLowerCase()}.csv: ${rows.length} rows, ${vehicles.size} vehicles, ${isoLocal(rows[0].t)} – ${isoLocal(rows.at(-1).t)}\n`);
}
process.stdout.write(`gtfs.zip: ${zip.length} bytes, services ${[...running].join(',')} on ${SERVICE_DAY}, ${keptTrips.size} trips, ${keptStops.size} stops, ${keptShapes.size} shapes\n`);
