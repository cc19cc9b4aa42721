/**
 * The device side of the network benchmarks, in its own process (forked by main.ts with the same
 * --import tsx), as devices are other machines: the broker and the fleet under test get the parent
 * process to themselves, and so does the raw Aedes baseline.
 *
 * Modes (one per child):
 * - raw:   N plain mqtt.js clients publishing QoS1 to a raw Aedes broker, at most `window`
 *          messages per client awaiting PUBACK.
 * - tabla: N provisioned devices, each on the agent's own Link (device/link.ts: same client options,
 *          credentials, will, subscriptions, fleet-presence gate), without the outbox: a birth,
 *          then valid one-record TelemetryBatch payloads on tabla/v1/{id}/t/gps through the
 *          session's publish (QoS 1, as the agent's drainer), at most `window` records per device
 *          not yet covered by the fleet's `ack` (the agent's drain window), until the acks on
 *          tabla/v1/{id}/ack cover every record (tabla-device.ts).
 * - eta:   the same devices as buses driving the Lokal'c blocks, probe buses and stop displays
 *          (eta-devices.ts); `run` drives the buses, `eta-paced` sends at a steady rate.
 * - drain: one real Agent (device/agent.ts) that fills its outbox while offline, then connects.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { Agent } from '../../device/agent.js';
import type { AgentConfig } from '../../protocols/index.js';
import { createLogger } from '../../protocols/index.js';
import { EtaDevices, type EtaConnect, type EtaPaced } from './eta-devices.js';
import { gpsFix } from './payload.js';
import { TablaDevice } from './tabla-device.js';
import { now, within } from './util.js';

export type ToChild =
  | { type: 'raw-connect'; url: string; clients: number; payloadBytes: number; window: number }
  | { type: 'tabla-connect'; devices: AgentConfig[]; window: number }
  | { type: 'run'; perClient: number }
  | EtaConnect
  | EtaPaced
  | { type: 'drain-prepare'; config: AgentConfig; records: number }
  | { type: 'drain-go'; timeoutMs: number }
  | { type: 'stop' };

export type FromChild = { type: 'ok'; [k: string]: unknown } | { type: 'error'; message: string };

const send = (m: FromChild) => process.send!(m);

function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 10_000, keepalive: 60, ...opts });
  return within(
    `connect ${opts.clientId}`,
    new Promise<MqttClient>((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
    }),
    20_000,
  );
}

// ---------------------------------------------------------------- raw Aedes publishers

class RawPublisher {
  #target = 0;
  #sent = 0;
  #inflight = 0;
  #done: (() => void) | null = null;
  constructor(
    readonly client: MqttClient,
    readonly topicName: string,
    readonly payload: Buffer,
    readonly window: number,
  ) {}

  run(count: number): Promise<void> {
    this.#target = this.#sent + count;
    return new Promise((resolve) => {
      this.#done = resolve;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inflight < this.window && this.#sent < this.#target) {
      this.#sent++;
      this.#inflight++;
      this.client.publish(this.topicName, this.payload, { qos: 1 }, () => {
        this.#inflight--;
        this.#pump();
      });
    }
    if (this.#sent >= this.#target && this.#inflight === 0 && this.#done) {
      const d = this.#done;
      this.#done = null;
      d();
    }
  }
}

// ---------------------------------------------------------------- main loop

const clients: MqttClient[] = [];
let raw: RawPublisher[] = [];
let devices: TablaDevice[] = [];
let agent: Agent | null = null;
let eta: EtaDevices | null = null;

async function handle(m: ToChild): Promise<Record<string, unknown>> {
  switch (m.type) {
    case 'raw-connect': {
      const payload = Buffer.alloc(m.payloadBytes, 'x');
      const made = await Promise.all(
        Array.from({ length: m.clients }, async (_, i) => {
          const id = `bench-raw-${String(i).padStart(3, '0')}`;
          const c = await connect(m.url, { clientId: id });
          clients.push(c);
          return new RawPublisher(c, `bench/v1/${id}/t/gps`, payload, m.window);
        }),
      );
      raw = made;
      return { clients: raw.length };
    }
    case 'tabla-connect': {
      devices = m.devices.map((config) => new TablaDevice(config, m.window));
      await Promise.all(devices.map((d) => d.start()));
      return { devices: devices.length };
    }
    case 'eta-connect': {
      eta = new EtaDevices(m);
      await eta.start();
      devices = eta.buses;
      return { buses: eta.buses.length, probes: eta.probes.length, displays: eta.displays.length };
    }
    case 'eta-paced': {
      if (!eta) throw new Error('eta-paced before eta-connect');
      return eta.paced(m);
    }
    case 'run': {
      const c0 = process.cpuUsage();
      const t0 = now();
      if (raw.length) await Promise.all(raw.map((p) => p.run(m.perClient)));
      else await Promise.all(devices.map((d) => d.run(m.perClient)));
      const c = process.cpuUsage(c0);
      return {
        elapsedMs: now() - t0,
        cpuUs: c.user + c.system,
        acks: devices.reduce((n, d) => n + d.acks, 0),
        publishErrors: devices.reduce((n, d) => n + d.publishErrors, 0),
        contents: eta?.contents() ?? 0,
      };
    }
    case 'drain-prepare': {
      const log = createLogger(m.config.deviceId, { level: 'error', sink: () => {} });
      agent = new Agent({ config: m.config, log });
      const t0 = now();
      const pending: Promise<number>[] = [];
      for (let i = 0; i < m.records; i++) {
        pending.push(agent.record('gps', gpsFix(i)));
        if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(pending);
      return { depth: agent.outbox.depth(), fillMs: now() - t0 };
    }
    case 'drain-go': {
      const a = agent!;
      const outbox = a.outbox;
      let fleetOnlineAt = 0;
      const start = a.drainer.start.bind(a.drainer);
      a.drainer.start = (epoch, publish) => {
        fleetOnlineAt ||= now();
        start(epoch, publish);
      };
      let resolveEmpty!: () => void;
      const empty = new Promise<void>((r) => (resolveEmpty = r));
      const ack = outbox.ack.bind(outbox);
      const total = outbox.depth();
      let halfAt = 0;
      outbox.ack = (stream, hwm) => {
        const removed = ack(stream, hwm);
        const depth = outbox.depth();
        if (!halfAt && depth <= total / 2) halfAt = now();
        if (depth === 0) resolveEmpty();
        return removed;
      };
      const t0 = now();
      await a.start();
      await within('outbox drained', empty, m.timeoutMs);
      const endAt = now();
      const result = {
        elapsedMs: endAt - t0,
        connectMs: fleetOnlineAt - t0,
        drainMs: endAt - fleetOnlineAt,
        // the second half of the backlog alone: past any initial burst the rate limit allows
        secondHalfPerS: Math.floor(total / 2) / ((endAt - halfAt) / 1000),
        batches: a.drainer.sentBatches,
        sentRecords: a.drainer.sentRecords,
      };
      await a.stop();
      agent = null;
      return result;
    }
    case 'stop': {
      await Promise.all(clients.splice(0).map((c) => c.endAsync().catch(() => {})));
      if (eta) await eta.stop();
      else await Promise.all(devices.splice(0).map((d) => d.link.stop().catch(() => {})));
      eta = null;
      if (agent) await agent.stop();
      setImmediate(() => process.exit(0));
      return {};
    }
  }
}

let chain = Promise.resolve();
process.on('message', (m: ToChild) => {
  chain = chain.then(() =>
    handle(m).then(
      (r) => void send({ type: 'ok', ...r }),
      (err: Error) => void send({ type: 'error', message: err.stack ?? err.message }),
    ),
  );
});
process.on('disconnect', () => process.exit(0));
