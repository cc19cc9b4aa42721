/**
 * AVL traces for the accuracy harness: the CSV reader (columns by name, timestamps with an offset
 * or in epoch seconds, ranges checked, a bad row skipped with its line and field named, rows
 * sorted by time and stable), and the real traces under test/data/avl, each of which must read
 * without a single problem and belong to the GTFS beside it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { parseAvlCsv, parseTimestamp } from '../../fleet/engines/eta/avl.js';
import { parseGtfsZip } from '../../protocols/gtfs/index.js';

const HEADER = 'vehicle_id,timestamp,lat,lon,bearing,trip_id,block_id';
const csv = (...lines: string[]) => [HEADER, ...lines].join('\n') + '\n';
const T = Date.parse('2026-02-16T15:58:07Z');

test('a row of every column, the timestamp with its offset', () => {
  const { rows, problems } = parseAvlCsv(csv('7223,2026-02-16T10:58:07-05:00,38.93912887573242,-77.02481842041016,352,28463100,M001'));
  assert.equal(problems, []);
  assert.equal(rows, [{ vehicleId: '7223', time: T, lat: 38.93912887573242, lon: -77.02481842041016, bearing: 352, tripId: '28463100', blockId: 'M001' }]);
});

test('columns are found by name, in any order; others are ignored; optional ones may be absent', () => {
  const { rows, problems } = parseAvlCsv('speed,lon,timestamp,vehicle_id,lat\n12.5,-77.1,1771257487,bus-9,38.9\n');
  assert.equal(problems, []);
  assert.equal(rows, [{ vehicleId: 'bus-9', time: T, lat: 38.9, lon: -77.1 }]);
  assert.not.ok('bearing' in rows[0]! || 'tripId' in rows[0]! || 'blockId' in rows[0]!, 'an absent value is no property, not undefined');
});

test('empty optional cells give no property', () => {
  const { rows, problems } = parseAvlCsv(csv('5505,2026-02-16T10:58:09-05:00,38.99,-77.03,,,'));
  assert.equal(problems, []);
  assert.equal(rows, [{ vehicleId: '5505', time: T + 2000, lat: 38.99, lon: -77.03 }]);
});

test('one instant, however it is written: offset, Z, another offset, epoch seconds (decimals too)', () => {
  for (const stamp of ['2026-02-16T10:58:07-05:00', '2026-02-16T15:58:07Z', '2026-02-16t15:58:07z', '2026-02-16T16:58:07+01:00', '2026-02-16T21:28:07+0530', '2026-02-16 15:58:07+00', '1771257487', '2026-02-16T15:58:07.000Z']) {
    assert.is(parseTimestamp(stamp), T, stamp);
  }
  assert.is(parseTimestamp('1771257487.25'), T + 250);
  assert.is(parseTimestamp('2026-02-16T15:58:07.25Z'), T + 250);
  assert.is(parseTimestamp('2026-02-16T15:58Z'), T - 7000, 'seconds may be left out');
});

test('a timestamp without an offset is refused, naming its line: its zone cannot be known', () => {
  const { rows, problems } = parseAvlCsv(csv('a,2026-02-16T10:58:07-05:00,38.9,-77.0,,,', 'b,2026-02-16T10:58:07,38.9,-77.0,,,', 'c,2026-02-16 10:58:07,38.9,-77.0,,,'));
  assert.equal(rows.map((r) => r.vehicleId), ['a']);
  assert.equal(problems.map((p) => p.line), [3, 4]);
  assert.match(problems[0]!.message, /^timestamp "2026-02-16T10:58:07": has no UTC offset .*; row skipped$/);
});

test('timestamps that are not times: each row skipped with the reason', () => {
  const bad = ['yesterday', '2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-02-16T24:00:00Z', '2026-02-16T10:60:00Z', '2026-02-16T10:00:00+25:00', '1771257487000', '-5', '16/02/2026 10:58', ''];
  const { rows, problems } = parseAvlCsv(csv(...bad.map((s, i) => `v${i},${s},38.9,-77.0,,,`)));
  assert.equal(rows, []);
  assert.equal(problems.map((p) => p.line), bad.map((_, i) => i + 2));
  for (const p of problems) assert.match(p.message, /^timestamp /);
  assert.match(problems[1]!.message, /no such date/);
  assert.match(problems[6]!.message, /milliseconds\?/);
  assert.match(problems[9]!.message, /^timestamp is empty; row skipped$/);
});

test('lat and lon: numbers in range, bounds included', () => {
  const { rows, problems } = parseAvlCsv(
    csv(
      'ok1,1771257487,90,180,,,',
      'ok2,1771257487,-90,-180,,,',
      'lat,1771257487,90.000001,0,,,',
      'lon,1771257487,0,-180.5,,,',
      'nan,1771257487,NaN,0,,,',
      'text,1771257487,38.9N,-77,,,',
      'empty,1771257487,38.9,,,,',
      'hex,1771257487,0x10,0,,,',
    ),
  );
  assert.equal(rows.map((r) => [r.vehicleId, r.lat, r.lon]), [['ok1', 90, 180], ['ok2', -90, -180]]);
  assert.equal(
    problems.map((p) => [p.line, p.message]),
    [
      [4, 'lat 90.000001 is out of range (−90 to 90); row skipped'],
      [5, 'lon -180.5 is out of range (−180 to 180); row skipped'],
      [6, 'lat "NaN" is not a number; row skipped'],
      [7, 'lat "38.9N" is not a number; row skipped'],
      [8, 'lon is empty; row skipped'],
      [9, 'lat "0x10" is not a number; row skipped'],
    ],
  );
});

test('bearing: optional, 0 to 360 (360 read as 0)', () => {
  const { rows, problems } = parseAvlCsv(csv('a,1771257487,1,1,0,,', 'b,1771257487,1,1,359.5,,', 'c,1771257487,1,1,360,,', 'd,1771257487,1,1,-1,,', 'e,1771257487,1,1,361,,', 'f,1771257487,1,1,north,,'));
  assert.equal(rows.map((r) => [r.vehicleId, r.bearing]), [['a', 0], ['b', 359.5], ['c', 0]]);
  assert.equal(problems.map((p) => [p.line, p.message.split(' ')[0]]), [[5, 'bearing'], [6, 'bearing'], [7, 'bearing']]);
});

test('vehicle_id is required in every row', () => {
  const { rows, problems } = parseAvlCsv(csv(',1771257487,1,1,,,', '  ,1771257487,1,1,,,'));
  assert.equal(rows, []);
  assert.equal(problems, [{ line: 2, message: 'vehicle_id is empty; row skipped' }, { line: 3, message: 'vehicle_id is empty; row skipped' }]);
});

test('rows come out sorted by time; rows at the same time keep the file’s order', () => {
  const { rows } = parseAvlCsv(csv('a,1771257490,1,1,,,', 'b,1771257487,1,1,,,', 'c,2026-02-16T15:58:10Z,1,1,,,', 'd,1771257487,1,1,,,', 'e,1771257480,1,1,,,'));
  assert.equal(rows.map((r) => r.vehicleId), ['e', 'b', 'd', 'a', 'c']);
});

test('a missing required column reads no row, and says which', () => {
  const r = parseAvlCsv('vehicle_id,timestamp,latitude,lon\n1,1771257487,38.9,-77\n');
  assert.equal(r.rows, []);
  assert.equal(r.problems, [{ line: 1, message: 'required column missing: lat; no row is read' }]);
  const r2 = parseAvlCsv('id,time\n1,2\n');
  assert.equal(r2.problems, [{ line: 1, message: 'required columns missing: vehicle_id, timestamp, lat, lon; no row is read' }]);
});

test('a header named twice: the first column is read', () => {
  const { rows, problems } = parseAvlCsv('vehicle_id,timestamp,lat,lon,lat\n1,1771257487,38.9,-77,0\n');
  assert.equal(rows.map((r) => r.lat), [38.9]);
  assert.equal(problems, [{ line: 1, message: 'column lat appears twice; the first is read' }]);
});

test('empty text, and a header alone', () => {
  assert.equal(parseAvlCsv(''), { rows: [], problems: [{ line: 1, message: 'empty: no header line' }] });
  assert.equal(parseAvlCsv(`${HEADER}\n`), { rows: [], problems: [] });
});

test('a BOM, CRLF line ends, spaces around values and blank lines are all right', () => {
  const { rows, problems } = parseAvlCsv(`\uFEFF vehicle_id , timestamp ,lat,lon\r\n\r\n 7 , 1771257487 , 38.9 , -77.0 \r\n`);
  assert.equal(problems, []);
  assert.equal(rows, [{ vehicleId: '7', time: T, lat: 38.9, lon: -77 }]);
});

test('a row with too many or too few cells is skipped with its line; the rows around it are read', () => {
  const { rows, problems } = parseAvlCsv(csv('a,1771257487,1,1,,,', 'b,1771257487,1,1', 'c,1771257487,1,1,,,,extra', 'd,1771257487,1,1,,,'));
  assert.equal(rows.map((r) => r.vehicleId), ['a', 'd']);
  assert.equal(problems.map((p) => p.line), [3, 4]);
  for (const p of problems) assert.match(p.message, /^not CSV: .*; row skipped$/);
});

test('a quoted value over two lines: the lines after it are still named right', () => {
  const { rows, problems } = parseAvlCsv(csv('"bus\n7",1771257487,1,1,,,', 'x,1771257487,95,1,,,'));
  assert.equal(rows.map((r) => r.vehicleId), ['bus\n7']);
  assert.equal(problems.map((p) => p.line), [4]);
});

test('a quote never closed: the rows before it stand, the problem is reported', () => {
  const { rows, problems } = parseAvlCsv(csv('a,1771257487,1,1,,,', '"b,1771257487,1,1,,,', 'c,1771257487,1,1,,,'));
  assert.equal(rows.map((r) => r.vehicleId), ['a']);
  assert.is(problems.length, 1);
  assert.match(problems[0]!.message, /^not CSV: /);
});

test('a flood of bad rows is listed up to a bound, then counted', () => {
  const { rows, problems } = parseAvlCsv(csv(...Array.from({ length: 1500 }, (_, i) => `v${i},nope,1,1,,,`)));
  assert.equal(rows, []);
  assert.is(problems.length, 1001);
  assert.equal(problems.at(-1), { line: 0, message: '500 more problems not listed' });
});

// --- the real traces --------------------------------------------------------------------------

const DATA = path.resolve(import.meta.dirname, '../data/avl');
const datasets = fs.existsSync(DATA) ? fs.readdirSync(DATA).filter((d) => fs.statSync(path.join(DATA, d)).isDirectory()) : [];

test('test/data/avl holds at least one dataset, each with its GTFS, its source and its licence', () => {
  assert.ok(datasets.length >= 1);
  for (const d of datasets) {
    const files = fs.readdirSync(path.join(DATA, d));
    assert.ok(files.includes('gtfs.zip'), `${d}: gtfs.zip`);
    assert.ok(files.includes('SOURCE.md'), `${d}: SOURCE.md`);
    assert.ok(files.some((f) => /^(LICEN[CS]E|COPYING)/i.test(f)), `${d}: a licence file`);
    assert.ok(files.filter((f) => f.endsWith('.csv')).length >= 1, `${d}: AVL CSVs`);
  }
});

for (const d of datasets) {
  test(`${d}: every trace reads with no problem, sorted, and every trip_id is a trip of its GTFS`, () => {
    const dir = path.join(DATA, d);
    const gtfs = parseGtfsZip(fs.readFileSync(path.join(dir, 'gtfs.zip')));
    assert.is(gtfs.counts.error, 0, `${d}/gtfs.zip: ${JSON.stringify(gtfs.problems.slice(0, 3))}`);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
      const { rows, problems } = parseAvlCsv(fs.readFileSync(path.join(dir, file), 'utf8'));
      assert.equal(problems, [], `${d}/${file}`);
      assert.ok(rows.length > 100, `${d}/${file}: ${rows.length} rows`);
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.time <= rows[i]!.time, `${d}/${file}: sorted at row ${i}`);
      const unknown = new Set(rows.filter((r) => r.tripId !== undefined && !gtfs.feed.trips.has(r.tripId)).map((r) => r.tripId));
      assert.equal([...unknown], [], `${d}/${file}: trip_ids not in gtfs.zip`);
    }
  });
}

test.run();
