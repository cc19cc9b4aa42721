/**
 * Backlog drained after an outage, with acks: a real Agent (in the load child: the device is
 * another machine) records `records` GPS fixes before it connects, then starts; the time runs from
 * agent.start() (connect, birth, the fleet's retained `online`, drainer start) until the last ack
 * has emptied the outbox. The fleet's stored rows for the device are checked afterwards.
 */
import { AgentConfig as AgentConfigSchema, type DrainPolicy, DrainPolicy as DrainPolicySchema } from '../../protocols/index.js';
import { agentConfigFor } from '../../fleet/provision.js';
import type { FleetService } from '../../fleet/service.js';
import { LoadChild } from './child.js';
import { median, tempDir } from './util.js';

export interface DrainOptions {
  records: number;
  reps: number;
  policy: Partial<DrainPolicy>;
}

export interface DrainResult {
  records: number;
  policy: DrainPolicy;
  recordsPerS: number;
  samples: number[];
  /** median ms from start() to the drainer starting (connect + fleet online) */
  connectMs: number;
  /** median ms from the drainer starting to the outbox empty */
  drainMs: number;
  /** records sent, over records drained (1: nothing resent) */
  sentPerRecord: number;
  fillMs: number;
  /** median rate over the second half of the backlog (after the token bucket's initial burst) */
  secondHalfPerS: number;
}

let deviceNo = 0;

export async function benchDrain(fleet: FleetService, child: LoadChild, o: DrainOptions): Promise<DrainResult> {
  const policy = DrainPolicySchema.parse(o.policy);
  const samples: number[] = [];
  const connect: number[] = [];
  const drain: number[] = [];
  const fill: number[] = [];
  const half: number[] = [];
  let sent = 0;
  for (let r = 0; r < o.reps; r++) {
    const id = `bench-drain-${++deviceNo}`;
    const { secret } = fleet.registry.provision({ id, role: 'bus', site: 'bench' });
    const input = agentConfigFor({ deviceId: id, role: 'bus', secret, mqttUrl: fleet.mqttUrl, dataDir: tempDir(id) });
    input.mqtt = { ...input.mqtt, reconnectMinMs: 100, reconnectMaxMs: 1000 };
    input.outbox = { drain: policy };
    const config = AgentConfigSchema.parse(input);
    const prep = await child.call({ type: 'drain-prepare', config, records: o.records }, 60_000);
    if (prep.depth !== o.records) throw new Error(`outbox holds ${String(prep.depth)} records, expected ${o.records}`);
    fill.push(prep.fillMs as number);
    const res = await child.call({ type: 'drain-go', timeoutMs: 60_000 }, 70_000);
    const streams = fleet.ingest.streamsOf(id);
    const gps = streams.find((s) => s.stream === 'gps');
    if (!gps || gps.stored !== o.records || gps.hwm !== o.records) {
      throw new Error(`fleet has ${JSON.stringify(gps)} for ${id}, expected ${o.records} stored`);
    }
    samples.push(o.records / ((res.elapsedMs as number) / 1000));
    connect.push(res.connectMs as number);
    drain.push(res.drainMs as number);
    half.push(res.secondHalfPerS as number);
    sent += res.sentRecords as number;
  }
  return {
    records: o.records,
    policy,
    recordsPerS: median(samples),
    samples,
    connectMs: median(connect),
    drainMs: median(drain),
    sentPerRecord: sent / (o.records * o.reps),
    fillMs: median(fill),
    secondHalfPerS: median(half),
  };
}
