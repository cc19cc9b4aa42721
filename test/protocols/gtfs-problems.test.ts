/**
 * A broken GTFS feed, built in the test: every problem names its file, line and field; a bad row
 * is skipped and the rest loads; a feed whose required files are missing or unusable is refused
 * with a message that says why; a zip bomb and a 10-million-line file are refused by the limits.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strToU8, zipSync } from 'fflate';
import { GTFS_LIMITS, GtfsRefused, departuresAt, parseGtfsZip, type GtfsProblem } from '../../protocols/index.js';

type Files = Record<string, string[]>;

const zip = (files: Files): Uint8Array =>
  zipSync(Object.fromEntries(Object.entries(files).map(([name, lines]) => [name, strToU8(lines.join('\n') + '\n')])));

/** The line (1-based, header = 1) of the first row that starts with `start`: the oracle for row numbers. */
const line = (files: Files, file: string, start: string) => files[file]!.findIndex((l) => l.startsWith(start)) + 1;

const GOOD: Files = {
  'agency.txt': ['agency_id,agency_name,agency_url,agency_timezone', "lokalc,Lokal'c,https://www.velenje.si,Europe/Ljubljana"],
  'stops.txt': ['stop_id,stop_name,stop_lat,stop_lon', 'a,Avtobusna postaja,46.3592,15.1117', 'c,Center,46.36,15.113', 's,Stara vas,46.37,15.12'],
  'routes.txt': ['route_id,agency_id,route_short_name,route_long_name,route_type,route_color', 'rumena,lokalc,1,Rumena,3,FFD700'],
  'trips.txt': ['route_id,service_id,trip_id,shape_id', 'rumena,vsak,t1,'],
  'stop_times.txt': ['trip_id,arrival_time,departure_time,stop_id,stop_sequence', 't1,08:00:00,08:00:00,a,1', 't1,08:05:00,08:05:00,c,2', 't1,08:10:00,08:10:00,s,3'],
  'calendar.txt': ['service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date', 'vsak,1,1,1,1,1,1,1,20260101,20261231'],
};

const BROKEN: Files = {
  ...GOOD,
  'stops.txt': [...GOOD['stops.txt']!, 'x,Daleč,123,15.12', 'y,Kratka,46.1'],
  'routes.txt': [...GOOD['routes.txt']!, 'modra,lokalc,2,Modra,3,blue'],
  'trips.txt': [...GOOD['trips.txt']!, 'rumena,vsak,t2,nope', 'modra,vsak,t3,', 'rumena,nikoli,t4,', 'rumena,vsak,t5,', 'rumena,vsak,t1,'],
  'stop_times.txt': [
    ...GOOD['stop_times.txt']!,
    't1,8:15:00,08:14:00,a,4',
    't1,08:20:00,08:20:00,a,xx',
    't2,09:00:00,09:00:00,a,1',
    't2,09:10:00,09:10:00,s,2',
    't2,09:12:00,09:12:00,x,3',
    't3,10:00:00,10:00:00,a,1',
    't3,10:10:00,10:10:00,s,2',
    't5,11:00:00,11:00:00,a,1',
    't5,11:10:00,11:10:00,c,2',
    't5,10:50:00,10:50:00,s,3',
    't5,11:20:00,11:20:00,s,4',
  ],
  'calendar.txt': [...GOOD['calendar.txt']!, 'slabo,1,1,1,1,1,0,0,20260101,20261345'],
  'frequencies.txt': ['trip_id,start_time,end_time,headway_secs', 't3,06:00:00,07:00:00,600'],
};

function refusal(bytes: Uint8Array): GtfsRefused {
  try {
    parseGtfsZip(bytes);
  } catch (err) {
    if (err instanceof GtfsRefused) return err;
    throw err;
  }
  throw new Error('the feed was not refused');
}

const where = (p: GtfsProblem) => [p.file, p.row, p.field ?? null, p.severity];
const byPlace = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]);

