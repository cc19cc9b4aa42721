/**
 * What a load found wrong, in the manner of MobilityData's validator: each problem names the file,
 * the line and the field, with a severity. An error skips its row (or, in a required file that
 * cannot be read at all, refuses the feed); a warning keeps it. Every problem is counted; the
 * first `listed` are kept with their detail, so a feed with a million bad rows cannot fill memory.
 */
import type { GtfsProblem } from './model.js';

/** The work a load may do, at most (GTFS of a town is a few MiB; these bound a hostile file). */
export const GTFS_LIMITS = {
  /** the zip as given */
  zipBytes: 64 * 1024 * 1024,
  /** one file once inflated (counted as it inflates, whatever its header declares) */
  fileBytes: 128 * 1024 * 1024,
  /** every file read, inflated, together */
  totalBytes: 256 * 1024 * 1024,
  /** lines in one file (stop_times.txt of a whole country is about this) */
  rows: 2_000_000,
  /** problems kept with their detail (all are counted) */
  listed: 1000,
} as const;

export type GtfsLimits = { [K in keyof typeof GTFS_LIMITS]: number };

/** A feed that cannot be used: not a zip, too large, or a required file missing or unreadable. */
export class GtfsRefused extends Error {
  /** each reason on its own (the message joins them) */
  readonly reasons: readonly string[];

  constructor(
    message: string,
    readonly problems: readonly GtfsProblem[] = [],
    reasons?: readonly string[],
  ) {
    super(message);
    this.name = 'GtfsRefused';
    this.reasons = reasons ?? [message];
  }
}

export interface GtfsProblemCounts {
  error: number;
  warning: number;
}

export class ProblemLog {
  readonly listed: GtfsProblem[] = [];
  readonly counts: GtfsProblemCounts = { error: 0, warning: 0 };
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  error(file: string, row: number | null, message: string, field?: string): void {
    this.add({ file, row, ...(field !== undefined ? { field } : {}), message, severity: 'error' });
  }

  warning(file: string, row: number | null, message: string, field?: string): void {
    this.add({ file, row, ...(field !== undefined ? { field } : {}), message, severity: 'warning' });
  }

  add(problem: GtfsProblem): void {
    this.counts[problem.severity]++;
    if (this.listed.length < this.#max) this.listed.push({ ...problem, message: clip(problem.message, 300) });
  }
}

const MiB = 1024 * 1024;

/** A size for a person: `3.2 MiB`, `64 MiB`. */
export function mib(n: number): string {
  return `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;
}

export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
