/**
 * The displays engine's pure parts: a stop's timetable extract (days cut at the service day's
 * start, DST days, a day without service, a station's platforms, a trip past midnight, the size
 * bound), the `--until` forms, and the checks a frame's picture must pass.
 */
import { deflateSync } from 'fflate';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { frameImagePng, readFrameImage } from '../../fleet/engines/displays/frames.js';
import { stopTimetable, serviceDayOf } from '../../fleet/engines/displays/extract.js';
import { localInstant, parseUntil } from '../../fleet/engines/displays/until.js';
import { reaches, type MessageTarget } from '../../fleet/engines/displays/messages.js';
import { decodeContent, encodeFrameImage, frameImageHash } from '../../protocols/index.js';
import { LAT, T0, lineFeed, lonOf } from '../fixtures/eta-line.js';

const TZ = 'Europe/Ljubljana';
const s = (iso: string) => Date.parse(iso) / 1000;

test('an extract: three service days of the stop, lines and destinations once each, valid content', () => {
  const { feed } = lineFeed();
  const { body, firstDay, trimmed } = stopTimetable(feed, 'S3', T0);
  assert.is(firstDay, '2026-11-30');
  assert.is(trimmed, null);
  assert.ok(decodeContent('stop-timetable', body).ok, JSON.stringify(decodeContent('stop-timetable', body)));
  assert.equal([body.stopId, body.stop, body.timeZone, body.generatedAt], ['S3', 'Stop 3', TZ, '2026-11-30T08:00:00+01:00']);
  assert.equal(body.lines, [{ name: 'rumena', colour: '#FFD700' }]);
  assert.equal(body.destinations, ['Stop 5', 'Stop 1']);
  assert.equal(
    body.days.map((d) => d.date),
    ['2026-11-30', '2026-12-01', '2026-12-02'],
  );
  assert.equal(body.days[1]!.departures, [
    [s('2026-12-01T08:04:00+01:00'), 0, 0],
    [s('2026-12-01T08:19:00+01:00'), 0, 1],
    [s('2026-12-01T08:34:00+01:00'), 0, 0],
  ]);
  assert.ok(body.days.every((d) => d.served && d.departures.length === 3));
  // The last stop of every trip: nobody boards there.
  assert.equal(stopTimetable(feed, 'S5', T0).body.days[0]!.departures.map(([, , dest]) => stopTimetable(feed, 'S5', T0).body.destinations[dest]), ['Stop 1']);
  assert.throws(() => stopTimetable(feed, 'NOPE', T0), /no stop NOPE/);
});

test('a day without service is served: false, with no departures', () => {
  const { feed } = lineFeed({
    'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nW,1,1,1,1,1,0,0,20260101,20271231\n',
  });
  const friday = Date.parse('2026-12-04T12:00:00+01:00');
  const { body } = stopTimetable(feed, 'S3', friday);
  assert.equal(
    body.days.map((d) => [d.date, d.served, d.departures.length]),
    [
      ['2026-12-04', true, 3],
      ['2026-12-05', false, 0],
      ['2026-12-06', false, 0],
    ],
  );
});

test('DST: the days are cut at each service day’s start, and times carry the day’s own offset', () => {
  const { feed } = lineFeed();
  // Sunday 2027-03-28 the clocks go forward at 02:00: that service day starts at 23:00 on the 27th and lasts 23 h.
  const { body } = stopTimetable(feed, 'S3', Date.parse('2027-03-27T12:00:00+01:00'));
  assert.equal(body.days.map((d) => d.date), ['2027-03-27', '2027-03-28', '2027-03-29']);
  assert.equal(
    body.days.map((d) => d.departures[0]![0]),
    [s('2027-03-27T08:04:00+01:00'), s('2027-03-28T08:04:00+02:00'), s('2027-03-29T08:04:00+02:00')],
  );
  // Autumn: 08:04 on 2027-10-31 is +01:00 again.
  const autumn = stopTimetable(feed, 'S3', Date.parse('2027-10-30T12:00:00+02:00')).body;
  assert.equal(autumn.days[1]!.departures[0]![0], s('2027-10-31T08:04:00+01:00'));
  // That service day began at 23:00 the evening before: 00:30 is in it already.
  assert.is(serviceDayOf(Date.parse('2027-03-28T00:30:00+01:00'), TZ), '2027-03-28');
  assert.is(serviceDayOf(Date.parse('2027-03-27T22:59:00+01:00'), TZ), '2027-03-27');
});

