/**
 * A feed from the files of a folder (`parseGtfsFiles`, the same model and problems as from its
 * zip) and feed_info.txt: the publisher, version and dates read into `feed.info`, a bad row of it
 * reported by line and skipped, the feed loading without it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strToU8, zipSync } from 'fflate';
import { GtfsRefused, feedSummary, parseGtfsFiles, parseGtfsZip, type GtfsLoad } from '../../protocols/index.js';

type Files = Record<string, string[]>;

const bytes = (lines: string[]) => strToU8(lines.join('\n') + '\n');
const zip = (files: Files): Uint8Array => zipSync(Object.fromEntries(Object.entries(files).map(([name, lines]) => [name, bytes(lines)])));
const folder = (files: Files): Map<string, Uint8Array> => new Map(Object.entries(files).map(([name, lines]) => [name, bytes(lines)]));

const INFO_HEAD = 'feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email,feed_contact_url';

const FEED: Files = {
  'agency.txt': ['agency_id,agency_name,agency_url,agency_timezone', "lokalc,Lokal'c,https://www.velenje.si,Europe/Ljubljana"],
  'stops.txt': ['stop_id,stop_name,stop_lat,stop_lon', 'a,Avtobusna postaja,46.3592,15.1117', 'c,Center,46.36,15.113'],
  'routes.txt': ['route_id,agency_id,route_short_name,route_type', 'rumena,lokalc,1,3'],
  'trips.txt': ['route_id,service_id,trip_id', 'rumena,vsak,t1', 'modra,vsak,t2'],
  'stop_times.txt': ['trip_id,arrival_time,departure_time,stop_id,stop_sequence', 't1,08:00:00,08:00:00,a,1', 't1,08:05:00,08:05:00,c,2', 't1,08:06:00,08:06:00,x,3'],
  'calendar.txt': ['service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date', 'vsak,1,1,1,1,1,1,1,20260101,20261231'],
  'feed_info.txt': [INFO_HEAD, 'Mestna občina Velenje,https://www.velenje.si,sl,20260101,20261231,2026-03,promet@velenje.si,https://www.velenje.si/promet'],
};

const comparable = (load: GtfsLoad) => ({ summary: feedSummary(load.feed), problems: load.problems, counts: load.counts });

test('feed_info.txt: publisher, language, dates (as YYYY-MM-DD), version and contacts in feed.info and the summary', () => {
  const { feed } = parseGtfsZip(zip(FEED));
  assert.equal(JSON.parse(JSON.stringify(feed.info)), {
    publisherName: 'Mestna občina Velenje',
    publisherUrl: 'https://www.velenje.si',
    lang: 'sl',
    startDate: '2026-01-01',
    endDate: '2026-12-31',
    version: '2026-03',
    contactEmail: 'promet@velenje.si',
    contactUrl: 'https://www.velenje.si/promet',
  });
  assert.is(feedSummary(feed).info, feed.info);
  const { 'feed_info.txt': _info, ...rest } = FEED;
  const without = parseGtfsZip(zip(rest));
  assert.is(without.feed.info, undefined);
  assert.is(feedSummary(without.feed).info, null);
});

test('feed_info.txt with a bad row, a second row or a missing column: reported by line, the feed loads without it', () => {
  const only = (load: GtfsLoad) => load.problems.filter((p) => p.file === 'feed_info.txt').map((p) => [p.row, p.field ?? null, p.severity, p.message]);

  const backwards = parseGtfsZip(zip({ ...FEED, 'feed_info.txt': [INFO_HEAD, 'MOV,https://www.velenje.si,sl,20261231,20260101,,,'] }));
  assert.equal(only(backwards), [[2, 'feed_end_date', 'error', 'feed_end_date "20260101": before feed_start_date; row skipped']]);
  assert.is(backwards.feed.info, undefined);

  const twice = parseGtfsZip(zip({ ...FEED, 'feed_info.txt': [...FEED['feed_info.txt']!, 'Drugi,https://example.com,en,,,,,'] }));
  assert.equal(only(twice), [[3, null, 'error', 'a second row: the file has one (line 2 is read); row skipped']]);
  assert.is(twice.feed.info!.publisherName, 'Mestna občina Velenje');

  const noLang = parseGtfsZip(zip({ ...FEED, 'feed_info.txt': ['feed_publisher_name,feed_publisher_url', 'MOV,https://www.velenje.si'] }));
  assert.equal(only(noLang), [[1, 'feed_lang', 'error', 'required column missing: feed_lang']]);
  assert.is(noLang.feed.info, undefined);
  assert.is(noLang.feed.trips.size, 1, 'the feed itself loads');

  const badDate = parseGtfsZip(zip({ ...FEED, 'feed_info.txt': [INFO_HEAD, 'MOV,https://www.velenje.si,sl,2026-01-01,,,,'] }));
  assert.equal(only(badDate), [[2, 'feed_start_date', 'error', 'feed_start_date "2026-01-01": not a date YYYYMMDD; row skipped']]);
});

test('parseGtfsFiles: the files of a folder give the same feed, problems and counts as their zip', () => {
  const fromZip = parseGtfsZip(zip(FEED));
  const fromFolder = parseGtfsFiles(folder(FEED));
  assert.equal(comparable(fromFolder), comparable(fromZip));
  // The referential errors, by file and line, as from the zip.
  assert.equal(
    fromFolder.problems.map((p) => `${p.file}:${p.row} ${p.message}`),
    ['trips.txt:3 route_id modra is not in routes.txt; row skipped', 'stop_times.txt:4 stop_id x is not in stops.txt; row skipped'],
  );
});

test('parseGtfsFiles: other names are ignored, a GTFS file in a subfolder is named and not read', () => {
  const files = folder(FEED);
  files.set('README.txt', strToU8('not GTFS'));
  files.set('fare_attributes.txt', strToU8('fare_id,price\n'));
  files.set('old/calendar_dates.txt', strToU8('service_id,date,exception_type\nvsak,20260101,2\n'));
  const load = parseGtfsFiles(files);
  assert.equal(load.problems.filter((p) => p.file === 'calendar_dates.txt'), [
    { file: 'calendar_dates.txt', row: null, message: 'found as "old/calendar_dates.txt", in a folder: GTFS files must be at the feed\'s root (not read)', severity: 'warning' },
  ]);
  assert.is(load.feed.calendarDates.size, 0);
});

test('parseGtfsFiles refuses what parseGtfsZip refuses, each reason on its own; and holds the size limits', () => {
  const { 'stops.txt': _stops, 'calendar.txt': _calendar, ...rest } = FEED;
  for (const parse of [() => parseGtfsFiles(folder(rest)), () => parseGtfsZip(zip(rest))]) {
    try {
      parse();
      assert.unreachable('refused');
    } catch (err) {
      assert.instance(err, GtfsRefused);
      const refused = err as GtfsRefused;
      assert.equal(refused.reasons, ['stops.txt is missing (required)', 'calendar.txt is missing, and so is calendar_dates.txt (one is required)']);
      assert.is(refused.message, `GTFS feed refused: ${refused.reasons.join('; ')}`);
      assert.ok(refused.problems.some((p) => p.file === 'stops.txt' && p.severity === 'error'));
    }
  }
  const big = { ...FEED, 'shapes.txt': ['shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence', ...Array.from({ length: 20 }, (_, i) => `s,46.3,15.1,${i}`)] };
  assert.throws(() => parseGtfsFiles(folder(big), { limits: { fileBytes: 300 } }), /^shapes\.txt is 0\.0 MiB, over the limit of 0\.0 MiB for one file$/);
  assert.throws(() => parseGtfsFiles(folder(FEED), { limits: { totalBytes: 300 } }), /over 0\.0 MiB together, the limit/);
  const notZip = (() => {
    try {
      parseGtfsZip(strToU8('hello'));
    } catch (err) {
      return err as GtfsRefused;
    }
  })();
  assert.equal(notZip!.reasons, [notZip!.message], 'a refusal with one reason lists it');
});

test.run();
