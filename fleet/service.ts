/**
 * The fleet service: broker (embedded, or an external one by URL), registry, presence, ingest,
 * commands, desired configs and the HTTP API, in one process with start()/stop().
 *
 * The fleet is a client of the broker like any device — in the embedded case too, over loopback —
 * so one code path serves a town on one machine and a region on a broker cluster.
 */
import type Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, Logger } from '../protocols/index.js';
import {
  Ack,
  Birth,
  CfgReported,
  CmdAck,
  FLEET_SUBSCRIPTIONS,
  FLEET_USERNAME,
  ClockStepDetector,
  FleetState,
  Frame,
  Session,
  State,
  TelemetryBatch,
  createLogger,
  decode,
  encode,
  parseTopic,
  systemClock,
  topic,
} from '../protocols/index.js';
import { EmbeddedBroker } from './broker.js';
import { CommandBook, type CommandRecord } from './commands.js';
import { openFleetDatabase } from './db.js';
import { DeviceConfigs } from './device-config.js';
import { DeviceFaults } from './faults.js';
import { HttpApi } from './http.js';
import { Ingest } from './ingest.js';
import { type FleetLocal, loadOrCreateLocal, writeLocal } from './local.js';
import { Metrics } from './metrics.js';
import { PRESENCES, PresenceTracker } from './presence.js';
import { Registry } from './registry.js';

export const FLEET_VERSION = '0.1.0';

/**
 * Telemetry at QoS 0 between broker and fleet: delivery is made certain end to end (the device
 * keeps every row until the fleet's `ack` after its commit, and resends), so a broker-level PUBACK
 * per record would buy nothing and cost a round of bookkeeping per message. The rest at QoS 1.
 */
function fleetSubscriptions(): Record<string, { qos: 0 | 1 }> {
  return Object.fromEntries(FLEET_SUBSCRIPTIONS.map((f) => [f, { qos: f.endsWith('/t/+') ? 0 : 1 }]));
}

export interface FleetOptions {
  dataDir: string;
  httpHost?: string;
  httpPort?: number;
  mqttHost?: string;
  mqttPort?: number;
  /** Use this broker instead of the embedded one (mqtt://user:pass@host:port; user defaults to `_fleet`). */
  mqttUrl?: string;
  /** Optional TLS listener of the embedded broker. */
  tls?: { port: number; certFile: string; keyFile: string };
  /** The MQTT URL written into provisioned agents' configs (what devices reach us at). */
  publicMqttUrl?: string;
  log?: Logger;
  /** Wall and monotonic time (tests step it). */
  clock?: Clock;
}

export class FleetService {
  readonly options: FleetOptions;
  readonly log: Logger;
  readonly metrics = new Metrics();
  readonly clock: Clock;
  readonly presence: PresenceTracker;
  readonly faults: DeviceFaults;
  readonly db: Database.Database;
  readonly registry: Registry;
  readonly ingest: Ingest;
  readonly commands: CommandBook;
  readonly configs: DeviceConfigs;
  readonly local: FleetLocal;
  broker: EmbeddedBroker | null = null;
  #client: MqttClient | null = null;
  #http: HttpApi | null = null;
  #sweep: NodeJS.Timeout | null = null;
  #clockWatch: NodeJS.Timeout | null = null;
  readonly #steps: ClockStepDetector;
  readonly startedAt: number;
  readonly #startedMono: number;
  readonly version = FLEET_VERSION;
  /** Last outbox depth each device reported in its heartbeat. */
  readonly outboxDepths = new Map<string, number>();
  mqttUrl = '';
  httpUrl = '';

  constructor(options: FleetOptions) {
    this.options = options;
    this.log = options.log ?? createLogger('fleet');
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.#startedMono = this.clock.mono();
    this.#steps = new ClockStepDetector(this.clock);
    this.presence = new PresenceTracker(() => this.clock.mono());
    this.faults = new DeviceFaults(() => this.clock.now());
    this.db = openFleetDatabase(options.dataDir);
    this.local = loadOrCreateLocal(options.dataDir);
    this.registry = new Registry(this.db);
    this.commands = new CommandBook(this.db, () => this.clock.now());
    this.configs = new DeviceConfigs(this.db);
    this.ingest = new Ingest({
      db: this.db,
      metrics: this.metrics,
      publishAck: (id, streams, outbox) => this.#publishAck(id, streams, outbox),
      log: this.log.child('ingest'),
      reportFault: (id, code, message) => this.#fault(id, code, message),
      clock: this.clock,
    });
    this.#defineMetrics();
  }

