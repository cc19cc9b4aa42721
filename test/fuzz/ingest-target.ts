/**
 * The fleet's telemetry ingest as a fuzz target: episodes of batches from a few fake devices,
 * decoded at the border and fed to a real `Ingest` over a real SQLite file, flushed now and then.
 * After every flush: no acked mark is above what that device sent on that stream (nor above what
 * the outbox it named sent), nothing failed to commit; after every episode: no negative gaps.
 *
 * An input is one episode, JSON: `{"steps": [["a", "gps", payload], ["flush"], …]}`, payload a
 * string or `{"b64": …}` (bytes that are not UTF-8). Each run gets device ids of its own
 * (`e<n>-a`), so an episode replays the same on a fleet that has seen others.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { DEVICE_ID_PATTERN, NAME_PATTERN, TelemetryBatch, createLogger, decode } from '../../protocols/index.js';
import { openFleetDatabase } from '../../fleet/db.js';
import { Ingest } from '../../fleet/ingest.js';
import { Metrics } from '../../fleet/metrics.js';
import { type Input, type Rng, mutateBytes, mutateTree, render, toBytes, toNode } from './generate.js';
import { check, type FuzzTarget } from './invariants.js';

type Payload = string | { b64: string };
type Step = ['flush'] | [device: string, stream: string, payload: Payload];

const DEVICES = ['a', 'b'];
const STREAMS = ['gps', 'doors'];
const OUTBOXES = [undefined, 'card-a', 'card-b', 'card-c'];
/** Episodes per SQLite file before a fresh one (keeps the file and its caches small). */
const EPISODES_PER_FILE = 2000;

function payloadOf(bytes: Buffer): Payload {
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? text : { b64: bytes.toString('base64') };
}

/** Mostly valid batches as a device sends them: continuations, resends, gaps, `low` moving, SD cards swapped. */
export function episode(rng: Rng): string {
  const streams = new Map<string, { outbox: string | undefined; next: Map<string, number> }>();
  const steps: Step[] = [];
  for (let n = 1 + rng.int(30); n > 0; n--) {
    if (rng.chance(0.15)) {
      steps.push(['flush']);
      continue;
    }
    const device = rng.pick(DEVICES);
    const stream = rng.pick(STREAMS);
    let s = streams.get(device + stream);
    if (!s) streams.set(device + stream, (s = { outbox: rng.pick(OUTBOXES), next: new Map() }));
    if (rng.chance(0.1)) s.outbox = rng.pick(OUTBOXES);
    const next = s.next.get(s.outbox ?? '') ?? 1;
    let first = Math.max(1, next + rng.int(7) - 4);
    if (rng.chance(0.05)) first = next + rng.logInt(1, 1_000_000); // the device dropped a lot
    if (rng.chance(0.02)) first = Number.MAX_SAFE_INTEGER - rng.int(8);
    const records = [];
    let seq = first;
    for (let r = 1 + rng.int(5); r > 0 && seq <= Number.MAX_SAFE_INTEGER; r--) {
      records.push({ seq, ts: 1_764_220_200_000 + seq, data: rng.chance(0.8) ? { seq } : null });
      seq += rng.chance(0.8) ? 1 : 2 + rng.int(3);
    }
    const low = rng.chance(0.6) ? Math.min(first, Math.max(1, next)) : 1 + rng.int(first);
    s.next.set(s.outbox ?? '', Math.max(next, seq));
    const batch = { v: 1, epoch: 1 + rng.int(3), ...(s.outbox ? { outbox: s.outbox } : {}), low, records };
    let bytes: Buffer = Buffer.from(JSON.stringify(batch));
    if (rng.chance(0.15)) {
      const holder = { root: toNode(batch) };
      mutateTree(rng, holder);
      const mutated = rng.chance(0.5) ? toBytes(render(holder.root)) : mutateBytes(rng, bytes);
      if (mutated.length < 16 * 1024) bytes = mutated; // big payloads are the decode targets' job
    }
    steps.push([device, stream, payloadOf(bytes)]);
  }
  return JSON.stringify({ steps });
}

function stepsOf(input: Input): unknown[] | null {
  try {
    const parsed = JSON.parse(String(input)) as { steps?: unknown };
    return Array.isArray(parsed?.steps) ? parsed.steps : null;
  } catch {
    return null;
  }
}

/** The service defines its metrics in one place; here every name the ingest counts is defined on first use. */
class OpenMetrics extends Metrics {
  override inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    this.define(name, 'counter', name);
    super.inc(name, labels, by);
  }
  override set(name: string, labels: Record<string, string>, value: number): void {
    this.define(name, 'gauge', name);
    super.set(name, labels, value);
  }
}

