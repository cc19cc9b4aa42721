/**
 * GTFS static on a small hand-made Lokal'c feed (Europe/Ljubljana), zipped in the test: service
 * days across the two DST changes of 2026, times past 24:00:00, calendar_dates, frequencies with
 * and without exact_times, interpolated stop times, a station and its platform.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strToU8, zipSync } from 'fflate';
import {
  departuresAt,
  formatGtfsTime,
  isoLocal,
  parseGtfsTime,
  parseGtfsZip,
  serviceDayStart,
  servicesOn,
  type GtfsFeed,
} from '../../protocols/index.js';

const TZ = 'Europe/Ljubljana';

const FILES: Record<string, string[]> = {
  'agency.txt': ['agency_id,agency_name,agency_url,agency_timezone,agency_lang', "lokalc,Lokal'c,https://www.velenje.si,Europe/Ljubljana,sl"],
  'stops.txt': [
    'stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station',
    'ap,Avtobusna postaja Velenje,46.3592,15.1117,1,',
    'ap-1,Avtobusna postaja Velenje (peron 1),46.3593,15.1118,0,ap',
    'center,Center,46.3600,15.1130,0,',
    'stara,Stara vas,46.3700,15.1200,0,',
  ],
  'routes.txt': ['route_id,agency_id,route_short_name,route_long_name,route_type,route_color,route_text_color', 'rumena,lokalc,1,Rumena linija,3,ffd700,000000'],
  'calendar.txt': [
    'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date',
    'vsak,1,1,1,1,1,1,1,20260101,20261231',
    'delavnik,1,1,1,1,1,0,0,20260101,20260630',
  ],
  'calendar_dates.txt': ['service_id,date,exception_type', 'vsak,20261225,2', 'praznik,20261225,1'],
  'trips.txt': [
    'route_id,service_id,trip_id,trip_headsign,direction_id,block_id',
    'rumena,vsak,r-0130,Stara vas,0,b1',
    'rumena,vsak,r-0800,Stara vas,0,b1',
    'rumena,vsak,r-2510,Stara vas,0,b1',
    'rumena,vsak,f-1,Avtobusna postaja,1,b2',
    'rumena,praznik,p-1000,Stara vas,0,b3',
  ],
  'stop_times.txt': [
    'trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint',
    'r-0130,01:30:00,01:30:00,ap-1,1,1',
    'r-0130,01:40:00,01:40:00,stara,2,1',
    'r-0800,08:10:00,08:10:00,stara,30,1', // out of order in the file: stop_sequence decides
    'r-0800,08:00:00,08:00:00,ap-1,10,1',
    'r-0800,,,center,20,0',
    'r-2510,25:10:00,25:10:00,ap-1,1,',
    'r-2510,25:20:00,25:20:00,stara,2,',
    'f-1,06:00:00,06:00:00,stara,1,',
    'f-1,06:10:00,06:10:00,center,2,',
    'f-1,06:12:00,06:12:00,ap-1,3,',
    'p-1000,10:00:00,10:00:00,ap-1,1,',
    'p-1000,10:10:00,10:10:00,stara,2,',
  ],
  'frequencies.txt': ['trip_id,start_time,end_time,headway_secs,exact_times', 'f-1,06:00:00,07:00:00,900,1', 'f-1,07:00:00,09:00:00,1800,0'],
};

function zip(files: Record<string, string[]>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, lines]) => [name, strToU8(lines.join('\r\n') + '\r\n')])));
}

const load = parseGtfsZip(zip(FILES));
const feed: GtfsFeed = load.feed;

/** [service day, trip, departure as local ISO] at a stop in a window */
const at = (stopId: string, from: string, to: string) =>
  departuresAt(feed, stopId, new Date(from), new Date(to)).map((d) => [d.serviceDate, d.tripId, isoLocal(d.departsAt.getTime(), TZ)]);

test('the hand-made feed loads without a problem', () => {
  assert.equal(load.counts, { error: 0, warning: 0 }, JSON.stringify(load.problems));
  assert.is(feed.timeZone, TZ);
  assert.is(feed.routes.get('rumena')!.color, 'FFD700', 'route_color read upper case');
  assert.equal(
    feed.trips.get('r-0800')!.stopTimes.map((s) => [s.stopId, formatGtfsTime(s.departure), s.timepoint]),
    [['ap-1', '08:00:00', true], ['center', '08:05:00', false], ['stara', '08:10:00', true]],
    'ordered by stop_sequence; the empty time interpolated and not a timepoint',
  );
});

test('times past 24:00:00 are seconds since the service day started', () => {
  assert.is(parseGtfsTime('25:10:00'), 90_600);
  assert.is(parseGtfsTime('7:05:09'), 7 * 3600 + 5 * 60 + 9);
  assert.is(parseGtfsTime('07:60:00'), null);
  assert.is(formatGtfsTime(90_600), '25:10:00');
  assert.is(feed.trips.get('r-2510')!.stopTimes[0]!.departure, 90_600);
  assert.equal(at('ap-1', '2026-05-05T23:00:00+02:00', '2026-05-06T01:20:00+02:00'), [['2026-05-05', 'r-2510', '2026-05-06T01:10:00+02:00']], 'on the clock the next day, on the service day before');
});