  get mqttConnected(): boolean {
    return this.#client?.connected ?? false;
  }

  async start(): Promise<void> {
    const o = this.options;
    if (o.mqttUrl) {
      this.mqttUrl = o.mqttUrl;
    } else {
      this.broker = new EmbeddedBroker({
        host: o.mqttHost ?? '127.0.0.1',
        port: o.mqttPort ?? 1883,
        ...(o.tls ? { tls: o.tls } : {}),
        registry: this.registry,
        fleetPassword: this.local.mqttPassword,
        metrics: this.metrics,
        log: this.log.child('broker'),
      });
      await this.broker.start();
      const host = o.mqttHost && o.mqttHost !== '0.0.0.0' && o.mqttHost !== '::' ? o.mqttHost : '127.0.0.1';
      this.mqttUrl = `mqtt://${host.includes(':') ? `[${host}]` : host}:${this.broker.port}`;
      this.log.info('embedded broker listening', { url: this.mqttUrl, ...(this.broker.tlsPort ? { tlsPort: this.broker.tlsPort } : {}) });
    }
    await this.#connect();
    this.#http = new HttpApi(this);
    const port = await this.#http.listen(o.httpPort ?? 8080, o.httpHost ?? '127.0.0.1');
    const httpHost = o.httpHost && o.httpHost !== '0.0.0.0' && o.httpHost !== '::' ? o.httpHost : '127.0.0.1';
    this.httpUrl = `http://${httpHost.includes(':') ? `[${httpHost}]` : httpHost}:${port}`;
    writeLocal(o.dataDir, { ...this.local, httpUrl: this.httpUrl, mqttUrl: this.publicMqttUrl, pid: process.pid });
    this.#sweep = setInterval(() => this.#guard('command sweep', () => this.commands.expire()), 5000);
    this.#sweep.unref();
    this.#clockWatch = setInterval(() => this.#guard('clock watch', () => this.#watchClock()), 1000);
    this.#clockWatch.unref();
    this.log.info('fleet started', { http: this.httpUrl, mqtt: this.mqttUrl });
  }

  /** What devices should connect to (written into provisioned configs). */
  get publicMqttUrl(): string {
    if (this.options.publicMqttUrl) return this.options.publicMqttUrl;
    const u = new URL(this.mqttUrl);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  }

  async stop(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    if (this.#clockWatch) clearInterval(this.#clockWatch);
    await this.#http?.close();
    this.ingest.flush();
    const client = this.#client;
    this.#client = null;
    if (client) {
      if (client.connected) {
        await client
          .publishAsync(topic.fleetState(), encode(FleetState, { v: 1, ts: Date.now(), status: 'offline' }), { qos: 1, retain: true })
          .catch(() => {});
      }
      client.removeAllListeners('error');
      client.on('error', () => {}); // late socket errors of a client we are closing
      await client.endAsync().catch(() => {});
    }
    await this.broker?.stop();
    this.db.close();
    this.log.info('fleet stopped');
  }

  /** Queues a command and sends it now if the device is online. */
  issueCommand(deviceId: string, verb: string, args: Record<string, unknown> = {}, ttlS?: number): CommandRecord {
    const c = this.commands.issue(deviceId, verb, args, ttlS);
    if (this.presence.of(deviceId) === 'online' || this.presence.of(deviceId) === 'stale') this.#sendCommand(c);
    return c;
  }

  /** Stores new desired settings and publishes them retained. */
  setConfig(deviceId: string, settings: unknown): { version: number } {
    const { version, settings: s } = this.configs.setDesired(deviceId, settings);
    this.#publishDesired(deviceId, version, s);
    return { version };
  }

  /** What `/healthz` says: degraded while the broker link is down or ingest is stuck or failing. */
  health() {
    const ingest = this.ingest.health();
    const mqtt = this.mqttConnected;
    return {
      status: mqtt && ingest.status === 'ok' ? ('ok' as const) : ('degraded' as const),
      mqtt: mqtt ? 'connected' : 'disconnected',
      ingest,
      clockSteps: this.#steps.steps,
      uptimeS: Math.round((this.clock.mono() - this.#startedMono) / 1000),
      version: this.version,
    };
  }

  /** Runs one timer's work; a throw is logged with its name and counted, and the timer goes on. */
  #guard(what: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.metrics.inc('tabla_internal_errors_total', { where: what });
      this.log.error(`${what} failed`, { error: (err as Error).message, stack: (err as Error).stack });
    }
  }

  /**
   * A wall-clock step (NTP correction, a resumed VM) is logged and counted; commands waiting for
   * their device keep the lifetime they were given (their expiry moves with the step).
   */
  #watchClock(): void {
    const step = this.#steps.sample();
    if (!step) return;
    this.metrics.inc('tabla_clock_steps_total', { direction: step > 0 ? 'forward' : 'back' });
    const moved = this.commands.shiftPending(step);
    this.log.warn('wall clock stepped', { stepMs: step, commandsShifted: moved });
  }

