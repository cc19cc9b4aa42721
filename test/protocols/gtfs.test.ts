/**
 * GTFS static on a real feed: USF Bull Runner (../shared/data/gtfs, Apache-2.0), six loop routes
 * run entirely from frequencies.txt. Every number below was checked against the CSVs themselves
 * (wc, and an independent expansion of frequencies.txt × stop_times.txt written in Python).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { departuresAt, feedSummary, isoLocal, parseGtfsZip, servicesOn, tripShape, type GtfsLoad } from '../../protocols/index.js';

const FEED = path.resolve(import.meta.dirname, '../../../shared/data/gtfs/bullrunner-gtfs.zip');
const load: GtfsLoad = parseGtfsZip(new Uint8Array(fs.readFileSync(FEED)));
const { feed } = load;
const TZ = 'America/New_York';

const count = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((m, x) => ((m[key(x)] = (m[key(x)] ?? 0) + 1), m), {});

test('the real feed loads: 6 routes, 125 stops, 15 trips, 473 stop times, 6 shapes', () => {
  const s = feedSummary(feed);
  assert.equal(s.agencies, [{ name: 'USF Bull Runner', url: 'http://www.usf.edu/administrative-services/parking' }]);
  assert.is(s.timeZone, TZ);
  assert.equal(
    s.routes.map((r) => [r.id, r.longName, r.color]),
    [
      ['A', 'Green Campus Loop', '00573C'],
      ['B', 'Blue USF Health', '0077D1'],
      ['C', 'Purple Off-Campus North', 'AC49D0'],
      ['D', 'Red Off-Campus West', 'F70505'],
      ['E', 'Gold Campus Loop', 'D4BA13'],
      ['F', 'Brown Off-Campus South', '8F6A51'],
    ],
  );
  assert.equal([s.stops, s.trips, s.stopTimes, s.shapes, s.frequencyTrips], [125, 15, 473, 6, 15]);
  assert.equal(s.serviceDates, { first: '2015-01-01', last: '2020-12-31' });
  assert.equal(
    [...feed.shapes.values()].map((sh) => [sh.id, sh.points.length]),
    [['0', 245], ['1', 181], ['2', 214], ['3', 312], ['4', 252], ['5', 318]],
  );
});

test('its problems: 10 warnings, no error — 9 stop names and one column name with spaces around them', () => {
  assert.equal(load.counts, { error: 0, warning: 10 });
  const stopNames = load.problems.filter((p) => p.file === 'stops.txt');
  assert.equal(stopNames.map((p) => [p.row, p.field, p.severity]).slice(0, 3), [[2, 'stop_name', 'warning'], [9, 'stop_name', 'warning'], [21, 'stop_name', 'warning']]);
  assert.is(stopNames.length, 9);
  assert.equal(load.problems.find((p) => p.file === 'frequencies.txt'), {
    file: 'frequencies.txt',
    row: 1,
    field: 'exact_times',
    message: 'column name " exact_times" has spaces around it',
    severity: 'warning',
  });
  assert.is(feed.stops.get('101')!.name, 'Math & Engineering', 'the value is read trimmed');
  assert.is(feed.trips.get('1')!.frequencies[0]!.exactTimes, false, 'the column is read despite its space');
});

test('services by calendar weekday and range: Mo is Monday–Thursday, Fr Friday, Su the weekend, all until 2020-12-31', () => {
  assert.equal(servicesOn(feed, '2020-03-02'), ['Mo']); // a Monday
  assert.equal(servicesOn(feed, '2020-03-05'), ['Mo']); // Thursday
  assert.equal(servicesOn(feed, '2020-03-06'), ['Fr']);
  assert.equal(servicesOn(feed, '2020-03-07'), ['Su']); // Saturday
  assert.equal(servicesOn(feed, '2021-01-04'), []);
  assert.throws(() => servicesOn(feed, '2020-02-30'), /not a date/);
});

test('frequencies expand per headway: stop 222, Monday 08:00–09:00, six departures of route A every 10 min', () => {
  const d = departuresAt(feed, '222', new Date('2020-03-02T08:00:00-05:00'), new Date('2020-03-02T09:00:00-05:00'));
  assert.equal(
    d.map((x) => [isoLocal(x.departsAt.getTime(), TZ), x.routeName, x.tripId, x.headwaySecs, x.exact]),
    ['08:00', '08:10', '08:20', '08:30', '08:40', '08:50'].map((t) => [`2020-03-02T${t}:00-05:00`, 'A', '1', 600, false]),
  );
  assert.is(departuresAt(feed, '222', new Date('2020-03-07T08:00:00-05:00'), new Date('2020-03-07T09:00:00-05:00')).length, 0, 'route A does not run at weekends');
});

test('stop 401, served by all six routes: 35 departures on a Monday hour, 15 on a Saturday afternoon hour', () => {
  const monday = departuresAt(feed, '401', new Date('2020-03-02T08:00:00-05:00'), new Date('2020-03-02T09:00:00-05:00'));
  assert.is(monday.length, 35);
  assert.equal(count(monday, (x) => x.routeName), { A: 6, B: 6, C: 5, D: 6, E: 6, F: 6 });
  assert.ok(monday.every((x, i) => i === 0 || x.departsAt >= monday[i - 1]!.departsAt), 'sorted by time');
  assert.equal(
    monday.slice(0, 3).map((x) => [isoLocal(x.departsAt.getTime(), TZ), x.routeName]),
    [['2020-03-02T08:02:24-05:00', 'D'], ['2020-03-02T08:04:34-05:00', 'A'], ['2020-03-02T08:05:05-05:00', 'E']],
  );
  const saturday = departuresAt(feed, '401', new Date('2020-03-07T15:00:00-05:00'), new Date('2020-03-07T16:00:00-05:00'));
  assert.equal(count(saturday, (x) => x.routeName), { D: 6, C: 5, F: 4 });
  assert.is(saturday[0]!.departsAt.toISOString(), '2020-03-07T20:03:03.000Z'); // 15:03:03 EST: trip 10 starts 14:30, reaches 401 after 33:03
});

test('past midnight: Monday-service trips still reach stop 401 at 24:45:42, on the clock Tuesday 00:45:42', () => {
  const late = departuresAt(feed, '401', new Date('2020-03-02T23:00:00-05:00'), new Date('2020-03-03T01:00:00-05:00'));
  assert.is(late.length, 49);
  const last = late[late.length - 1]!;
  assert.equal([last.serviceDate, last.time, last.routeName, isoLocal(last.departsAt.getTime(), TZ)], ['2020-03-02', 24 * 3600 + 45 * 60 + 42, 'F', '2020-03-03T00:45:42-05:00']);
});

test('a loop trip: its last stop (the first again) is an arrival, not a second departure', () => {
  const trip = feed.trips.get('1')!;
  assert.is(trip.stopTimes[0]!.stopId, '222');
  assert.is(trip.stopTimes[trip.stopTimes.length - 1]!.stopId, '222');
  const d = departuresAt(feed, '222', new Date('2020-03-02T07:19:00-05:00'), new Date('2020-03-02T07:21:00-05:00'));
  assert.equal(d.map((x) => isoLocal(x.departsAt.getTime(), TZ)), ['2020-03-02T07:20:00-05:00'], 'the 07:20 run leaves; at 07:19:43 the 07:00 run only arrives back');
});

test("a trip's shape: ordered by shape_pt_sequence, measured in metres (within 0.5 % of the feed's own distances)", () => {
  const shape = tripShape(feed, '1')!;
  assert.is(shape.id, '0');
  assert.is(shape.points.length, 245);
  assert.ok(shape.points.every((p, i) => i === 0 || (p.sequence > shape.points[i - 1]!.sequence && p.distM >= shape.points[i - 1]!.distM)));
  const given = shape.points[shape.points.length - 1]!.distTraveled!;
  assert.is(given, 7880.62668604);
  assert.ok(Math.abs(shape.lengthM - given) / given < 0.005, `${shape.lengthM} m vs ${given}`);
  assert.is(tripShape(feed, 'no-such-trip'), null);
});

test.run();