test('a broken feed: each problem names file, line and field; 14 errors, each bad row skipped', () => {
  const { problems, counts } = parseGtfsZip(zip(BROKEN));
  const L = (file: string, start: string) => line(BROKEN, file, start);
  assert.equal(problems.map(where).sort(byPlace), [
    ['calendar.txt', L('calendar.txt', 'slabo'), 'end_date', 'error'], // not a date
    ['frequencies.txt', 2, 'trip_id', 'error'], // t3 was skipped
    ['routes.txt', L('routes.txt', 'modra'), 'route_color', 'error'], // "blue"
    ['stop_times.txt', L('stop_times.txt', 't1,8:15'), 'departure_time', 'error'], // before arrival_time
    ['stop_times.txt', L('stop_times.txt', 't1,08:20'), 'stop_sequence', 'error'], // "xx"
    ['stop_times.txt', L('stop_times.txt', 't2,09:12'), 'stop_id', 'error'], // x was skipped
    ['stop_times.txt', L('stop_times.txt', 't3,'), 'trip_id', 'error'], // unknown trip, once for its 2 rows
    ['stop_times.txt', L('stop_times.txt', 't5,10:50'), 'arrival_time', 'error'], // going back in time
    ['stops.txt', L('stops.txt', 'x,'), 'stop_lat', 'error'], // 123
    ['stops.txt', L('stops.txt', 'y,'), null, 'error'], // two cells of four: not CSV
    ['trips.txt', L('trips.txt', 'rumena,vsak,t2'), 'shape_id', 'error'], // kept without its shape
    ['trips.txt', L('trips.txt', 'modra'), 'route_id', 'error'],
    ['trips.txt', L('trips.txt', 'rumena,nikoli'), 'service_id', 'error'],
    ['trips.txt', BROKEN['trips.txt']!.lastIndexOf('rumena,vsak,t1,') + 1, 'trip_id', 'error'], // t1 again
  ].sort(byPlace));
  assert.equal(counts, { error: 14, warning: 0 });
  const text = (file: string, field: string) => problems.find((p) => p.file === file && p.field === field)!.message;
  assert.match(text('routes.txt', 'route_color'), /route_color "blue": not a colour/);
  assert.match(text('stops.txt', 'stop_lat'), /stop_lat "123": above 90/);
  assert.match(text('trips.txt', 'route_id'), /route_id modra is not in routes\.txt; row skipped/);
  assert.match(text('trips.txt', 'shape_id'), /shape_id nope is not in shapes\.txt; the trip is kept without a shape/);
  assert.match(problems.find((p) => p.file === 'stop_times.txt' && p.field === 'trip_id')!.message, /trip_id t3 is not in trips\.txt .*2 rows skipped/);
  assert.match(text('stop_times.txt', 'arrival_time'), /trip t5: stop_times not increasing: arrival 10:50:00 at stop_sequence 3 is before departure 11:10:00 at stop_sequence 2; row skipped/);
});

test('…and the rest of it loads and answers', () => {
  const { feed } = parseGtfsZip(zip(BROKEN));
  assert.equal([...feed.stops.keys()], ['a', 'c', 's']);
  assert.equal([...feed.routes.keys()], ['rumena']);
  assert.equal([...feed.trips.keys()], ['t1', 't2', 't5']);
  assert.is(feed.trips.get('t2')!.shapeId, undefined);
  assert.equal(feed.trips.get('t1')!.stopTimes.map((s) => s.stopSequence), [1, 2, 3]);
  assert.equal(feed.trips.get('t5')!.stopTimes.map((s) => s.stopId), ['a', 'c', 's']);
  assert.equal([...feed.calendars.keys()], ['vsak']);
  const d = departuresAt(feed, 'a', new Date('2026-05-05T00:00:00+02:00'), new Date('2026-05-06T00:00:00+02:00'));
  assert.equal(d.map((x) => [x.tripId, x.departsAt.toISOString()]), [
    ['t1', '2026-05-05T06:00:00.000Z'],
    ['t2', '2026-05-05T07:00:00.000Z'],
    ['t5', '2026-05-05T09:00:00.000Z'],
  ]);
});

test('one stop late by a typo: that row is skipped, not every row after it', () => {
  const files: Files = { ...GOOD, 'stop_times.txt': [...GOOD['stop_times.txt']!.slice(0, 2), 't1,18:05:00,18:05:00,c,2', 't1,08:10:00,08:10:00,s,3'] };
  const { feed, problems } = parseGtfsZip(zip(files));
  assert.equal(problems.map(where), [['stop_times.txt', 3, 'departure_time', 'error']]);
  assert.match(problems[0]!.message, /the earlier row is skipped/);
  assert.equal(feed.trips.get('t1')!.stopTimes.map((s) => s.stopId), ['a', 's']);
});

test('an unclosed quote: the rows before it load, the rest of the file is reported unread', () => {
  const files: Files = { ...GOOD, 'stops.txt': [...GOOD['stops.txt']!, 'q,"Nedokončan,46.1,15.1', 'z,Za njim,46.2,15.2'] };
  const { feed, problems } = parseGtfsZip(zip(files));
  assert.equal([...feed.stops.keys()], ['a', 'c', 's']);
  assert.equal(problems.map(where), [['stops.txt', line(files, 'stops.txt', 'q,'), null, 'error']]);
  assert.match(problems[0]!.message, /^not CSV: a quote opened in this row is never closed; the rest of the file is not read$/);
});