  #fault(deviceId: string, code: string, message: string): void {
    if (this.faults.raise(deviceId, code, message)) this.log.warn('device fault', { device: deviceId, code, message });
  }

  #defineMetrics(): void {
    const m = this.metrics;
    m.define('tabla_devices', 'gauge', 'Registered devices by derived presence.');
    m.define('tabla_messages_in_total', 'counter', 'Accepted messages from devices, by kind.');
    m.define('tabla_messages_out_total', 'counter', 'Messages the fleet published, by kind.');
    m.define('tabla_messages_refused_total', 'counter', 'Device messages refused (not JSON, schema, size, unknown device), by kind.');
    m.define('tabla_broker_refusals_total', 'counter', 'Connections, publications and subscriptions the broker refused.');
    m.define('tabla_telemetry_records_total', 'counter', 'Telemetry records stored (each once).');
    m.define('tabla_telemetry_duplicates_total', 'counter', 'Telemetry records received again and dropped.');
    m.define('tabla_ingest_errors_total', 'counter', 'Ingest transactions that failed (the devices resend).');
    m.define('tabla_stale_epoch_total', 'counter', 'Presence messages from an older session, ignored.');
    m.define('tabla_outbox_replaced_total', 'counter', 'Streams whose device came back with a new outbox (new SD card); the old records were kept apart.');
    m.define('tabla_outbox_depth', 'gauge', 'Pending records in each device outbox, as last reported.');
    m.define('tabla_outbox_conflicts_total', 'counter', 'Records that differ from what is stored under the same seq (two writers with one outbox identity): not stored, raised as a device fault.');
    m.define('tabla_ingest_parked_total', 'counter', 'Telemetry batches that failed to store on their own: recorded in ingest_parked, not acked.');
    m.define('tabla_internal_errors_total', 'counter', 'Faults inside the fleet (a timer or handler that threw), by where; each is logged with its stack.');
    m.define('tabla_clock_steps_total', 'counter', 'Steps of the wall clock (NTP corrections, resumed VMs), by direction.');
    m.define('tabla_device_faults', 'gauge', 'Open faults of devices a technician must act on, by device and code.');
    m.define('tabla_publish_errors_total', 'counter', 'Commands and desired configs the fleet could not encode (never sent), by kind.');
    m.collect(() => {
      const counts = Object.fromEntries(PRESENCES.map((p) => [p, 0])) as Record<string, number>;
      for (const d of this.registry.list()) counts[this.presence.of(d.id)]!++;
      for (const [p, n] of Object.entries(counts)) m.set('tabla_devices', { presence: p }, n);
      m.reset('tabla_outbox_depth');
      for (const [id, depth] of this.outboxDepths) m.set('tabla_outbox_depth', { device: id }, depth);
      m.reset('tabla_device_faults');
      for (const [id, f] of this.faults.all()) m.set('tabla_device_faults', { device: id, code: f.code }, 1);
    });
  }

  async #connect(): Promise<void> {
    const url = new URL(this.mqttUrl);
    const username = decodeURIComponent(url.username) || FLEET_USERNAME;
    const password = decodeURIComponent(url.password) || this.local.mqttPassword;
    url.username = url.password = '';
    const client = mqtt.connect(url.toString(), {
      clientId: FLEET_USERNAME,
      username,
      password,
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 2000,
      will: { topic: topic.fleetState(), payload: Buffer.from(encode(FleetState, { v: 1, ts: Date.now(), status: 'offline' })), qos: 1, retain: true },
    });
    this.#client = client;
    client.on('message', (t, payload) => {
      try {
        this.#onMessage(t, payload);
      } catch (err) {
        this.log.error('message handling failed', { topic: t, error: (err as Error).message });
        this.metrics.inc('tabla_messages_refused_total', { kind: 'internal' });
      }
    });
    client.on('error', (err) => this.log.warn('mqtt error', { error: err.message }));
    client.on('close', () => this.log.debug('mqtt connection closed'));
    client.on('connect', () => {
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.log.info('connected to broker', { url: url.toString() });
      client.subscribe(fleetSubscriptions(), (err) => {
        if (err) return this.log.error('subscribe failed', { error: err.message });
        const online = encode(FleetState, { v: 1, ts: Date.now(), status: 'online', startedAt: this.startedAt });
        client.publishAsync(topic.fleetState(), online, { qos: 1, retain: true }).catch((e: Error) => this.log.warn('fleet state not published', { error: e.message }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error) => {
        client.off('connect', onOk);
        void client.endAsync(true);
        reject(new Error(`cannot connect to the broker at ${url.toString()}: ${err.message}`));
      };
      const onOk = () => {
        client.off('error', onErr);
        resolve();
      };
      client.once('connect', onOk);
      client.once('error', onErr);
    });
  }

  #refuse(kind: string, deviceId: string, t: string, reason: string): void {
    this.metrics.inc('tabla_messages_refused_total', { kind });
    this.log.warn('message refused', { device: deviceId, topic: t, reason });
  }

  #onMessage(t: string, payload: Buffer): void {
    const parsed = parseTopic(t);
    if (!parsed || parsed.kind === 'fleet-state') return;
    const id = parsed.deviceId;
    if (!this.registry.exists(id)) return this.#refuse('unknown-device', id, t, 'no such device in the registry');
    switch (parsed.kind) {
      case 'birth': {
        const r = decode(Birth, payload);
        if (!r.ok) return this.#refuse('birth', id, t, r.reason);
        if (!this.presence.observe(id, r.value.epoch, 'online', r.value.heartbeatS)) {
          this.metrics.inc('tabla_stale_epoch_total');
          // A late birth of an old session, or a device that lost its epoch (a new SD card): tell it
          // the floor; an agent whose current session this is continues above it.
          const floor = this.presence.epoch(id)!;
          const session: Session = { v: 1, ts: this.clock.now(), refusedEpoch: r.value.epoch, epochFloor: floor };
          this.#publish('session', topic.session(id), encode(Session, session));
          return this.log.info('birth from an older session refused; epoch floor sent', { device: id, epoch: r.value.epoch, floor });
        }
        this.metrics.inc('tabla_messages_in_total', { kind: 'birth' });
        this.registry.recordBirth(id, r.value);
        const cloned = r.value.outbox?.clonedFrom;
        if (cloned) {
          this.#fault(
            id,
            'outbox-conflict',
            `this data directory was copied from another board or path (outbox ${cloned} became ${r.value.outbox!.id}): ` +
              `if the board it came from still runs as ${id}, re-provision one board (each keeps its records apart meanwhile)`,
          );
        }
        this.log.info('device birth', { device: id, epoch: r.value.epoch, role: r.value.role });
        for (const c of this.commands.deliverable(id)) this.#sendCommand(c);
        const cfg = this.configs.get(id);
        if (cfg.desired && cfg.desiredVersion !== r.value.configVersion) this.#publishDesired(id, cfg.desiredVersion, cfg.desired);
        return;
      }
      case 'state': {
        if (payload.length === 0) return; // a retained message being cleared
        const r = decode(State, payload);
        if (!r.ok) return this.#refuse('state', id, t, r.reason);
        if (!this.presence.observe(id, r.value.epoch, r.value.status)) {
          this.metrics.inc('tabla_stale_epoch_total');
          return this.log.info('state from an older session ignored', { device: id, epoch: r.value.epoch, status: r.value.status });
        }
        this.metrics.inc('tabla_messages_in_total', { kind: 'state' });
        this.registry.recordState(id, r.value);
        if (r.value.outbox) this.outboxDepths.set(id, r.value.outbox.depth);
        if (r.value.status === 'offline') this.log.info('device offline', { device: id, epoch: r.value.epoch });
        return;
      }
      case 'telemetry': {
        const r = decode(TelemetryBatch, payload);
        if (!r.ok) return this.#refuse('telemetry', id, t, r.reason);
        this.metrics.inc('tabla_messages_in_total', { kind: 'telemetry' });
        this.presence.touch(id, r.value.epoch);
        this.ingest.accept(id, parsed.stream, r.value);
        return;
      }
      case 'cmd-ack': {
        const r = decode(CmdAck, payload);
        if (!r.ok) return this.#refuse('cmd-ack', id, t, r.reason);
        this.metrics.inc('tabla_messages_in_total', { kind: 'cmd-ack' });
        const c = this.commands.acknowledge(id, r.value);
        if (!c) return this.#refuse('cmd-ack', id, t, `no command ${r.value.cmdId} for this device`);
        return;
      }
      case 'cfg-reported': {
        const r = decode(CfgReported, payload);
        if (!r.ok) return this.#refuse('cfg-reported', id, t, r.reason);
        this.metrics.inc('tabla_messages_in_total', { kind: 'cfg-reported' });
        this.configs.recordReported(id, r.value);
        if (r.value.rejected) this.log.warn('device rejected its config', { device: id, ...r.value.rejected });
        return;
      }
      case 'frame': {
        const r = decode(Frame, payload);
        if (!r.ok) return this.#refuse('frame', id, t, r.reason);
        this.metrics.inc('tabla_messages_in_total', { kind: 'frame' });
        this.registry.recordFrame(id, r.value);
        return;
      }
      default:
        return;
    }
  }

  #publish(kind: string, t: string, payload: string, retain = false, qos: 0 | 1 = 1): void {
    const client = this.#client;
    if (!client) return;
    this.metrics.inc('tabla_messages_out_total', { kind });
    client.publish(t, payload, { qos, retain }, (err) => {
      if (err) this.log.warn('publish failed', { topic: t, error: err.message });
    });
  }

  /** Acks are ours and simple: built without a schema pass (the device still validates them). */
  #publishAck(deviceId: string, streams: Record<string, number>, outbox?: string): void {
    const ack: Ack = { v: 1, ts: this.clock.now(), streams, ...(outbox ? { outbox } : {}) };
    this.#publish('ack', topic.ack(deviceId), JSON.stringify(ack), false, 0);
  }

  /**
   * Never throws: a command that cannot be encoded (too big, or invalid — rows stored by older
   * versions) ends `failed` instead of blocking every command queued after it.
   */
  #sendCommand(c: CommandRecord): void {
    let payload: string;
    try {
      payload = this.commands.payload(c);
    } catch (err) {
      const reason = (err as Error).message;
      this.metrics.inc('tabla_publish_errors_total', { kind: 'cmd' });
      this.log.error('command cannot be sent', { device: c.deviceId, cmdId: c.cmdId, verb: c.verb, error: reason });
      this.commands.fail(c.cmdId, `cannot be sent: ${reason}`);
      return;
    }
    this.#publish('cmd', topic.cmd(c.deviceId, c.verb), payload);
  }

  /** Never throws: a desired config that cannot be encoded is logged and counted, and stays unsent. */
  #publishDesired(deviceId: string, version: number, settings: Record<string, unknown>): void {
    let payload: string;
    try {
      payload = this.configs.payload(version, settings);
    } catch (err) {
      this.metrics.inc('tabla_publish_errors_total', { kind: 'cfg' });
      this.log.error('desired config cannot be sent', { device: deviceId, version, error: (err as Error).message });
      return;
    }
    this.#publish('cfg', topic.cfgDesired(deviceId), payload, true);
  }
}
