/** Small helpers shared by the benchmarks: temp dirs, statistics, bounded waits, process I/O counters. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, type Logger } from '../../protocols/index.js';

const tempDirs: string[] = [];

/** A temp dir that `cleanupTempDirs()` removes at the end of the run. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tabla-bench-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A logger that prints nothing and counts what would have been warnings or errors. */
export function countingLogger(scope: string): Logger & { problems: string[] } {
  const problems: string[] = [];
  const log = createLogger(scope, {
    level: 'warn',
    sink: (line) => {
      if (problems.length < 20) problems.push(line);
    },
  }) as Logger & { problems: string[] };
  log.problems = problems;
  return log;
}

export const now = (): number => performance.now();

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function best(xs: number[]): number {
  return Math.max(...xs);
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Resolves when `fn()` is true; rejects after `timeoutMs`. */
export async function until(what: string, fn: () => boolean, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Rejects if `p` does not settle within `ms`. */
export function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

export interface IoCounters {
  /** bytes passed to write(2)-like calls (any fd) */
  wchar: number;
  /** bytes this process caused to be sent to the storage layer (counted when page-cache pages get dirtied) */
  writeBytes: number;
  syscw: number;
}

/** /proc/self/io, or null where it does not exist (not Linux, or restricted). */
export function readIo(): IoCounters | null {
  try {
    const text = fs.readFileSync('/proc/self/io', 'utf8');
    const get = (k: string) => Number(text.match(new RegExp(`^${k}: (\\d+)$`, 'm'))?.[1] ?? NaN);
    const io = { wchar: get('wchar'), writeBytes: get('write_bytes'), syscw: get('syscw') };
    return Number.isFinite(io.wchar) && Number.isFinite(io.writeBytes) ? io : null;
  } catch {
    return null;
  }
}