test('a required file missing: the feed is refused, naming it', () => {
  const { 'stops.txt': _, ...files } = GOOD;
  const err = refusal(zip(files));
  assert.is(err.message, 'GTFS feed refused: stops.txt is missing (required)');
  assert.equal(err.problems.map(where), [['stops.txt', null, null, 'error']]);
  const { 'calendar.txt': __, ...noCalendar } = GOOD;
  assert.match(refusal(zip(noCalendar)).message, /calendar\.txt is missing, and so is calendar_dates\.txt \(one is required\)/);
});

test('a required file without a required column, or left with no usable row: refused, with the reason in its problems', () => {
  const err = refusal(zip({ ...GOOD, 'trips.txt': ['route_id,service_id,shape_id', 'rumena,vsak,'] }));
  assert.is(err.message, 'GTFS feed refused: trips.txt cannot be read (see its problems)');
  assert.equal(err.problems.map((p) => [p.file, p.row, p.field, p.message]), [['trips.txt', 1, 'trip_id', 'required column missing: trip_id']]);
  assert.match(refusal(zip({ ...GOOD, 'routes.txt': [GOOD['routes.txt']![0]!, 'rumena,lokalc,,,3,'] })).message, /routes\.txt has no usable row/);
  const orphan = refusal(zip({ ...GOOD, 'trips.txt': ['route_id,service_id,trip_id', 'zelena,vsak,t1'] }));
  assert.match(orphan.message, /trips\.txt has no usable trip/);
  assert.ok(orphan.problems.some((p) => p.file === 'trips.txt' && p.row === 2 && p.field === 'route_id'));
});

test('not a zip, an empty one, files in a folder: refused with the reason', () => {
  assert.match(refusal(strToU8('route_id,route_type\n')).message, /not a zip/);
  assert.match(refusal(new Uint8Array(0)).message, /not a zip/);
  const nested = zipSync(Object.fromEntries(Object.entries(GOOD).map(([n, l]) => [`feed/${n}`, strToU8(l.join('\n'))])));
  const err = refusal(nested);
  assert.match(err.message, /agency\.txt is missing/);
  assert.ok(err.problems.some((p) => p.file === 'agency.txt' && /in a folder: GTFS files must be at the zip's root/.test(p.message)));
});

test('the limits are constants: a zip bomb, a 10-million-line file and a huge zip are refused with a reason', () => {
  assert.equal(GTFS_LIMITS, { zipBytes: 64 * 2 ** 20, fileBytes: 128 * 2 ** 20, totalBytes: 256 * 2 ** 20, rows: 2_000_000, listed: 1000 });
  // 130 MiB of zeros zips to 130 KiB: counted as it inflates, refused past the limit.
  const bomb = zipSync({ ...Object.fromEntries(Object.entries(GOOD).map(([n, l]) => [n, strToU8(l.join('\n'))])), 'stops.txt': new Uint8Array(130 * 2 ** 20) });
  assert.ok(bomb.length < 200 * 1024);
  assert.is(refusal(bomb).message, 'stops.txt inflates past 128 MiB, the limit for one file (a zip bomb?)');
  const rows = zip({ ...GOOD, 'stop_times.txt': ['trip_id,stop_id,stop_sequence', '1,1,1\n'.repeat(10_000_000)] });
  assert.is(refusal(rows).message, 'stop_times.txt has 10,000,002 lines, over the limit of 2,000,000');
  assert.is(refusal(new Uint8Array(65 * 2 ** 20)).message, 'the zip is 65 MiB, over the limit of 64 MiB');
});

test('problems are all counted, the first 1000 kept', () => {
  const bad = Array.from({ length: 1500 }, (_, i) => `bad${i},Nowhere,95,15`);
  const { problems, counts, feed } = parseGtfsZip(zip({ ...GOOD, 'stops.txt': [...GOOD['stops.txt']!, ...bad] }));
  assert.equal(counts, { error: 1500, warning: 0 });
  assert.is(problems.length, 1000);
  assert.is(feed.stops.size, 3);
  assert.equal(
    parseGtfsZip(zip({ ...GOOD, 'stops.txt': [...GOOD['stops.txt']!, ...bad] }), { limits: { listed: 10 } }).problems.length,
    10,
  );
});

test.run();
