#!/usr/bin/env node
/**
 * Builds the demo's Lokal'c GTFS feed from network.mjs: deterministic (the same bytes every run),
 * no network, no clock. Writes the feed's text files to scripts/lokalc/gtfs/ (or `--out <dir>`) and,
 * with `--zip <file>`, a zip of them as well.
 *
 *   node scripts/lokalc/build-gtfs.mjs [--out <dir>] [--zip <file.zip>]
 *
 * Shapes are each line's stops joined by short street-like bends (a point between two stops,
 * pulled towards the corner of the block they span). Stop times come from the distances along
 * the shape at TIMING's speeds, with a dwell at each stop; the first and last stop of a trip are
 * timepoints on the whole minute, the stops between are approximate (timepoint 0). Every trip is
 * written out (no frequencies.txt), so trip matching can be tested against exact times.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { AGENCY, HOLIDAYS, ILLUSTRATIVE_NOTE, LAYOVER_MIN, LINES, SERVICES, STOPS, TIMING, VALID } from './network.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EARTH_RADIUS_M = 6_371_008.8; // as protocols/geo.ts
const RAD = Math.PI / 180;
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** The zip's entries carry this time, so the zip's bytes do not depend on when it was built. */
const ZIP_MTIME = new Date('2026-01-01T00:00:00Z');

