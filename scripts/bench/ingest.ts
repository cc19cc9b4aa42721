/**
 * The live case: many devices, one record per message, no batching.
 *
 * - raw baseline: a bare Aedes broker (no auth, no ACL) on 127.0.0.1, `devices` mqtt.js publisher
 *   clients (in the load child) publishing QoS1 messages of the same size as Tabla's one-record
 *   telemetry payload, at most `window` per client awaiting PUBACK, and one subscriber client (in
 *   this process) receiving everything at QoS1. Timed until the subscriber has every message.
 * - Tabla: a real FleetService (embedded broker with auth and ACL, its MQTT client, schema
 *   validation, SQLite store, acks) in this process; `devices` provisioned devices in the load
 *   child, each on the agent's own Link (device/link.ts) without the outbox, publishing valid
 *   one-record TelemetryBatch payloads, at most `window` records beyond the fleet's ack (the
 *   agent's default drain window). Timed until every device has the ack covering its last record;
 *   the fleet's stored count (and no duplicates) is checked.
 * Rounds alternate raw / Tabla, after a warm-up of each.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { AgentConfig as AgentConfigSchema, encodeTelemetryBatch } from '../../protocols/index.js';
import { agentConfigFor } from '../../fleet/provision.js';
import type { FleetService } from '../../fleet/service.js';
import { LoadChild } from './child.js';
import { gpsFix } from './payload.js';
import { RawSink, startRawBroker } from './raw.js';
import { median, now, within } from './util.js';

export interface IngestOptions {
  devices: number;
  perDevice: number;
  window: number;
  reps: number;
}

export interface IngestResult {
  devices: number;
  perDevice: number;
  window: number;
  payloadBytes: number;
  rawMsgsPerS: number;
  tablaRecordsPerS: number;
  ratio: number;
  samples: { raw: number[]; tabla: number[] };
  /**
   * CPU time (user + system, µs) per message of the main process (broker + subscriber, or broker +
   * fleet) and of the device child: robust to other load on the machine, and what a CPU-bound
   * server would be limited by. cpuRatio = raw main-process µs/msg ÷ Tabla main-process µs/record.
   */
  cpu: { rawUsPerMsg: number; tablaUsPerRecord: number; rawDevicesUsPerMsg: number; tablaDevicesUsPerRecord: number; cpuRatio: number };
  /** over the measured Tabla rounds */
  fleet: { acksSent: number; flushes: number; recordsPerFlush: number; flushMsPerRecord: number; flushShareOfRound: number };
}

export interface FlushStats {
  flushes: number;
  records: number;
  ms: number;
  on: boolean;
}

/** Wraps Ingest.flush (an instance property shadowing the method: measurement only) to time it. */
export function instrumentFlush(fleet: FleetService): FlushStats {
  const ingest = fleet.ingest;
  const flush = ingest.flush.bind(ingest);
  const stats: FlushStats = { flushes: 0, records: 0, ms: 0, on: false };
  ingest.flush = () => {
    if (!stats.on) return flush();
    const s0 = fleet.metrics.get('tabla_telemetry_records_total');
    const t0 = now();
    try {
      flush();
    } finally {
      const n = fleet.metrics.get('tabla_telemetry_records_total') - s0;
      if (n > 0) {
        stats.flushes++;
        stats.records += n;
        stats.ms += now() - t0;
      }
    }
  };
  return stats;
}

/** The size of one one-record telemetry payload as devices send it. */
export function tablaPayloadBytes(): number {
  return Buffer.byteLength(encodeTelemetryBatch(1, 1000, [{ seq: 1000, ts: Date.now(), data: JSON.stringify(gpsFix(1000)) }]));
}

/**
 * With TABLA_BENCH_PROFILE=<dir>, the measured rounds of each side are CPU-profiled in this process
 * (broker + fleet, or raw broker + subscriber) into <dir>/ingest-{raw,tabla}.cpuprofile.
 */
export class RoundProfiler {
  constructor(readonly prefix = 'ingest') {}

  readonly #dir = process.env.TABLA_BENCH_PROFILE;
  readonly #session = this.#dir ? new inspector.Session() : null;
  readonly #post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => this.#session!.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  #profiles = new Map<string, { nodes: unknown[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }>();