test("a trip past midnight (24:34:00) is on the next day's list, where its passengers look for it", () => {
  const late = lineFeed({
    'trips.txt': 'route_id,service_id,trip_id,trip_headsign,direction_id,block_id\nR,W,T1,Stop 5,0,B1\nR,W,T4,Stop 5,0,B3\n',
    'stop_times.txt':
      'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' +
      [1, 2, 3, 4, 5].map((i) => `T1,08:0${(i - 1) * 2}:00,08:0${(i - 1) * 2}:00,S${i},${i}`).join('\n') +
      '\n' +
      [1, 2, 3, 4, 5].map((i) => `T4,24:${30 + (i - 1) * 2}:00,24:${30 + (i - 1) * 2}:00,S${i},${i}`).join('\n') +
      '\n',
  }).feed;
  const { body } = stopTimetable(late, 'S3', T0);
  // Monday's list starts with Sunday's service's 24:34, at 00:34 on Monday.
  assert.equal(body.days[0]!.departures.map(([t]) => t), [s('2026-11-30T00:34:00+01:00'), s('2026-11-30T08:04:00+01:00')]);
  assert.equal(body.days[1]!.departures.map(([t]) => t), [s('2026-12-01T00:34:00+01:00'), s('2026-12-01T08:04:00+01:00')]);
});

test("a station's extract has its platforms' departures", () => {
  const stops =
    'stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n' +
    `P,Center,${LAT},${lonOf(1000)},1,\n` +
    [1, 2, 3, 4, 5].map((i) => `S${i},Stop ${i},${LAT},${lonOf((i - 1) * 500).toFixed(7)},0,${i === 3 || i === 4 ? 'P' : ''}`).join('\n') +
    '\n';
  const { feed } = lineFeed({ 'stops.txt': stops });
  const { body } = stopTimetable(feed, 'P', T0);
  assert.is(body.stop, 'Center');
  assert.equal(
    body.days[0]!.departures.map(([t]) => new Date(t * 1000).toISOString().slice(11, 16)),
    // S3 at 08:04, S4 at 08:06 (T1); S4 at 08:17, S3 at 08:19 (T2); S3 08:34, S4 08:36 (T3); in UTC
    ['07:04', '07:06', '07:17', '07:19', '07:34', '07:36'],
  );
});

test('an extract over its byte budget drops days from the end, then departures, and says so', () => {
  const { feed } = lineFeed();
  const full = stopTimetable(feed, 'S3', T0).body;
  const size = (b: unknown) => Buffer.byteLength(JSON.stringify(b));
  const two = stopTimetable(feed, 'S3', T0, { budgetBytes: size(full) - 1 });
  assert.equal(two.body.days.map((d) => d.date), ['2026-11-30', '2026-12-01']);
  assert.match(two.trimmed!, /2026-12-02/);
  const tiny = stopTimetable(feed, 'S3', T0, { budgetBytes: 300 });
  assert.is(tiny.body.days.length, 1);
  assert.ok(size(tiny.body) <= 300, `${size(tiny.body)} bytes`);
  assert.ok(tiny.body.days[0]!.served, 'still served, even with departures left out');
  assert.ok(decodeContent('stop-timetable', tiny.body).ok);
  const week = stopTimetable(feed, 'S3', T0, { days: 14 });
  assert.is(week.body.days.length, 14);
  assert.ok(decodeContent('stop-timetable', week.body).ok);
});