function bump(map: Map<string, number>, key: string, value: number): void {
  map.set(key, Math.max(map.get(key) ?? 0, value));
}

export function ingestTarget(): FuzzTarget {
  let dir = '';
  let db: Database.Database | null = null;
  let ingest: Ingest | null = null;
  let episodes = 0;
  const acks: [string, Record<string, number>, string | undefined][] = [];
  const errors: string[] = [];
  const log = createLogger('ingest', { level: 'error', sink: (line) => errors.push(line) });

  const open = () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-fuzz-ingest-'));
    db = openFleetDatabase(dir);
    ingest = new Ingest({ db, metrics: new OpenMetrics(), log, publishAck: (deviceId, streams, outbox) => acks.push([deviceId, { ...streams }, outbox]) });
  };
  const close = () => {
    ingest?.flush();
    db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    db = ingest = null;
  };

  return {
    name: 'ingest',
    input: episode,
    open,
    close,
    run(input) {
      const steps = stepsOf(input);
      if (!steps) return; // not an episode: nothing reaches the ingest
      if (!ingest) open();
      if (++episodes % EPISODES_PER_FILE === 0) {
        close();
        open();
      }
      const fleet = ingest!;
      fleet.flush(); // whatever an episode that threw left queued is not this one's
      const prefix = `e${episodes}`;
      const maxSent = new Map<string, number>(); // by `device/stream` and `device/stream/outbox`
      const devices = new Set<string>();
      let decodeThrew: Error | null = null;

      const flush = () => {
        acks.length = 0;
        errors.length = 0;
        fleet.flush();
        check(errors.length === 0, 'ingest-error', () => `a decoded batch failed to commit: ${errors[0]}`);
        for (const [deviceId, streams, outbox] of acks) {
          for (const [stream, hwm] of Object.entries(streams)) {
            const key = `${deviceId}/${stream}`;
            const sent = maxSent.get(key);
            check(sent !== undefined, 'ack-unsent-stream', () => `ack for ${key}, which sent nothing`);
            check(hwm <= sent, 'ack-above-sent', () => `ack ${key} = ${hwm}, but the device sent at most ${sent}`);
            // Each ack names the outbox it answers: it may not exceed what that outbox sent.
            if (outbox === undefined) continue;
            const byOutbox = maxSent.get(`${key}/${outbox}`) ?? 0;
            check(hwm <= byOutbox, 'ack-above-outbox', () => `ack ${key} = ${hwm} answering outbox ${outbox}, which sent at most ${byOutbox}`);
          }
        }
      };

      for (const step of steps) {
        if (!Array.isArray(step)) continue;
        if (step[0] === 'flush') {
          flush();
          continue;
        }
        const [device, stream, payload] = step as unknown[];
        if (typeof device !== 'string' || typeof stream !== 'string') continue;
        const deviceId = `${prefix}-${device}`;
        // The topic layer refuses these before the payload is looked at.
        if (!DEVICE_ID_PATTERN.test(deviceId) || !NAME_PATTERN.test(stream)) continue;
        const b64 = (payload as { b64?: unknown } | null)?.b64;
        const bytes = typeof payload === 'string' ? Buffer.from(payload) : typeof b64 === 'string' ? Buffer.from(b64, 'base64') : null;
        if (!bytes) continue;
        let r;
        try {
          r = decode(TelemetryBatch, bytes);
        } catch (err) {
          decodeThrew ??= err as Error; // checked last: the ingest's own invariants first
          continue;
        }
        if (!r.ok) continue;
        const key = `${deviceId}/${stream}`;
        const last = r.value.records[r.value.records.length - 1]!.seq;
        bump(maxSent, key, last);
        if (r.value.outbox) bump(maxSent, `${key}/${r.value.outbox}`, last);
        devices.add(deviceId);
        fleet.accept(deviceId, stream, r.value);
      }
      flush();
      for (const deviceId of devices) {
        for (const s of fleet.streamsOf(deviceId)) {
          check(s.gaps >= 0 && s.hwm <= s.maxSeq, 'stream-counts', () => `${deviceId}/${s.stream}: ${JSON.stringify(s)}`);
        }
      }
      check(!decodeThrew, 'decode-throws', () => `decode threw ${decodeThrew?.name}: ${decodeThrew?.message}`);
    },
    *shrink(input) {
      const steps = stepsOf(input);
      if (!steps) return;
      for (let i = steps.length - 1; i >= 0; i--) yield JSON.stringify({ steps: steps.filter((_, j) => j !== i) });
    },
  };
}