  async start(): Promise<void> {
    if (!this.#session) return;
    this.#session.connect();
    await this.#post('Profiler.enable');
    await this.#post('Profiler.setSamplingInterval', { interval: 200 });
  }

  async round<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#session) return fn();
    await this.#post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await this.#post('Profiler.stop');
      // Several rounds of one side go into one file: their samples are concatenated.
      const prev = this.#profiles.get(name);
      if (!prev) this.#profiles.set(name, profile);
      else {
        const offset = Math.max(...(prev.nodes as { id: number }[]).map((n) => n.id));
        for (const n of profile.nodes as { id: number; children?: number[] }[]) {
          n.id += offset;
          if (n.children) n.children = n.children.map((c) => c + offset);
        }
        const root = (profile.nodes as { id: number }[])[0]!;
        (prev.nodes as unknown[]).push(...profile.nodes);
        // Hang the new tree under the old root, so the file keeps a single root.
        const oldRoot = (prev.nodes as { id: number; children?: number[] }[])[0]!;
        (oldRoot.children ??= []).push(root.id);
        prev.samples.push(...profile.samples.map((s: number) => s + offset));
        prev.timeDeltas.push(...profile.timeDeltas);
        prev.endTime += profile.endTime - profile.startTime;
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.#session) return;
    fs.mkdirSync(this.#dir!, { recursive: true });
    for (const [name, p] of this.#profiles) fs.writeFileSync(path.join(this.#dir!, `${this.prefix}-${name}.cpuprofile`), JSON.stringify(p));
    await this.#post('Profiler.disable');
    this.#session.disconnect();
  }
}

export async function benchIngest(fleet: FleetService, flushStats: FlushStats, o: IngestOptions): Promise<IngestResult> {
  const payloadBytes = tablaPayloadBytes();
  const broker = await startRawBroker();
  const rawChild = new LoadChild('raw publishers');
  const tablaChild = new LoadChild('tabla devices');
  let closeSink = async () => {};
  try {
    const sink = await RawSink.connect(broker.url, 'bench/v1/+/t/+');
    closeSink = () => sink.close();
    const ids = Array.from({ length: o.devices }, (_, i) => `bench-dev-${String(i).padStart(3, '0')}`);
    const devices = ids.map((id) => {
      const { secret } = fleet.registry.provision({ id, role: 'bus', site: 'bench' });
      // The config a provisioned agent gets (its data dir is never used: no outbox here).
      return AgentConfigSchema.parse(agentConfigFor({ deviceId: id, role: 'bus', secret, mqttUrl: fleet.mqttUrl, dataDir: '/nonexistent' }));
    });
    await rawChild.call({ type: 'raw-connect', url: broker.url, clients: o.devices, payloadBytes, window: o.window }, 30_000);
    await tablaChild.call({ type: 'tabla-connect', devices, window: o.window }, 60_000);

    const cpu = { raw: [] as number[], tabla: [] as number[], rawDevices: [] as number[], tablaDevices: [] as number[] };
    const rawRound = async (perClient: number, measured = true): Promise<number> => {
      const target = perClient * o.devices;
      const all = sink.expect(target);
      const c0 = process.cpuUsage();
      const t0 = now();
      const res = await rawChild.call({ type: 'run', perClient }, 60_000);
      const gotAllAt = await within('raw subscriber got everything', all, 60_000);
      const c = process.cpuUsage(c0);
      if (measured) {
        cpu.raw.push((c.user + c.system) / target);
        cpu.rawDevices.push((res.cpuUs as number) / target);
      }
      return target / ((gotAllAt - t0) / 1000);
    };
    const stored = () => fleet.metrics.get('tabla_telemetry_records_total');
    const dups = () => fleet.metrics.get('tabla_telemetry_duplicates_total');
    let tablaMs = 0;
    const tablaRound = async (perClient: number, measured = true): Promise<number> => {
      const s0 = stored();
      const d0 = dups();
      flushStats.on = measured;
      const c0 = process.cpuUsage();
      const t0 = now();
      const res = await tablaChild.call({ type: 'run', perClient }, 60_000);
      const elapsed = now() - t0;
      if (res.publishErrors) throw new Error(`devices saw ${String(res.publishErrors)} publish errors`);
      const c = process.cpuUsage(c0);
      if (measured) {
        cpu.tabla.push((c.user + c.system) / (perClient * o.devices));
        cpu.tablaDevices.push((res.cpuUs as number) / (perClient * o.devices));
      }
      flushStats.on = false;
      if (measured) tablaMs += elapsed;
      const n = perClient * o.devices;
      if (stored() - s0 !== n) throw new Error(`fleet stored ${stored() - s0} records, expected ${n}`);
      if (dups() - d0 !== 0) throw new Error(`fleet saw ${dups() - d0} duplicates`);
      return n / (elapsed / 1000);
    };

    const warm = Math.max(10, Math.round(o.perDevice / 4));
    await rawRound(warm, false);
    await tablaRound(warm, false);
    const acks0 = fleet.metrics.get('tabla_messages_out_total', { kind: 'ack' });
    const samples = { raw: [] as number[], tabla: [] as number[] };
    const profiler = new RoundProfiler();
    await profiler.start();
    for (let r = 0; r < o.reps; r++) {
      samples.raw.push(await profiler.round('raw', () => rawRound(o.perDevice)));
      samples.tabla.push(await profiler.round('tabla', () => tablaRound(o.perDevice)));
    }
    await profiler.stop();
    const raw = median(samples.raw);
    const tabla = median(samples.tabla);
    return {
      devices: o.devices,
      perDevice: o.perDevice,
      window: o.window,
      payloadBytes,
      rawMsgsPerS: raw,
      tablaRecordsPerS: tabla,
      ratio: tabla / raw,
      samples,
      cpu: {
        rawUsPerMsg: median(cpu.raw),
        tablaUsPerRecord: median(cpu.tabla),
        rawDevicesUsPerMsg: median(cpu.rawDevices),
        tablaDevicesUsPerRecord: median(cpu.tablaDevices),
        cpuRatio: median(cpu.raw) / median(cpu.tabla),
      },
      fleet: {
        acksSent: fleet.metrics.get('tabla_messages_out_total', { kind: 'ack' }) - acks0,
        flushes: flushStats.flushes,
        recordsPerFlush: flushStats.records / Math.max(1, flushStats.flushes),
        flushMsPerRecord: flushStats.ms / Math.max(1, flushStats.records),
        flushShareOfRound: flushStats.ms / Math.max(1, tablaMs),
      },
    };
  } finally {
    await Promise.all([rawChild.stop(), tablaChild.stop()]);
    await closeSink();
    await broker.stop();
  }
}
