/**
 * Bytes an agent writes to its SD card per hour at the demo's rates, on a real SQLite file, driven
 * by a fake clock so that an hour takes well under a second.
 *
 * One simulated hour of a bus agent: a GPS fix every `gpsEveryMs`, a heartbeat every 30 s (reads
 * the outbox stats, writes nothing), the TTL sweep every 60 s (as the agent runs it), and the real
 * Drainer sending each commit to a fake fleet whose `ack` comes back `ackDelayMs` later and deletes
 * the rows (Outbox.ack, as on the device).
 *
 * Measured, over the simulated hour only (set-up and close excluded):
 * - write_bytes from /proc/self/io: what the process caused to be sent to the storage layer. Linux
 *   counts it when a page-cache page goes from clean to dirty, so a page written many times before
 *   the kernel writes it back is counted once. In a real hour the kernel writes dirty pages back
 *   after ~30 s (vm.dirty_expire_centisecs); we reproduce that by fdatasync()ing the database, WAL
 *   and shm files every 30 s of simulated time (`writebackS`). This is the headline figure.
 * - wchar (bytes handed to write(2)/pwrite(2)): SQLite's own write volume, shm excluded (mmapped).
 * - WAL accounting from the -shm header (mxFrame, salts, nBackfill): frames × (page_size + 24)
 *   + checkpointed pages × page_size — the fallback where /proc/self/io is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Drainer } from '../../device/drain.js';
import { Outbox } from '../../device/outbox.js';
import { AgentStore, openDatabase } from '../../device/store.js';
import { OutboxConfig } from '../../protocols/index.js';
import { gpsFix } from './payload.js';
import { readIo, tempDir, turn } from './util.js';

export interface SdOptions {
  commitIntervalMs: number;
  synchronous: 'NORMAL' | 'FULL';
  hours?: number;
  gpsEveryMs?: number;
  ackDelayMs?: number;
  /** emulate the kernel writing dirty pages back every this many simulated seconds (0: never) */
  writebackS?: number;
  /** what-if: create the database with this page size (the product uses SQLite's default, 4096) */
  pageSize?: number;
  /**
   * what-if: apply each ack in the next append's group commit (one transaction: Outbox.ack's
   * DELETE and Outbox.flush's INSERT and stream update) instead of its own autocommit DELETE.
   * Emulated with the product's own methods inside one outer transaction; commitIntervalMs 0 only.
   */
}

export interface SdResult {
  label: string;
  commitIntervalMs: number;
  synchronous: 'NORMAL' | 'FULL';
  gpsEveryMs: number;
  writebackS: number;
  records: number;
  /** write transactions (commits that added WAL frames) per hour */
  commitsPerHour: number;
  walFramesPerHour: number;
  checkpointsPerHour: number;
  /** /proc/self/io write_bytes per hour, or null */
  writeBytesPerHour: number | null;
  /** /proc/self/io wchar per hour, or null */
  wcharPerHour: number | null;
  /** from WAL frame counting */
  walEstimateBytesPerHour: number;
  /** the figure to quote: write_bytes where available, else the WAL estimate */
  bytesPerHour: number;
  source: 'proc-write_bytes' | 'wal-frames';
  pageSize: number;
  depthAtEnd: number;
}

class ShmWatcher {
  readonly #fd: number;
  readonly #buf = Buffer.alloc(136);
  #mx = 0;
  #salt = -1;
  #backfill = 0;
  frames = 0;
  commits = 0;
  checkpoints = 0;
  checkpointedFrames = 0;
  restarts = 0;

  constructor(file: string) {
    this.#fd = fs.openSync(file, 'r');
    this.#read();
    this.#mx = this.#buf.readUInt32LE(16);
    this.#salt = this.#buf.readUInt32LE(32);
    this.#backfill = this.#buf.readUInt32LE(96);
  }

  #read(): void {
    fs.readSync(this.#fd, this.#buf, 0, 136, 0);
  }

