/**
 * The demo's Lokal'c feed (scripts/lokalc/): the generator writes the same bytes every run, and
 * the committed folder is what it writes; the feed loads through our parser without a problem;
 * it has the city plan's 42 stops and the five colour lines, the yellow line every 15 min at peak
 * and every 30 off-peak, a shape and a block on every trip, blocks a bus can drive; and drive.mjs
 * puts a bus on a block where the timetable (give or take its delay) says it is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { zipSync } from 'fflate';
import { departuresAt, distanceM, parseGtfsZip, servicesOn, type GtfsFeed } from '../../protocols/index.js';
import { blocksOn, busOnBlock, demoBlocks, type BusOnBlock } from '../../scripts/lokalc/drive.mjs';
import { tmpDir } from '../helpers.js';

const LOKALC = path.resolve(import.meta.dirname, '../../scripts/lokalc');
const GENERATOR = path.join(LOKALC, 'build-gtfs.mjs');
const COMMITTED = path.join(LOKALC, 'gtfs');
const TUESDAY = '2026-03-10';
const SATURDAY = '2026-03-14';
const SUNDAY = '2026-03-15';
const EASTER_MONDAY = '2026-04-06';

function generate(...args: string[]): string {
  const r = spawnSync(process.execPath, [GENERATOR, ...args], { encoding: 'utf8' });
  assert.is(r.status, 0, `build-gtfs.mjs ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Every file of a folder → its bytes, by name. */
function readFolder(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const name of fs.readdirSync(dir).sort()) out[name] = new Uint8Array(fs.readFileSync(path.join(dir, name)));
  return out;
}

/** The folder's GTFS files zipped, as the fleet would get them. */
function zipFolder(dir: string): Uint8Array {
  const files = readFolder(dir);
  return zipSync(Object.fromEntries(Object.entries(files).filter(([name]) => name.endsWith('.txt'))));
}

const load = parseGtfsZip(zipFolder(COMMITTED));
const feed: GtfsFeed = load.feed;