test('--until: wall-clock forms in the fleet’s zone, instants, durations; past, DST gaps and dates refused', () => {
  const now = T0; // 08:00 on Monday 2026-11-30, CET
  const at = (text: string) => {
    const r = parseUntil(text, now, TZ);
    return r.ok ? r.at : r.reason;
  };
  assert.is(at('18:00'), Date.parse('2026-11-30T18:00:00+01:00'));
  assert.is(at('today 9:15'), Date.parse('2026-11-30T09:15:00+01:00'));
  assert.is(at('tomorrow 06:30'), Date.parse('2026-12-01T06:30:00+01:00'));
  assert.is(at('2026-11-30T18:00'), Date.parse('2026-11-30T18:00:00+01:00'));
  assert.is(at('2026-11-30 18:00:30'), Date.parse('2026-11-30T18:00:30+01:00'));
  assert.is(at('2026-11-30T18:00:00+02:00'), Date.parse('2026-11-30T16:00:00Z'));
  assert.is(at('2026-11-30T17:00Z'), Date.parse('2026-11-30T17:00:00Z'));
  assert.is(at('+90m'), now + 90 * 60_000);
  assert.is(at('2h'), now + 2 * 3_600_000);
  assert.is(at('1h30m'), now + 90 * 60_000);
  assert.is(at('3d'), now + 3 * 86_400_000);
  assert.match(String(at('07:00')), /07:00 \(2026-11-30\) has passed: it is 2026-11-30 08:00 now in Europe\/Ljubljana/);
  assert.match(String(at('2026-11-29T18:00')), /has passed/);
  assert.match(String(at('2026-12-24')), /is a date: add the time/);
  assert.match(String(at('25:00')), /not a time of day/);
  assert.match(String(at('2026-02-30T10:00')), /not a real date/);
  assert.match(String(at('soon')), /cannot read "soon"/);
  assert.match(String(at('400d')), /more than a year ahead/);
  assert.match(String(at('0m')), /has passed/);
  // 02:30 does not exist on 2027-03-28 here; on 2027-10-31 it happens twice: the first.
  assert.match(String(at('2027-03-28T02:30')), /does not exist in Europe\/Ljubljana/);
  assert.is(localInstant('2027-10-31', 2.5 * 3600, TZ), Date.parse('2027-10-31T02:30:00+02:00'));
  assert.is(localInstant('2026-11-30', 18 * 3600, 'America/New_York'), Date.parse('2026-11-30T18:00:00-05:00'));
});

test("a frame's picture: kept when it checks out; bad base64, a wrong size, a deflate bomb and a wrong hash refused with the reason", () => {
  const [w, h] = [20, 3];
  const bits = new Uint8Array(9);
  bits[0] = 0b1010_0000; // (0,0) and (2,0) black
  bits[7] = 0b0000_1000; // three bytes a row: byte 7 is row 2, x 8–15; (12,2) black
  const image = encodeFrameImage(bits, w, h);
  assert.equal([...readFrameImage(image, frameImageHash(bits))], [...bits]);
  assert.throws(() => readFrameImage({ ...image, data: image.data.slice(0, -1) + '!' }), /not base64/);
  assert.throws(() => readFrameImage({ ...image, data: 'QUJD' }), /not deflate data/);
  assert.throws(() => readFrameImage({ ...image, height: 4 }), /has 9 bytes; a 20×4 picture has 12/);
  const bomb = Buffer.from(deflateSync(new Uint8Array(20_000_000))).toString('base64');
  const t = performance.now();
  assert.throws(() => readFrameImage({ ...image, data: bomb }), /inflates past the 9 bytes/);
  assert.ok(performance.now() - t < 100, 'a bomb is stopped at once, not inflated');
  assert.throws(() => readFrameImage(image, 'f'.repeat(64)), /does not match the frame’s hash/);
  assert.throws(() => readFrameImage({ ...image, width: 4096, height: 4096 }), /larger than the 4194304 pixels kept/);

  const png = PNG.sync.read(frameImagePng(bits, w, h));
  assert.equal([png.width, png.height], [w, h]);
  const black = (x: number, y: number) => png.data[(y * w + x) * 4] === 0;
  assert.ok(black(0, 0) && !black(1, 0) && black(2, 0) && black(12, 2) && !black(13, 2));
  assert.is(png.data.filter((v, i) => i % 4 === 0 && v === 0).length, 3, 'three black pixels, the rest white paper');
});

test('a message reaches its stop’s displays, its station’s and its platforms’, its site’s, or all', () => {
  const platform = { site: 'velenje', stopId: 'LV12a', related: ['LV12'] };
  const station = { site: 'velenje', stopId: 'LV12', related: ['LV12a', 'LV12b'] };
  const elsewhere = { site: 'celje', stopId: 'C1', related: [] };
  const unlabelled = { site: 'velenje', stopId: null, related: [] };
  const who = (target: MessageTarget) => Object.entries({ platform, station, elsewhere, unlabelled }).filter(([, d]) => reaches(target, d)).map(([k]) => k);
  assert.equal(who({ stop: 'LV12a' }), ['platform', 'station']);
  assert.equal(who({ stop: 'LV12' }), ['platform', 'station']);
  assert.equal(who({ stop: 'LV12b' }), ['station']);
  assert.equal(who({ stop: 'C1' }), ['elsewhere']);
  assert.equal(who({ site: 'velenje' }), ['platform', 'station', 'unlabelled']);
  assert.equal(who({ all: true }), ['platform', 'station', 'elsewhere', 'unlabelled']);
});

test.run();