function distanceM(a, b) {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const round6 = (x) => Math.round(x * 1e6) / 1e6;
const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const two = (n) => String(n).padStart(2, '0');
const gtfsTime = (s) => `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
const hhmm = (s) => `${two(Math.floor(s / 3600))}${two(Math.floor(s / 60) % 60)}`;

/** Checks network.mjs's promises: 42 stops, unique ids and names, each on a line, lines known. */
function checkNetwork() {
  const problems = [];
  if (STOPS.length !== 42) problems.push(`${STOPS.length} stops, not 42`);
  const ids = new Set(STOPS.map((s) => s.id));
  const names = new Set(STOPS.map((s) => s.name));
  if (ids.size !== STOPS.length) problems.push('a stop id repeats');
  if (names.size !== STOPS.length) problems.push('a stop name repeats');
  const served = new Set(LINES.flatMap((l) => l.stops));
  for (const s of STOPS) if (!served.has(s.id)) problems.push(`stop ${s.id} is on no line`);
  for (const id of served) if (!ids.has(id)) problems.push(`a line stops at ${id}, which is not a stop`);
  for (const l of LINES) {
    if (l.stops[0] !== 'ap') problems.push(`line ${l.id} does not start at the bus station`);
    if (l.kind === 'loop' && l.stops.at(-1) !== 'ap') problems.push(`loop ${l.id} does not end at the bus station`);
  }
  const lineIds = new Set(LINES.map((l) => l.id));
  for (const svc of SERVICES) for (const b of svc.blocks) for (const l of b.lines) if (!lineIds.has(l)) problems.push(`block ${b.id}: no line ${l}`);
  if (problems.length) throw new Error(`network.mjs: ${problems.join('; ')}`);
}

/**
 * A line direction's path: its stops with a bend between each two, pulled 45 % of the way from
 * the straight line towards the corner of the street block they span (alternating which corner),
 * so the shape reads like streets rather than stop-to-stop chords.
 */
function pathThrough(stops) {
  const points = [{ lat: stops[0].lat, lon: stops[0].lon, stop: 0 }];
  for (let i = 1; i < stops.length; i++) {
    const a = stops[i - 1];
    const b = stops[i];
    const corner = i % 2 ? { lat: a.lat, lon: b.lon } : { lat: b.lat, lon: a.lon };
    const mid = { lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 };
    points.push({ lat: round6(mid.lat + (corner.lat - mid.lat) * 0.45), lon: round6(mid.lon + (corner.lon - mid.lon) * 0.45) });
    points.push({ lat: b.lat, lon: b.lon, stop: i });
  }
  let along = 0;
  return points.map((p, i) => {
    if (i > 0) along += distanceM(points[i - 1], p);
    return { ...p, distM: along };
  });
}

/**
 * One direction of a line, timed: per stop its distance along the shape and its arrival and
 * departure as seconds after the trip starts (the last stop's arrival on the whole minute).
 */
function timedPattern(line, direction, stopById) {
  const ids = direction === 0 ? line.stops : [...line.stops].reverse();
  const stops = ids.map((id) => stopById.get(id));
  const shapePoints = pathThrough(stops);
  const atStop = shapePoints.filter((p) => p.stop !== undefined);
  const times = [{ arrival: 0, departure: 0 }];
  let t = 0;
  for (let i = 1; i < stops.length; i++) {
    const kmh = stops[i - 1].centre && stops[i].centre ? TIMING.centreKmh : TIMING.otherKmh;
    t += (atStop[i].distM - atStop[i - 1].distM) / (kmh / 3.6);
    const last = i === stops.length - 1;
    const arrival = last ? Math.ceil(t / 60) * 60 : Math.round(t);
    const dwell = last ? 0 : stops[i].busy ? TIMING.busyDwellS : TIMING.dwellS;
    times.push({ arrival, departure: arrival + dwell });
    t += dwell;
  }
  const shapeId = line.kind === 'loop' ? line.id : `${line.id}-${direction}`;
  const headsign = line.kind === 'loop' ? line.headsign : stops.at(-1).name;
  const turnAt = line.kind === 'loop' ? ids.indexOf(line.turn) : -1;
  return {
    line,
    direction,
    shapeId,
    shapePoints,
    headsign,
    durationS: times.at(-1).arrival,
    stops: stops.map((s, i) => ({
      stop: s,
      distM: atStop[i].distM,
      ...times[i],
      // past the loop's far point the sign reads the bus station
      stopHeadsign: turnAt >= 0 && i >= turnAt && i < stops.length - 1 ? stops.at(-1).name : undefined,
    })),
  };
}

/** Every trip of every block, in block order, with the layover rule checked between each two. */
function buildTrips(patterns) {
  const trips = [];
  for (const svc of SERVICES) {
    for (const block of svc.blocks) {
      const blockTrips = [];
      const first = minutes(block.first) * 60;
      const last = minutes(block.last) * 60;
      for (let start = first, n = 0; start <= last; start += block.everyMin * 60, n++) {
        const line = LINES.find((l) => l.id === block.lines[n % block.lines.length]);
        const nextStart = start + block.everyMin * 60;
        const out = patterns.get(`${line.id}/0`);
        if (line.kind === 'loop') {
          blockTrips.push({ pattern: out, start });
          continue;
        }
        // out and back: the time left in the cycle split between the far end and the bus station
        const back = patterns.get(`${line.id}/1`);
        const spareMin = (nextStart - start - out.durationS - back.durationS) / 60;
        const farMin = Math.max(LAYOVER_MIN.min, Math.floor(spareMin / 2));
        blockTrips.push({ pattern: out, start }, { pattern: back, start: start + out.durationS + farMin * 60 });
      }
      for (let i = 1; i < blockTrips.length; i++) {
        const prev = blockTrips[i - 1];
        const layoverMin = (blockTrips[i].start - prev.start - prev.pattern.durationS) / 60;
        if (layoverMin < LAYOVER_MIN.min || layoverMin > LAYOVER_MIN.max) {
          throw new Error(`block ${block.id}: a layover of ${layoverMin} min at ${gtfsTime(prev.start + prev.pattern.durationS)} (${LAYOVER_MIN.min}–${LAYOVER_MIN.max} allowed)`);
        }
      }
      for (const { pattern, start } of blockTrips) {
        trips.push({ id: `${pattern.line.id}-${svc.letter}-${hhmm(start)}`, serviceId: svc.id, blockId: block.id, pattern, start });
      }
    }
  }
  const ids = new Set(trips.map((t) => t.id));
  if (ids.size !== trips.length) throw new Error('a trip id repeats');
  return trips;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csv(header, rows) {
  const cell = (v) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** The feed: file name → text, in a fixed order, and its counts. */
export function buildLokalcGtfs() {
  checkNetwork();
  const stopById = new Map(STOPS.map((s) => [s.id, s]));
  const patterns = new Map();
  for (const line of LINES) {
    for (const direction of line.kind === 'loop' ? [0] : [0, 1]) patterns.set(`${line.id}/${direction}`, timedPattern(line, direction, stopById));
  }
  const trips = buildTrips(patterns);

  const files = new Map();
  files.set('agency.txt', csv(['agency_id', 'agency_name', 'agency_url', 'agency_timezone', 'agency_lang'], [[AGENCY.id, AGENCY.name, AGENCY.url, AGENCY.timeZone, AGENCY.lang]]));
  files.set('stops.txt', csv(['stop_id', 'stop_name', 'stop_lat', 'stop_lon', 'location_type'], STOPS.map((s) => [s.id, s.name, s.lat.toFixed(5), s.lon.toFixed(5), 0])));
  files.set(
    'routes.txt',
    csv(
      ['route_id', 'agency_id', 'route_short_name', 'route_long_name', 'route_type', 'route_color', 'route_text_color', 'route_sort_order'],
      LINES.map((l, i) => [l.id, AGENCY.id, l.shortName, l.longName, 3, l.color, l.textColor, i + 1]),
    ),
  );
  files.set(
    'trips.txt',
    csv(
      ['route_id', 'service_id', 'trip_id', 'trip_headsign', 'direction_id', 'block_id', 'shape_id'],
      trips.map((t) => [t.pattern.line.id, t.serviceId, t.id, t.pattern.headsign, t.pattern.direction, t.blockId, t.pattern.shapeId]),
    ),
  );
  const stopTimeRows = [];
  for (const t of trips) {
    const n = t.pattern.stops.length;
    t.pattern.stops.forEach((s, i) => {
      const edge = i === 0 || i === n - 1;
      stopTimeRows.push([
        t.id,
        gtfsTime(t.start + s.arrival),
        gtfsTime(t.start + s.departure),
        s.stop.id,
        i + 1,
        s.stopHeadsign,
        i === n - 1 ? 1 : 0, // nobody boards where the trip ends
        i === 0 ? 1 : 0, // nor alights where it starts
        s.distM.toFixed(1),
        edge ? 1 : 0,
      ]);
    });
  }
  files.set(
    'stop_times.txt',
    csv(['trip_id', 'arrival_time', 'departure_time', 'stop_id', 'stop_sequence', 'stop_headsign', 'pickup_type', 'drop_off_type', 'shape_dist_traveled', 'timepoint'], stopTimeRows),
  );
  files.set(
    'calendar.txt',
    csv(
      ['service_id', ...WEEKDAYS, 'start_date', 'end_date'],
      SERVICES.map((s) => [s.id, ...WEEKDAYS.map((d) => s.days[d]), VALID.start, VALID.end]),
    ),
  );
  const dateRows = [];
  for (const date of HOLIDAYS) {
    const day = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T12:00:00Z`).getUTCDay();
    const usual = SERVICES.find((s) => s.days[WEEKDAYS[(day + 6) % 7]]);
    if (usual.id === 'nedelja') throw new Error(`holiday ${date} is a Sunday: nothing to change`);
    dateRows.push([usual.id, date, 2], ['nedelja', date, 1]);
  }
  files.set('calendar_dates.txt', csv(['service_id', 'date', 'exception_type'], dateRows));
  const shapeRows = [];
  for (const p of patterns.values()) {
    p.shapePoints.forEach((pt, i) => shapeRows.push([p.shapeId, pt.lat.toFixed(6), pt.lon.toFixed(6), i + 1, pt.distM.toFixed(1)]));
  }
  files.set('shapes.txt', csv(['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence', 'shape_dist_traveled'], shapeRows));

  // feed_version: a digest of everything above, so it changes exactly when the feed does
  const digest = crypto.createHash('sha256');
  for (const [name, text] of files) digest.update(`${name}\n${text}`);
  const version = `illustrative-${digest.digest('hex').slice(0, 12)}`;
  files.set(
    'feed_info.txt',
    csv(
      ['feed_publisher_name', 'feed_publisher_url', 'feed_lang', 'feed_start_date', 'feed_end_date', 'feed_version'],
      [['Tabla demo (illustrative: approximate positions and times)', AGENCY.url, 'sl', VALID.start, VALID.end, version]],
    ),
  );
  files.set('README.md', readme(trips, version));

  const counts = { stops: STOPS.length, routes: LINES.length, trips: trips.length, stopTimes: stopTimeRows.length, shapes: patterns.size, blocks: new Set(trips.map((t) => t.blockId)).size };
  return { files, counts, trips: trips.map((t) => ({ id: t.id, route: t.pattern.line.id, service: t.serviceId, block: t.blockId, start: t.start, durationS: t.pattern.durationS })) };
}