test('a service day starts at noon minus 12 h: 23:00 or 01:00 on the wall clock on the DST change days', () => {
  assert.is(new Date(serviceDayStart('2026-03-28', TZ)).toISOString(), '2026-03-27T23:00:00.000Z'); // midnight CET
  assert.is(new Date(serviceDayStart('2026-03-29', TZ)).toISOString(), '2026-03-28T22:00:00.000Z'); // 23:00 CET, the day before
  assert.is(new Date(serviceDayStart('2026-03-30', TZ)).toISOString(), '2026-03-29T22:00:00.000Z'); // midnight CEST
  assert.is(new Date(serviceDayStart('2026-10-24', TZ)).toISOString(), '2026-10-23T22:00:00.000Z'); // midnight CEST
  assert.is(new Date(serviceDayStart('2026-10-25', TZ)).toISOString(), '2026-10-24T23:00:00.000Z'); // 01:00 CEST
  assert.is(new Date(serviceDayStart('2026-10-26', TZ)).toISOString(), '2026-10-25T23:00:00.000Z'); // midnight CET
});

test('29 March 2026 (clocks go 02:00 → 03:00): 08:00:00 is 08:00 CEST, 01:30:00 is 00:30 CET, 25:10:00 is 01:10 CEST next day', () => {
  // The station "ap" answers for its platform "ap-1".
  assert.equal(at('ap', '2026-03-28T20:00:00Z', '2026-03-30T05:00:00Z'), [
    ['2026-03-29', 'r-0130', '2026-03-29T00:30:00+01:00'],
    ['2026-03-28', 'r-2510', '2026-03-29T01:10:00+01:00'],
    ['2026-03-29', 'r-0800', '2026-03-29T08:00:00+02:00'],
    ['2026-03-29', 'r-2510', '2026-03-30T01:10:00+02:00'],
    ['2026-03-30', 'r-0130', '2026-03-30T01:30:00+02:00'],
  ]);
});

test('25 October 2026 (clocks go 03:00 → 02:00): 08:00:00 is 08:00 CET, 01:30:00 is 02:30 CEST, 25:10:00 is 01:10 CET next day', () => {
  assert.equal(at('ap', '2026-10-24T20:00:00Z', '2026-10-26T05:00:00Z'), [
    ['2026-10-24', 'r-2510', '2026-10-25T01:10:00+02:00'],
    ['2026-10-25', 'r-0130', '2026-10-25T02:30:00+02:00'],
    ['2026-10-25', 'r-0800', '2026-10-25T08:00:00+01:00'],
    ['2026-10-25', 'r-2510', '2026-10-26T01:10:00+01:00'],
    ['2026-10-26', 'r-0130', '2026-10-26T01:30:00+01:00'],
  ]);
  const [d] = departuresAt(feed, 'ap', new Date('2026-10-25T08:00:00+01:00'), new Date('2026-10-25T08:00:01+01:00'));
  assert.is(d!.departsAt.toISOString(), '2026-10-25T07:00:00.000Z');
});

test('calendar_dates: a removed date drops the service, an added one brings a service that has no calendar', () => {
  assert.equal(servicesOn(feed, '2026-12-24'), ['vsak']); // a Thursday after delavnik's range
  assert.equal(servicesOn(feed, '2026-12-25'), ['praznik']);
  assert.equal(servicesOn(feed, '2026-03-27'), ['delavnik', 'vsak']); // Friday
  assert.equal(servicesOn(feed, '2026-03-28'), ['vsak']); // Saturday
  assert.equal(at('ap-1', '2026-12-25T05:00:00+01:00', '2026-12-25T23:00:00+01:00'), [['2026-12-25', 'p-1000', '2026-12-25T10:00:00+01:00']]);
  assert.equal(at('ap-1', '2026-12-24T05:00:00+01:00', '2026-12-24T23:00:00+01:00'), [['2026-12-24', 'r-0800', '2026-12-24T08:00:00+01:00']]);
});

test('frequencies: exact_times 1 departs exactly every 15 min; exact_times 0 about every 30 min; each offset by the stop\'s place in the trip', () => {
  const d = departuresAt(feed, 'center', new Date('2026-05-05T05:00:00+02:00'), new Date('2026-05-05T10:00:00+02:00'));
  assert.equal(
    d.map((x) => [x.tripId, isoLocal(x.departsAt.getTime(), TZ).slice(11, 16), x.exact, x.headwaySecs ?? null, x.headsign]),
    [
      ['f-1', '06:10', true, 900, 'Avtobusna postaja'],
      ['f-1', '06:25', true, 900, 'Avtobusna postaja'],
      ['f-1', '06:40', true, 900, 'Avtobusna postaja'],
      ['f-1', '06:55', true, 900, 'Avtobusna postaja'],
      ['f-1', '07:10', false, 1800, 'Avtobusna postaja'],
      ['f-1', '07:40', false, 1800, 'Avtobusna postaja'],
      ['r-0800', '08:05', false, null, 'Stara vas'], // interpolated: not exact
      ['f-1', '08:10', false, 1800, 'Avtobusna postaja'],
      ['f-1', '08:40', false, 1800, 'Avtobusna postaja'],
    ],
  );
  assert.equal(at('stara', '2026-05-05T00:00:00+02:00', '2026-05-06T00:00:00+02:00').length, 8, 'f-1 starts there; the r- trips only arrive');
});

test('a window is [from, to), and departuresAt refuses an unbounded one', () => {
  assert.equal(at('ap-1', '2026-05-05T08:00:00+02:00', '2026-05-05T08:00:00.001+02:00').map(([, t]) => t), ['r-0800']);
  assert.equal(at('ap-1', '2026-05-05T07:59:00+02:00', '2026-05-05T08:00:00+02:00'), []);
  assert.equal(at('nowhere', '2026-05-05T00:00:00+02:00', '2026-05-06T00:00:00+02:00'), []);
  assert.throws(() => departuresAt(feed, 'ap-1', new Date('2026-01-01'), new Date('2026-12-31')), /at most 8 days/);
});

test.run();
