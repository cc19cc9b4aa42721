/**
 * The accuracy harness behind `tabla eta eval`: AVL traces replayed through the same EtaModel the
 * live engine runs, in the traces' own time (several days in order, so the model learns as it
 * goes). Actual arrivals come from the traces themselves — the moment a vehicle reached each stop
 * of its run, interpolated between its fixes. Every `sampleEveryS` per vehicle, the predictions
 * the engine makes are kept and later scored against those arrivals with the ETA Accuracy
 * Benchmark's buckets (score.ts), beside two baselines scored on the very same (stop, time)
 * samples: the timetable alone, and the vehicle's current delay carried forward.
 */
import type { GtfsFeed } from '../../../protocols/index.js';
import type { AvlRow } from './avl.js';
import { TravelHistory } from './history.js';
import { EtaModel, type Prediction } from './model/index.js';
import { scorePredictions } from './score.js';

export interface EvalOptions {
  /** how often each vehicle's predictions are sampled, seconds (default 30) */
  sampleEveryS?: number;
  /** called with every prediction sampled (for --predictions-out) */
  onPrediction?: (sampleTime: number, p: Prediction) => void;
}

type Score = ReturnType<typeof scorePredictions>;

export interface EvalResult extends Score {
  baselines: { schedule: Score; delay: Score };
  /** fixes replayed, vehicles, predictions made, stops reached */
  counts: { fixes: number; vehicles: number; predictions: number; arrivals: number; unmatchedFixes: number };
}

interface Sample {
  madeAt: number;
  key: string;
  predicted: number;
  schedule: number;
  delay: number;
}

/** Predictions further ahead than this are not kept (the scored leads are 0–15 min, by the actual arrival). */
const MAX_LEAD_MS = 30 * 60_000;

export function evaluate(feed: GtfsFeed, rows: readonly AvlRow[], options: EvalOptions = {}): EvalResult {
  const every = (options.sampleEveryS ?? 30) * 1000;
  const model = new EtaModel(feed, new TravelHistory(null));
  const actual = new Map<string, number>();
  model.onStop = (e) => {
    if (e.kind !== 'arrival' || !Number.isFinite(e.time)) return;
    const key = `${e.run.key}|${e.index}`;
    if (!actual.has(key)) actual.set(key, e.time);
  };
  const lastSample = new Map<string, number>();
  const samples: Sample[] = [];
  let unmatched = 0;
  let predictions = 0;
  for (const row of rows) {
    const view = model.observe(
      row.vehicleId,
      { time: row.time, lat: row.lat, lon: row.lon, ...(row.bearing !== undefined ? { course: row.bearing } : {}) },
      { ...(row.tripId ? { tripId: row.tripId } : {}), ...(row.blockId ? { blockId: row.blockId } : {}) },
    );
    if (!view.runKey) unmatched++;
    const last = lastSample.get(row.vehicleId);
    if (last !== undefined && row.time - last < every) continue;
    lastSample.set(row.vehicleId, row.time);
    const delayMs = (view.delay ?? 0) * 1000;
    for (const p of model.predict(row.vehicleId, row.time)) {
      predictions++;
      options.onPrediction?.(row.time, p);
      // Arrivals only: a run's first stop is a departure.
      if (p.index === 0 || p.arrival - row.time > MAX_LEAD_MS) continue;
      samples.push({ madeAt: row.time, key: `${p.runKey}|${p.index}`, predicted: p.arrival, schedule: p.scheduledArrival, delay: p.scheduledArrival + delayMs });
    }
  }
  type Scored = { madeAt: number; predicted: number; actual: number }[];
  const scored: { engine: Scored; schedule: Scored; delay: Scored } = { engine: [], schedule: [], delay: [] };
  for (const s of samples) {
    const a = actual.get(s.key);
    if (a === undefined) continue;
    scored.engine.push({ madeAt: s.madeAt, predicted: s.predicted, actual: a });
    scored.schedule.push({ madeAt: s.madeAt, predicted: s.schedule, actual: a });
    scored.delay.push({ madeAt: s.madeAt, predicted: s.delay, actual: a });
  }
  return {
    ...scorePredictions(scored.engine),
    baselines: { schedule: scorePredictions(scored.schedule), delay: scorePredictions(scored.delay) },
    counts: { fixes: rows.length, vehicles: new Set(rows.map((r) => r.vehicleId)).size, predictions, arrivals: actual.size, unmatchedFixes: unmatched },
  };
}