function readme(trips, version) {
  const perLine = LINES.map((l) => {
    const bySvc = SERVICES.map((s) => `${s.id} ${trips.filter((t) => t.pattern.line.id === l.id && t.serviceId === s.id).length}`).join(', ');
    return `- **${l.shortName}** (\`${l.id}\`, #${l.color}): ${l.longName}; trips: ${bySvc}`;
  });
  return `# Lokal'c, Velenje — an illustrative GTFS feed for the Tabla demo

${ILLUSTRATIVE_NOTE}

Generated by \`scripts/lokalc/build-gtfs.mjs\` from \`scripts/lokalc/network.mjs\`; do not edit
these files by hand — change the network and run \`node scripts/lokalc/build-gtfs.mjs\`.
Version ${version}.

Public facts used: Lokal'c, Velenje's free town bus, has five lines named by colour that start at
the bus station; the yellow line runs every 15 min at peak and 30 min off-peak; the city's plan
counts 42 stops; stops such as Gorica, Šalek, Tomšičeva cesta, Tržnica, Rudarski dom, Železniška
postaja, Partizanska cesta, Lokovica and Vila Bianca. The other stops are named after streets,
districts and landmarks of Velenje and may not match the operator's stop names. Made up: every
position (placed by hand near the place a stop is named after, not surveyed), the order of the
stops on each line, and every time.

${perLine.join('\n')}

Services: \`delavnik\` (Mon–Fri, 5:00–22:00), \`sobota\` (Saturday, reduced), \`nedelja\`
(Sundays and public holidays: the yellow line only), valid 2026-01-01 to 2027-12-31.
`;
}

