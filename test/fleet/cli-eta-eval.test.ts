/**
 * `tabla eta eval` on a real trace (WMATA Metrobus route D96, 2026-02-16, with its GTFS: see
 * test/data/avl/wmata-2026-02-16/SOURCE.md): the JSON summary on the last line, the predictions
 * written for independent scoring, and the engine ahead of both baselines on the yardstick.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'csv-parse/sync';
import { tabla, tmpDir } from '../helpers.js';

const DATA = path.resolve('test/data/avl/wmata-2026-02-16');

test('eta eval --json --predictions-out: a score above 0.85 and above the schedule and delay baselines, every prediction written', async () => {
  const out = path.join(tmpDir(), 'predictions.csv');
  const r = await tabla(['eta', 'eval', '--gtfs', path.join(DATA, 'gtfs.zip'), '--avl', path.join(DATA, 'd96.csv'), '--json', '--predictions-out', out]);
  assert.is(r.code, 0, r.stderr);
  const last = r.stdout.trim().split('\n').at(-1)!;
  const s = JSON.parse(last) as {
    score: number;
    buckets: { bucket: string; samples: number; fraction: number }[];
    mae: Record<string, number>;
    baselines: { schedule: number; delay: number };
    samples: number;
  };
  assert.equal(s.buckets.map((b) => b.bucket), ['0-3', '3-6', '6-10', '10-15']);
  assert.ok(s.buckets.every((b) => b.samples > 1000), 'every bucket well filled');
  assert.ok(s.score >= 0.85, `score ${s.score}`);
  assert.ok(s.score > s.baselines.delay && s.baselines.delay > s.baselines.schedule, JSON.stringify(s.baselines));
  assert.ok(s.mae['0-3']! > 0 && s.mae['0-3']! < s.mae['10-15']!);

  const rows = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(Object.keys(rows[0]!), ['sample_time', 'vehicle_id', 'trip_id', 'stop_id', 'stop_sequence', 'predicted_time']);
  assert.ok(rows.length >= s.samples, `${rows.length} predictions written, ${s.samples} scored`);
  assert.ok(rows.every((x) => !Number.isNaN(Date.parse(x.sample_time!)) && !Number.isNaN(Date.parse(x.predicted_time!)) && /^\d+$/.test(x.stop_sequence!)));
});

test('eta eval: a trace file that is not there, or holds no usable row, is refused with its name', async () => {
  const missing = await tabla(['eta', 'eval', '--gtfs', path.join(DATA, 'gtfs.zip'), '--avl', '/nonexistent/trace.csv']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /\/nonexistent\/trace\.csv/);
  const empty = path.join(tmpDir(), 'empty.csv');
  fs.writeFileSync(empty, 'vehicle_id,timestamp,lat,lon\n1,yesterday,91,0\n');
  const bad = await tabla(['eta', 'eval', '--gtfs', path.join(DATA, 'gtfs.zip'), '--avl', empty]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /empty\.csv: 1 rows skipped, the first: line 2/);
  assert.match(bad.stderr, /no usable rows/);
});

test.run();
