/**
 * Outbox appends/s against raw better-sqlite3 batched inserts/s, same file system, same pragmas,
 * same table (its DDL is read back from a database the Outbox created), same rows.
 *
 * Both sides start from the same pre-built JS objects and pay JSON.stringify per row.
 * - raw: a prepared INSERT inside db.transaction(), `batch` rows per transaction.
 * - outbox: Outbox.append() without awaiting, `batch` appends per event-loop turn (so the default
 *   group commit, commitIntervalMs 0, makes one transaction per `batch` rows, as the raw side),
 *   then every promise awaited. Also reported: one burst of all N appends (one transaction).
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { Outbox } from '../../device/outbox.js';
import { openDatabase } from '../../device/store.js';
import { OutboxConfig } from '../../protocols/index.js';
import { gpsFix } from './payload.js';
import { median, now, tempDir, turn } from './util.js';

export interface OutboxBenchOptions {
  rows: number;
  batch: number;
  reps: number;
}

export interface OutboxBenchResult {
  rows: number;
  batch: number;
  reps: number;
  rawInsertsPerS: number;
  rawInsertsPerSPrestringified: number;
  outboxAppendsPerS: number;
  outboxBurstAppendsPerS: number;
  ratio: number;
  samples: { raw: number[]; rawPre: number[]; outbox: number[]; burst: number[] };
}

let fileNo = 0;
function freshDb(dir: string): Database.Database {
  return openDatabase(path.join(dir, `ob-${++fileNo}.db`), 'NORMAL');
}

/** The DDL the Outbox itself uses for its pending table, so the raw side cannot drift from it. */
function pendingDdl(dir: string): string {
  const db = freshDb(dir);
  new Outbox(db, { config: OutboxConfig.parse({}) });
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'outbox_pending'").get() as { sql: string };
  db.close();
  return row.sql;
}

function rawRun(dir: string, ddl: string, objs: unknown[], batch: number, prestringified: string[] | null): number {
  const db = freshDb(dir);
  db.exec(ddl);
  const insert = db.prepare('INSERT INTO outbox_pending (stream, seq, ts, data) VALUES (?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    const ts = Date.now();
    if (prestringified) for (let i = from; i < to; i++) insert.run('gps', i + 1, ts, prestringified[i]!);
    else for (let i = from; i < to; i++) insert.run('gps', i + 1, ts, JSON.stringify(objs[i] ?? null));
  });
  const t0 = now();
  for (let i = 0; i < objs.length; i += batch) tx(i, Math.min(objs.length, i + batch));
  const rate = objs.length / ((now() - t0) / 1000);
  const n = (db.prepare('SELECT count(*) AS n FROM outbox_pending').get() as { n: number }).n;
  db.close();
  if (n !== objs.length) throw new Error(`raw inserts: ${n} rows, expected ${objs.length}`);
  return rate;
}

async function outboxRun(dir: string, objs: unknown[], perTurn: number): Promise<number> {
  const db = freshDb(dir);
  const outbox = new Outbox(db, { config: OutboxConfig.parse({}) });
  const t0 = now();
  const pending: Promise<number>[] = new Array(objs.length);
  for (let i = 0; i < objs.length; ) {
    const end = Math.min(objs.length, i + perTurn);
    for (; i < end; i++) pending[i] = outbox.append('gps', objs[i]);
    if (i < objs.length) await turn(); // the group commit of this turn runs before we continue
  }
  const seqs = await Promise.all(pending);
  const rate = objs.length / ((now() - t0) / 1000);
  outbox.close();
  const n = (db.prepare('SELECT count(*) AS n FROM outbox_pending').get() as { n: number }).n;
  db.close();
  if (n !== objs.length || seqs[seqs.length - 1] !== objs.length) throw new Error(`outbox: ${n} rows, expected ${objs.length}`);
  return rate;
}

export async function benchOutbox(o: OutboxBenchOptions): Promise<OutboxBenchResult> {
  const dir = tempDir('outbox');
  const ddl = pendingDdl(dir);
  const objs = Array.from({ length: o.rows }, (_, i) => gpsFix(i));
  const pre = objs.map((x) => JSON.stringify(x));
  // Warm-up: JIT, page cache, SQLite's code paths.
  const warm = objs.slice(0, Math.min(objs.length, 10_000));
  rawRun(dir, ddl, warm, o.batch, null);
  await outboxRun(dir, warm, o.batch);
  const samples = { raw: [] as number[], rawPre: [] as number[], outbox: [] as number[], burst: [] as number[] };
  for (let r = 0; r < o.reps; r++) {
    // Interleaved, so a slow moment of the machine hits both sides.
    samples.raw.push(rawRun(dir, ddl, objs, o.batch, null));
    samples.outbox.push(await outboxRun(dir, objs, o.batch));
    samples.rawPre.push(rawRun(dir, ddl, objs, o.batch, pre));
    samples.burst.push(await outboxRun(dir, objs, objs.length));
  }
  const raw = median(samples.raw);
  const outbox = median(samples.outbox);
  return {
    rows: o.rows,
    batch: o.batch,
    reps: o.reps,
    rawInsertsPerS: raw,
    rawInsertsPerSPrestringified: median(samples.rawPre),
    outboxAppendsPerS: outbox,
    outboxBurstAppendsPerS: median(samples.burst),
    ratio: outbox / raw,
    samples,
  };
}