/** Writes each file beside its final name and renames it into place. */
function writeFolder(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) {
    const tmp = path.join(dir, `.${name}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, name));
  }
}

/** The GTFS files (not the README) zipped at the archive's root, with a fixed entry time. */
export function zipFeed(files) {
  const entries = {};
  for (const [name, text] of files) if (name.endsWith('.txt')) entries[name] = [strToU8(text), { mtime: ZIP_MTIME }];
  return zipSync(entries, { level: 9 });
}

function parseArgs(argv) {
  const opts = { out: path.join(HERE, 'gtfs'), zip: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--out' || a === '--zip') && argv[i + 1]) opts[a.slice(2)] = path.resolve(argv[++i]);
    else throw new Error(`usage: build-gtfs.mjs [--out <dir>] [--zip <file.zip>] (not understood: ${a})`);
  }
  return opts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  const { files, counts } = buildLokalcGtfs();
  writeFolder(opts.out, files);
  console.log(`Lokal'c GTFS: ${counts.stops} stops, ${counts.routes} routes, ${counts.trips} trips in ${counts.blocks} blocks, ${counts.stopTimes} stop times, ${counts.shapes} shapes → ${opts.out}`);
  if (opts.zip) {
    const tmp = `${opts.zip}.tmp`;
    fs.writeFileSync(tmp, zipFeed(files));
    fs.renameSync(tmp, opts.zip);
    console.log(`zipped → ${opts.zip}`);
  }
}
