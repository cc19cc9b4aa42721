/**
 * The yardstick of the ETA accuracy harness: Transit's ETA Accuracy Benchmark. A prediction goes
 * into a bucket by its lead — the time from when it was made to when the bus actually arrived —
 * start inclusive, end exclusive; it is accurate when the error (actual − predicted) lies in the
 * bucket's window, bounds inclusive. The window is wider on the late side: a bus that comes later
 * than shown costs a wait, one that comes earlier than shown is missed. Pure: numbers in, numbers
 * out, all times in ms since the epoch.
 */

export type BucketName = '0-3' | '3-6' | '6-10' | '10-15';

export interface Bucket {
  bucket: BucketName;
  /** lead (actual − made at), seconds: from (inclusive) … to (exclusive) */
  leadFromS: number;
  leadToS: number;
  /** accurate when errorMinS ≤ actual − predicted ≤ errorMaxS, seconds */
  errorMinS: number;
  errorMaxS: number;
}

export const BUCKETS: readonly Bucket[] = Object.freeze([
  { bucket: '0-3', leadFromS: 0, leadToS: 3 * 60, errorMinS: -30, errorMaxS: 90 },
  { bucket: '3-6', leadFromS: 3 * 60, leadToS: 6 * 60, errorMinS: -60, errorMaxS: 150 },
  { bucket: '6-10', leadFromS: 6 * 60, leadToS: 10 * 60, errorMinS: -60, errorMaxS: 210 },
  { bucket: '10-15', leadFromS: 10 * 60, leadToS: 15 * 60, errorMinS: -90, errorMaxS: 270 },
] as const satisfies readonly Bucket[]);

export interface PredictionSample {
  /** when the prediction was made, ms */
  madeAt: number;
  /** the arrival it predicted, ms */
  predicted: number;
  /** the arrival that happened, ms */
  actual: number;
}

export interface BucketScore {
  bucket: BucketName;
  samples: number;
  accurate: number;
  /** accurate / samples, 0…1; null when the bucket has no sample */
  fraction: number | null;
  /** mean |actual − predicted|, seconds; null when the bucket has no sample */
  maeS: number | null;
  /** mean (actual − predicted), seconds: positive, the bus came later than shown; null when empty */
  biasS: number | null;
}

export interface AccuracyScore {
  /**
   * The mean of the bucket fractions (0…1) over the buckets that have samples. The benchmark
   * averages its four percentages; a bucket without a single prediction has no percentage, and
   * counting it as 0 (or 1) would score the absence of data rather than the predictions. So an
   * empty bucket is left out, and `buckets` says which ones were — compare two scores only when
   * the same buckets are filled. 0 when nothing was scored at all (then `samples` is 0).
   */
  score: number;
  buckets: BucketScore[];
  /** MAE by bucket, seconds (the same numbers as `buckets[].maeS`) */
  mae: Record<BucketName, number | null>;
  /** predictions scored (lead 0 to 15 min) */
  samples: number;
  /** predictions not scored: the bus came before they were made, 15 min or more after, or a time is not a finite number */
  unscored: { negativeLead: number; beyond15Min: number; invalid: number };
}

/** The bucket a lead (actual − made at, ms) falls in; null outside 0 (inclusive) … 15 min (exclusive). */
export function bucketFor(leadMs: number): Bucket | null {
  for (const b of BUCKETS) if (leadMs >= b.leadFromS * 1000 && leadMs < b.leadToS * 1000) return b;
  return null;
}

/** Whether an error (actual − predicted, ms) lies in the bucket's window, bounds inclusive. */
export function isAccurate(bucket: Bucket, errorMs: number): boolean {
  return errorMs >= bucket.errorMinS * 1000 && errorMs <= bucket.errorMaxS * 1000;
}

export function scorePredictions(samples: PredictionSample[]): AccuracyScore {
  const acc = BUCKETS.map(() => ({ samples: 0, accurate: 0, absErrorMs: 0, errorMs: 0 }));
  const unscored = { negativeLead: 0, beyond15Min: 0, invalid: 0 };
  let scored = 0;
  for (const s of samples) {
    if (!Number.isFinite(s.madeAt) || !Number.isFinite(s.predicted) || !Number.isFinite(s.actual)) {
      unscored.invalid++;
      continue;
    }
    const lead = s.actual - s.madeAt;
    const i = BUCKETS.findIndex((b) => lead >= b.leadFromS * 1000 && lead < b.leadToS * 1000);
    if (i === -1) {
      if (lead < 0) unscored.negativeLead++;
      else unscored.beyond15Min++;
      continue;
    }
    const error = s.actual - s.predicted;
    const a = acc[i]!;
    a.samples++;
    if (isAccurate(BUCKETS[i]!, error)) a.accurate++;
    a.absErrorMs += Math.abs(error);
    a.errorMs += error;
    scored++;
  }
  const buckets: BucketScore[] = BUCKETS.map((b, i) => {
    const a = acc[i]!;
    return {
      bucket: b.bucket,
      samples: a.samples,
      accurate: a.accurate,
      fraction: a.samples ? a.accurate / a.samples : null,
      maeS: a.samples ? a.absErrorMs / a.samples / 1000 : null,
      biasS: a.samples ? a.errorMs / a.samples / 1000 : null,
    };
  });
  const filled = buckets.filter((b) => b.fraction !== null);
  const score = filled.length ? filled.reduce((sum, b) => sum + b.fraction!, 0) / filled.length : 0;
  const mae = Object.fromEntries(buckets.map((b) => [b.bucket, b.maeS])) as Record<BucketName, number | null>;
  return { score, buckets, mae, samples: scored, unscored };
}
