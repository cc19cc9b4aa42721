/**
 * The accuracy harness's yardstick (Transit's ETA Accuracy Benchmark): a prediction's bucket by
 * its lead, start inclusive and end exclusive; accurate when actual − predicted lies in the
 * bucket's window, bounds inclusive; the score the mean of the filled buckets' fractions; MAE by
 * bucket.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUCKETS, bucketFor, scorePredictions, type PredictionSample } from '../../fleet/engines/eta/score.js';

const T0 = Date.parse('2026-02-16T15:00:00Z');
const S = 1000;
const MIN = 60 * S;

/** A prediction made at T0 for a bus that arrived `leadMs` later, off by `errorMs` (actual − predicted). */
const sample = (leadMs: number, errorMs: number): PredictionSample => ({ madeAt: T0, actual: T0 + leadMs, predicted: T0 + leadMs - errorMs });

test('BUCKETS: the four buckets of the yardstick, with their windows', () => {
  assert.equal(
    BUCKETS.map((b) => [b.bucket, b.leadFromS, b.leadToS, b.errorMinS, b.errorMaxS]),
    [
      ['0-3', 0, 180, -30, 90],
      ['3-6', 180, 360, -60, 150],
      ['6-10', 360, 600, -60, 210],
      ['10-15', 600, 900, -90, 270],
    ],
  );
  assert.ok(Object.isFrozen(BUCKETS));
});

test('a lead falls in a bucket from its start (inclusive) to its end (exclusive)', () => {
  const cases: [number, string | null][] = [
    [-1, null],
    [0, '0-3'],
    [3 * MIN - 1, '0-3'],
    [3 * MIN, '3-6'],
    [6 * MIN - 1, '3-6'],
    [6 * MIN, '6-10'],
    [10 * MIN - 1, '6-10'],
    [10 * MIN, '10-15'],
    [15 * MIN - 1, '10-15'],
    [15 * MIN, null],
  ];
  for (const [lead, bucket] of cases) assert.is(bucketFor(lead)?.bucket ?? null, bucket, `lead ${lead} ms`);
  const r = scorePredictions(cases.map(([lead]) => sample(lead, 0)));
  assert.equal(r.buckets.map((b) => [b.bucket, b.samples]), [['0-3', 2], ['3-6', 2], ['6-10', 2], ['10-15', 2]]);
  assert.is(r.samples, 8);
  assert.equal(r.unscored, { negativeLead: 1, beyond15Min: 1, invalid: 0 });
});

test('the accuracy window holds its bounds (inclusive) and not a millisecond past them', () => {
  for (const b of BUCKETS) {
    const lead = b.leadFromS * S + 30 * S;
    const r = scorePredictions([
      sample(lead, b.errorMinS * S), // as early as allowed
      sample(lead, b.errorMaxS * S), // as late as allowed
      sample(lead, 0),
      sample(lead, b.errorMinS * S - 1), // a bus 1 ms earlier than the window allows
      sample(lead, b.errorMaxS * S + 1), // 1 ms later
    ]);
    const got = r.buckets.find((x) => x.bucket === b.bucket)!;
    assert.equal([got.samples, got.accurate], [5, 3], b.bucket);
    assert.is(got.fraction, 3 / 5, b.bucket);
  }
});

test('bias: the mean of actual − predicted, so a model that shows buses too early or too late says so', () => {
  const r = scorePredictions([sample(2 * MIN, 90 * S), sample(2 * MIN, 30 * S), sample(4 * MIN, -60 * S)]);
  assert.is(r.buckets[0]!.biasS, 60);
  assert.is(r.buckets[1]!.biasS, -60);
  assert.is(r.buckets[2]!.biasS, null);
});

test('the window leans late: +90 s is accurate at 2 minutes out, −90 s is not', () => {
  const r = scorePredictions([sample(2 * MIN, 90 * S), sample(2 * MIN, -90 * S)]);
  assert.equal(r.buckets[0], { bucket: '0-3', samples: 2, accurate: 1, fraction: 0.5, maeS: 90, biasS: 0 });
});

test('MAE by bucket: the mean absolute error in seconds, null for a bucket without samples', () => {
  const r = scorePredictions([
    sample(1 * MIN, 60 * S),
    sample(2 * MIN, -30 * S),
    sample(4 * MIN, 100 * S),
    sample(12 * MIN, -500 * S),
    sample(13 * MIN, 700 * S),
    sample(14 * MIN, 3 * S),
  ]);
  assert.equal(r.mae, { '0-3': 45, '3-6': 100, '6-10': null, '10-15': (500 + 700 + 3) / 3 });
  assert.equal(r.buckets.map((b) => b.maeS), [45, 100, null, 401]);
});

test('the score is the mean of the four bucket fractions, not of the samples', () => {
  const samples = [
    ...Array.from({ length: 10 }, () => sample(1 * MIN, 0)), // 0-3: 10 of 10
    sample(4 * MIN, 0), // 3-6: 1 of 2
    sample(4 * MIN, 200 * S),
    sample(8 * MIN, -61 * S), // 6-10: 0 of 1
    sample(11 * MIN, 0), // 10-15: 1 of 4
    sample(11 * MIN, 271 * S),
    sample(11 * MIN, -91 * S),
    sample(11 * MIN, 1000 * S),
  ];
  const r = scorePredictions(samples);
  assert.equal(r.buckets.map((b) => b.fraction), [1, 0.5, 0, 0.25]);
  assert.is(r.score, (1 + 0.5 + 0 + 0.25) / 4);
  assert.is(r.samples, 17);
  // per sample it would be 12 / 17 ≈ 0.71: one bucket's many samples do not outweigh the others
  assert.not.equal(r.score, 12 / 17);
});

test('a bucket without samples is left out of the mean (and shown as null)', () => {
  const r = scorePredictions([sample(1 * MIN, 0), sample(11 * MIN, 1000 * S)]);
  assert.equal(r.buckets.map((b) => b.fraction), [1, null, null, 0]);
  assert.is(r.score, 0.5);
});

test('nothing to score: score 0, samples 0, every bucket empty', () => {
  for (const samples of [[], [sample(-5 * S, 0), sample(20 * MIN, 0)]]) {
    const r = scorePredictions(samples);
    assert.is(r.score, 0);
    assert.is(r.samples, 0);
    assert.equal(r.buckets.map((b) => [b.samples, b.accurate, b.fraction, b.maeS]), [[0, 0, null, null], [0, 0, null, null], [0, 0, null, null], [0, 0, null, null]]);
    assert.equal(r.mae, { '0-3': null, '3-6': null, '6-10': null, '10-15': null });
  }
});

test('a time that is not a finite number is counted as invalid, not scored', () => {
  const r = scorePredictions([{ madeAt: T0, predicted: Number.NaN, actual: T0 + MIN }, { madeAt: T0, predicted: T0, actual: Number.POSITIVE_INFINITY }, sample(MIN, 0)]);
  assert.equal(r.unscored, { negativeLead: 0, beyond15Min: 0, invalid: 2 });
  assert.is(r.samples, 1);
  assert.is(r.score, 1);
});

test('the input is not changed', () => {
  const samples = [sample(1 * MIN, 0), sample(20 * MIN, 0)];
  const copy = structuredClone(samples);
  scorePredictions(samples);
  assert.equal(samples, copy);
});

test.run();