/** An instant from a local wall-clock time in Velenje (CET in March). */
const local = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+01:00`);

function departures(routeId: string, date: string, from: string, to: string) {
  const offset = date >= '2026-03-29' && date < '2026-10-25' ? '+02:00' : '+01:00';
  return departuresAt(feed, 'ap', new Date(`${date}T${from}:00${offset}`), new Date(`${date}T${to}:00${offset}`)).filter((d) => d.routeId === routeId);
}

test('the generator is deterministic, and the committed folder is what it writes', () => {
  const a = tmpDir('tabla-lokalc-a-');
  const b = tmpDir('tabla-lokalc-b-');
  try {
    assert.match(generate('--out', a, '--zip', path.join(a, '..', `${path.basename(a)}.zip`)), /42 stops, 5 routes, \d+ trips in \d+ blocks/);
    generate('--out', b, '--zip', path.join(b, '..', `${path.basename(b)}.zip`));
    const first = readFolder(a);
    assert.equal(Object.keys(first), ['README.md', 'agency.txt', 'calendar.txt', 'calendar_dates.txt', 'feed_info.txt', 'routes.txt', 'shapes.txt', 'stop_times.txt', 'stops.txt', 'trips.txt']);
    assert.equal(readFolder(b), first, 'two runs, the same bytes');
    assert.equal(readFolder(COMMITTED), first, 'scripts/lokalc/gtfs/ is up to date: run node scripts/lokalc/build-gtfs.mjs');
    const zipA = fs.readFileSync(`${a}.zip`);
    assert.ok(zipA.equals(fs.readFileSync(`${b}.zip`)), 'the zips are the same bytes too');
    const fromZip = parseGtfsZip(zipA);
    assert.equal(fromZip.counts, { error: 0, warning: 0 });
    assert.is(fromZip.feed.trips.size, feed.trips.size);
    const r = spawnSync(process.execPath, [GENERATOR, '--out'], { encoding: 'utf8' });
    assert.is(r.status, 2, 'a usage error');
    assert.match(r.stderr, /usage: build-gtfs\.mjs/);
  } finally {
    for (const p of [a, b, `${a}.zip`, `${b}.zip`]) fs.rmSync(p, { recursive: true, force: true });
  }
});

test('the feed loads through our parser with no error and no warning, labelled illustrative', () => {
  assert.equal(load.counts, { error: 0, warning: 0 });
  assert.equal(load.problems, []);
  assert.equal(feed.agencies, [{ id: 'lokalc', name: "Lokal'c (Mestna občina Velenje)", url: 'https://www.velenje.si/', timeZone: 'Europe/Ljubljana', lang: 'sl' }]);
  assert.is(feed.timeZone, 'Europe/Ljubljana');
  const info = fs.readFileSync(path.join(COMMITTED, 'feed_info.txt'), 'utf8');
  assert.match(info, /^feed_publisher_name,.*feed_version\n/);
  assert.match(info, /Tabla demo \(illustrative: approximate positions and times\),.*,sl,20260101,20271231,illustrative-[0-9a-f]{12}\n$/);
  assert.match(fs.readFileSync(path.join(COMMITTED, 'README.md'), 'utf8'), /not the operator’s timetable: built from public facts .*; stop positions are approximate, the paths and every time are made up\./);
});

test("42 stops with Velenje's names, each unique, each served, all within a few km of the centre", () => {
  assert.is(feed.stops.size, 42);
  const names = [...feed.stops.values()].map((s) => s.name!);
  assert.is(new Set(names).size, 42);
  for (const name of ['Avtobusna postaja Velenje', 'Železniška postaja Velenje', 'Gorica', 'Šalek', 'Tomšičeva cesta', 'Tržnica', 'Rudarski dom', 'Partizanska cesta', 'Lokovica', 'Vila Bianca']) {
    assert.ok(names.includes(name), name);
  }
  const centre = { lat: 46.359, lon: 15.112 };
  for (const stop of feed.stops.values()) {
    assert.ok((feed.stopVisits.get(stop.id)?.length ?? 0) > 0, `${stop.name} is served`);
    assert.ok(distanceM(centre, { lat: stop.lat!, lon: stop.lon! }) < 4000, `${stop.name} is in town`);
  }
  const at = (name: string) => [...feed.stops.values()].find((s) => s.name === name)!;
  assert.ok(distanceM(at('Avtobusna postaja Velenje') as { lat: number; lon: number }, { lat: 46.3594, lon: 15.1105 }) < 50);
  assert.ok(distanceM(at('Železniška postaja Velenje') as { lat: number; lon: number }, { lat: 46.3628, lon: 15.114 }) < 50);
  assert.ok(at('Šalek').lon! > 15.125, 'Šalek is east');
  assert.ok(at('Gorica').lat! > 46.362 && at('Gorica').lon! < 15.105, 'Gorica is north-west');
  assert.ok(at('Lokovica').lat! < 46.356 && at('Lokovica').lon! < 15.1, 'Lokovica is south-west');
});

test('five routes named by colour, in their colours, each starting at the bus station', () => {
  const routes = [...feed.routes.values()].map((r) => [r.id, r.shortName, r.color, r.textColor]);
  assert.equal(routes, [
    ['rumena', 'Rumena', 'FFD400', '000000'],
    ['rdeca', 'Rdeča', 'E2001A', 'FFFFFF'],
    ['modra', 'Modra', '0067B1', 'FFFFFF'],
    ['zelena', 'Zelena', '2E9B3F', 'FFFFFF'],
    ['oranzna', 'Oranžna', 'F08A00', '000000'],
  ]);
  for (const trip of feed.trips.values()) {
    const ends = [trip.stopTimes[0]!.stopId, trip.stopTimes.at(-1)!.stopId];
    assert.ok(ends.includes('ap'), `${trip.id} starts or ends at the bus station`);
  }
});

test('rumena runs every 15 min in the peaks and every 30 off-peak on a weekday; less on Saturday; alone on Sundays and holidays', () => {
  assert.equal(servicesOn(feed, TUESDAY), ['delavnik']);
  assert.is(departures('rumena', TUESDAY, '07:00', '08:00').length, 4);
  assert.is(departures('rumena', TUESDAY, '10:00', '11:00').length, 2);
  assert.equal(departures('rumena', TUESDAY, '13:00', '16:00').map((d) => d.departsAt.toISOString().slice(11, 16)), [
    '12:00', '12:15', '12:30', '12:45', '13:00', '13:15', '13:30', '13:45', '14:00', '14:15', '14:30', '14:45',
  ]);
  assert.is(departures('rumena', TUESDAY, '05:00', '22:00').length, 45);
  assert.is(departures('rumena', TUESDAY, '00:00', '05:00').length + departures('rumena', TUESDAY, '22:00', '23:59').length, 0, 'Mon–Fri 5:00–22:00');
  for (const route of ['rdeca', 'modra']) assert.is(departures(route, TUESDAY, '10:00', '11:00').length, 2, `${route} every 30 min`);
  for (const route of ['zelena', 'oranzna']) assert.is(departures(route, TUESDAY, '10:00', '11:00').length, 1, `${route} every hour`);
  assert.is(departures('rumena', SATURDAY, '07:00', '08:00').length, 2);
  assert.is(departures('rdeca', SATURDAY, '10:00', '11:00').length, 1);
  for (const date of [SUNDAY, EASTER_MONDAY]) {
    assert.equal(servicesOn(feed, date), ['nedelja'], date);
    assert.is(departures('rumena', date, '10:00', '11:00').length, 2, date);
    for (const route of ['rdeca', 'modra', 'zelena', 'oranzna']) assert.is(departures(route, date, '05:00', '22:00').length, 0, `${route} on ${date}`);
  }
  assert.equal(servicesOn(feed, '2027-12-31'), ['delavnik'], 'valid through 2027');
  assert.equal(servicesOn(feed, '2028-01-03'), []);
});

test('every trip has a shape, a block and timepoints at its ends; its times come from its length at town speeds', () => {
  const trips = [...feed.trips.values()];
  assert.ok(trips.length > 300, `${trips.length} trips`);
  for (const trip of trips) {
    assert.ok(trip.shapeId !== undefined && feed.shapes.has(trip.shapeId), `${trip.id} has a shape`);
    assert.ok(trip.blockId, `${trip.id} has a block`);
    assert.ok(trip.directionId === 0 || trip.directionId === 1);
    const st = trip.stopTimes;
    assert.equal(st.map((s) => s.timepoint), st.map((_, i) => i === 0 || i === st.length - 1), `${trip.id} timepoints`);
    assert.is(st[0]!.departure % 60, 0);
    assert.is(st.at(-1)!.arrival % 60, 0);
    const shape = feed.shapes.get(trip.shapeId!)!;
    assert.ok(shape.points.length > 2 * st.length - 2, 'more points than stops: bends between them');
    const kmh = shape.lengthM / (st.at(-1)!.arrival - st[0]!.departure) * 3.6;
    assert.ok(kmh > 14 && kmh < 25, `${trip.id}: ${kmh.toFixed(1)} km/h on average, dwells included`);
    for (let i = 1; i < st.length - 1; i++) {
      const dwell = st[i]!.departure - st[i]!.arrival;
      assert.ok(dwell >= 20 && dwell <= 30, `${trip.id}: a dwell of ${dwell} s`);
    }
  }
});

test('a block is one bus: its trips follow each other from where the last ended, after a layover of 3–8 min', () => {
  const byBlock = new Map<string, typeof feed.trips extends ReadonlyMap<string, infer T> ? T[] : never>();
  for (const trip of feed.trips.values()) {
    const list = byBlock.get(trip.blockId!) ?? [];
    byBlock.set(trip.blockId!, [...list, trip]);
  }
  assert.equal([...byBlock.keys()].sort(), [
    'D-modra-1', 'D-rdeca-1', 'D-rumena-1', 'D-rumena-2', 'D-rumena-3', 'D-zelena-oranzna-1', 'N-rumena-1', 'S-rdeca-modra-1', 'S-rumena-1', 'S-zelena-oranzna-1',
  ]);
  for (const [blockId, trips] of byBlock) {
    assert.is(new Set(trips.map((t) => t.serviceId)).size, 1, `${blockId}: one service day`);
    trips.sort((a, b) => a.stopTimes[0]!.departure - b.stopTimes[0]!.departure);
    for (let i = 1; i < trips.length; i++) {
      const prev = trips[i - 1]!.stopTimes.at(-1)!;
      const next = trips[i]!.stopTimes[0]!;
      assert.is(next.stopId, prev.stopId, `${blockId}: ${trips[i]!.id} starts where ${trips[i - 1]!.id} ended`);
      const layoverMin = (next.departure - prev.arrival) / 60;
      assert.ok(layoverMin >= 3 && layoverMin <= 8, `${blockId}: a layover of ${layoverMin} min before ${trips[i]!.id}`);
    }
  }
  assert.equal(blocksOn(feed, TUESDAY).map((b) => b.blockId), ['D-rumena-1', 'D-rdeca-1', 'D-modra-1', 'D-zelena-oranzna-1', 'D-rumena-2', 'D-rumena-3']);
});

/** How far a point is from a polyline, metres (each segment flattened around its start). */
function offShapeM(points: readonly { lat: number; lon: number }[], p: { lat: number; lon: number }): number {
  let best = Infinity;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const k = Math.cos((a.lat * Math.PI) / 180);
    const [bx, by, px, py] = [(b.lon - a.lon) * k, b.lat - a.lat, (p.lon - a.lon) * k, p.lat - a.lat];
    const t = Math.min(1, Math.max(0, (px * bx + py * by) / (bx * bx + by * by || 1)));
    best = Math.min(best, distanceM(p, { lat: a.lat + t * (b.lat - a.lat), lon: a.lon + t * (b.lon - a.lon) }));
  }
  return best;
}

test('drive: a bus on a block is on its trip, on its shape, at town speeds, a little late or early', () => {
  assert.equal(demoBlocks(feed, local(TUESDAY, '07:10')), [
    { routeId: 'rumena', blockId: 'D-rumena-1' },
    { routeId: 'rdeca', blockId: 'D-rdeca-1' },
    { routeId: 'modra', blockId: 'D-modra-1' },
  ]);
  assert.equal(demoBlocks(feed, local(SUNDAY, '10:00')), [
    { routeId: 'rumena', blockId: 'N-rumena-1' },
    { routeId: 'rdeca', blockId: null },
    { routeId: 'modra', blockId: null },
  ]);
  const statuses = new Set<string>();
  for (const blockId of ['D-rumena-1', 'D-rdeca-1', 'D-modra-1']) {
    const start = local(TUESDAY, '06:00').getTime();
    let prev: BusOnBlock | null = null;
    for (let s = 0; s < 2 * 3600; s += 5) {
      const bus = busOnBlock(feed, blockId, new Date(start + s * 1000))!;
      statuses.add(bus.status);
      const trip = feed.trips.get(bus.tripId)!;
      assert.is(trip.blockId, blockId);
      assert.is(bus.serviceDate, TUESDAY);
      assert.ok(bus.speedMps >= 0 && bus.speedMps < 60 / 3.6, `${bus.speedMps * 3.6} km/h`);
      assert.ok(bus.courseDeg >= 0 && bus.courseDeg < 360);
      assert.ok(bus.delayS >= -60 && bus.delayS <= 240, `a delay of ${bus.delayS} s`);
      assert.is(bus.dwelling, bus.status !== 'in-transit');
      const shape = feed.shapes.get(trip.shapeId!)!;
      assert.ok(offShapeM(shape.points, bus) < 1, `on its shape (${offShapeM(shape.points, bus).toFixed(1)} m off)`);
      if (prev && prev.tripId === bus.tripId) {
        assert.ok(bus.distanceM >= prev.distanceM - 1e-6, 'forwards only');
        // 5 s at most 60 km/h
        assert.ok(distanceM(prev, bus) < 5 * (60 / 3.6), 'no jumps');
      }
      prev = bus;
    }
  }
  assert.equal([...statuses].sort(), ['at-stop', 'in-transit', 'layover']);
  const at = local(TUESDAY, '07:12');
  assert.equal(busOnBlock(feed, 'D-rumena-1', at), busOnBlock(feed, 'D-rumena-1', at), 'deterministic');
  assert.is(busOnBlock(feed, 'D-rumena-1', at)!.tripId, 'rumena-D-0700');
  assert.not.equal(busOnBlock(feed, 'D-rumena-1', at, { seed: 2 }), busOnBlock(feed, 'D-rumena-1', at), 'another seed, another day');
  const early = busOnBlock(feed, 'D-rumena-1', local(TUESDAY, '04:00'))!;
  assert.equal([early.status, early.stopId, early.speedMps], ['before-service', 'ap', 0]);
  const late = busOnBlock(feed, 'D-rumena-1', local(TUESDAY, '23:30'))!;
  assert.equal([late.status, late.stopId, late.tripId], ['after-service', 'ap', 'rumena-D-2130']);
  assert.is(busOnBlock(feed, 'D-rumena-1', local(SUNDAY, '10:00')), null, 'a weekday block does not run on Sunday');
});

test.run();