  /** Call after every write transaction (at most one between calls). */
  sample(pageCount: () => number): { checkpointPages: number } {
    this.#read();
    const mx = this.#buf.readUInt32LE(16);
    const salt = this.#buf.readUInt32LE(32);
    const backfill = this.#buf.readUInt32LE(96);
    let checkpointPages = 0;
    if (salt !== this.#salt) {
      // The WAL was restarted (after a complete checkpoint) and this commit wrote from frame 1.
      this.restarts++;
      if (mx > 0) {
        this.frames += mx;
        this.commits++;
      }
    } else if (mx > this.#mx) {
      this.frames += mx - this.#mx;
      this.commits++;
    }
    if (salt === this.#salt ? backfill > this.#backfill : backfill > 0) {
      const n = salt === this.#salt ? backfill - this.#backfill : backfill;
      this.checkpoints++;
      this.checkpointedFrames += n;
      // A checkpoint writes each distinct page once: at most the frames it copied, at most the file.
      checkpointPages = Math.min(n, pageCount());
    }
    this.#mx = mx;
    this.#salt = salt;
    this.#backfill = backfill;
    return { checkpointPages };
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

export async function benchSd(o: SdOptions): Promise<SdResult> {
  const hours = o.hours ?? 1;
  const gpsEveryMs = o.gpsEveryMs ?? 2000;
  const ackDelayMs = o.ackDelayMs ?? 150;
  const writebackS = o.writebackS ?? 30;
  const dir = tempDir('sd');
  const file = path.join(dir, 'agent.db');
  let simNow = Date.UTC(2026, 0, 12, 6, 0, 0);
  const clock = () => simNow;

  const config = OutboxConfig.parse({ commitIntervalMs: o.commitIntervalMs, synchronous: o.synchronous });
  if (o.pageSize) {
    // The page size is fixed when the first table is created; openDatabase then keeps it.
    const pre = new Database(file);
    pre.pragma(`page_size = ${o.pageSize}`);
    pre.exec('CREATE TABLE bench_page_size (x INTEGER)');
    pre.close();
  }
  const db = openDatabase(file, o.synchronous);
  new AgentStore(db).nextEpoch();
  const outbox = new Outbox(db, { config, now: clock });
  const drainer = new Drainer(outbox, config.drain, clock);

  // A tiny event queue on the simulated clock.
  type Ev = { t: number; n: number; fn: () => void };
  const events: Ev[] = [];
  let evNo = 0;
  const at = (t: number, fn: () => void) => {
    // Binary insertion after every event at the same time: stable, O(log n) search.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.t <= t) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, { t, n: evNo++, fn });
  };

  drainer.start(1, (_stream, payload) => {
    const records = (JSON.parse(payload) as { records: { seq: number }[] }).records;
    const toSeq = records[records.length - 1]!.seq;
    at(simNow + ackDelayMs, () => drainer.onAck({ gps: toSeq }));
  });

  // Warm the file up (first pages, WAL created), then start counting.
  await outbox.append('gps', gpsFix(0));
  await turn();
  const start = simNow;
  const end = start + hours * 3600_000;
  const shm = new ShmWatcher(file + '-shm');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pageCount = () => db.pragma('page_count', { simple: true }) as number;
  let checkpointPages = 0;
  let records = 0;
  let windowOpen = false;

  for (let t = start + gpsEveryMs; t < end; t += gpsEveryMs) {
    at(t, () => {
      records++;
      void outbox.append('gps', gpsFix(records));
      if (config.commitIntervalMs > 0 && !windowOpen) {
        // The outbox's own timer would fire commitIntervalMs later; on the fake clock we fire it.
        windowOpen = true;
        at(simNow + config.commitIntervalMs, () => {
          windowOpen = false;
          outbox.flush();
        });
      }
    });
  }
  for (let t = start + 30_000; t < end; t += 30_000) at(t, () => void outbox.stats());
  for (let t = start + 60_000; t < end; t += 60_000) at(t, () => void outbox.expire());
  const fds = writebackS > 0 ? [file, file + '-wal', file + '-shm'].map((f) => fs.openSync(f, 'r+')) : [];
  if (writebackS > 0) for (let t = start + writebackS * 1000; t <= end; t += writebackS * 1000) at(t, () => fds.forEach((fd) => fs.fdatasyncSync(fd)));

  const io0 = readIo();
  let steps = 0;
  while (events.length > 0 && steps++ < 1_000_000) {
    const ev = events.shift()!;
    if (ev.t > end) break;
    simNow = ev.t;
    ev.fn();
    // Let the group commit (setImmediate) and the drainer (microtask) run, as the event loop would.
    await turn();
    await turn();
    checkpointPages += shm.sample(pageCount).checkpointPages;
  }
  const io1 = readIo();
  const depthAtEnd = outbox.depth();
  drainer.stop();
  shm.close();
  for (const fd of fds) fs.closeSync(fd);
  outbox.close();
  db.close();

  const per = (x: number) => x / hours;
  const walEstimate = shm.frames * (pageSize + 24) + checkpointPages * pageSize + shm.restarts * 32;
  const writeBytes = io0 && io1 ? io1.writeBytes - io0.writeBytes : null;
  const wchar = io0 && io1 ? io1.wchar - io0.wchar : null;
  // write_bytes of 0 over an hour of commits means the counter is not there (tmpfs, containers).
  const useProc = writeBytes !== null && writeBytes > 0;
  const label =
    `commitIntervalMs ${o.commitIntervalMs}, ${o.synchronous}` +
    (o.pageSize ? `, page_size ${o.pageSize}` : '') +
    (hours !== 1 ? ` (${hours} h simulated, scaled)` : '');
  return {
    label,
    commitIntervalMs: o.commitIntervalMs,
    synchronous: o.synchronous,
    gpsEveryMs,
    writebackS,
    records,
    commitsPerHour: per(shm.commits),
    walFramesPerHour: per(shm.frames),
    checkpointsPerHour: per(shm.checkpoints),
    writeBytesPerHour: writeBytes === null ? null : per(writeBytes),
    wcharPerHour: wchar === null ? null : per(wchar),
    walEstimateBytesPerHour: per(walEstimate),
    bytesPerHour: useProc ? per(writeBytes) : per(walEstimate),
    source: useProc ? 'proc-write_bytes' : 'wal-frames',
    pageSize,
    depthAtEnd,
  };
}
