/**
 * The agent's crash counter and its last-resort handler. An uncaught exception or an unhandled
 * rejection leaves the process in a state nobody planned for, so it is never survived: it is logged
 * with its stack, counted in `<dataDir>/crashes.json` (`{count, last: {at, error}}`) and the process
 * exits 1 for systemd to start a clean one. The count outlives the restarts, so a device that keeps
 * crashing says so. fleet/crash.ts is the fleet's twin (fleet/ and device/ never import each other).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../protocols/index.js';

export const CRASH_FILE = 'crashes.json';

export interface CrashCount {
  count: number;
  last?: { at: string; error: string };
}

/** The count so far; a missing or unreadable file counts as none. */
export function readCrashCount(dataDir: string): CrashCount {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(dataDir, CRASH_FILE), 'utf8')) as CrashCount;
    if (Number.isSafeInteger(json.count) && json.count >= 0) return json;
  } catch {
    // none yet, or a file we cannot trust: start again from zero
  }
  return { count: 0 };
}

/** Raises the count by one, atomically: temp file, fsync, rename (a power cut leaves old or new). */
export function recordCrash(dataDir: string, error: string, at = new Date()): CrashCount {
  const next: CrashCount = { count: readCrashCount(dataDir).count + 1, last: { at: at.toISOString(), error: error.slice(0, 500) } };
  const file = path.join(dataDir, CRASH_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, JSON.stringify(next) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return next;
}

/**
 * Installs the handlers: log (fields `error`, `stack`), count, exit 1. Nothing after that runs.
 * Several agents in one process (a simulated town) count the crash each in its own data dir.
 */
export function exitOnCrash(options: { log: Logger; dataDir: string | readonly string[] }): void {
  const { log } = options;
  const dataDirs = typeof options.dataDir === 'string' ? [options.dataDir] : options.dataDir;
  let crashing = false;
  const onCrash = (reason: unknown, origin: string): void => {
    if (crashing) process.exit(1);
    crashing = true;
    const error = reason instanceof Error ? reason.message : String(reason);
    const stack = reason instanceof Error ? reason.stack : undefined;
    let count: number | undefined;
    for (const dataDir of dataDirs) {
      try {
        count = recordCrash(dataDir, error).count;
      } catch (err) {
        log.error('cannot count the crash', { file: path.join(dataDir, CRASH_FILE), reason: (err as Error).message });
      }
    }
    try {
      log.error('uncaught exception: exiting for the supervisor to restart', { origin, error, stack, crashes: count });
    } finally {
      process.exit(1);
    }
  };
  process.on('uncaughtException', (err, origin) => onCrash(err, origin));
  process.on('unhandledRejection', (reason) => onCrash(reason, 'unhandledRejection'));
}
