/**
 * The fleet service, as wiring: the broker (embedded, or an external one by URL), the fleet's own
 * MQTT link, the registry, presence, ingest, commands, desired configs, the HTTP API and the
 * engines, in one process with start()/stop(). What each part does lives in its own file; device
 * messages go through the handler table (handlers.ts), HTTP through the route table (http/),
 * features through engines on the bus (engines/).
 *
 * The fleet reaches its broker through one interface (link.ts FleetConnection): as an MQTT client
 * like any device for an external broker (a region on a broker cluster), in this process for the
 * embedded one (a town on one machine: one MQTT hop per message instead of two).
 */
import type Database from 'better-sqlite3';
import type { Clock, Logger } from '../protocols/index.js';
import { ClockStepDetector, createLogger, systemClock } from '../protocols/index.js';
import { EmbeddedBroker } from './broker.js';
import { FleetBus } from './bus.js';
import { CommandBook, type CommandRecord } from './commands.js';
import { openFleetDatabase } from './db.js';
import { DeviceConfigs } from './device-config.js';
import { EngineHost, type FleetEngine } from './engines/engine.js';
import { defaultEngines } from './engines/index.js';
import { DeviceFaults } from './faults.js';
import { type HandlerContext, defineHandlerMetrics, dispatch } from './handlers.js';
import { HttpApi } from './http/router.js';
import { type ApiContext, commandRoutes, configRoutes, deviceRoutes, serviceRoutes } from './http/routes.js';
import { Ingest } from './ingest.js';
import { FleetLink, type FleetConnection } from './link.js';
import { LocalFleetLink } from './link-local.js';
import { type FleetLocal, loadOrCreateLocal, writeLocal } from './local.js';
import { Metrics } from './metrics.js';
import { Outgoing } from './outgoing.js';
import { PRESENCES, type Presence, PresenceTracker } from './presence.js';
import { Registry } from './registry.js';

export const FLEET_VERSION = '0.1.0';

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
  /** The engines to run (default: engines/index.ts). */
  engines?: FleetEngine[];
  /**
   * How the fleet reaches its embedded broker: 'local' (default), in this process; 'mqtt', as a
   * loopback MQTT client like any device (TABLA_FLEET_LINK=mqtt). An external broker is always 'mqtt'.
   */
  link?: 'local' | 'mqtt';
}

/** A `0.0.0.0` or `::` listener is reached on loopback from here. */
function reachable(host: string | undefined): string {
  const h = host && host !== '0.0.0.0' && host !== '::' ? host : '127.0.0.1';
  return h.includes(':') ? `[${h}]` : h;
}

export class FleetService {
  readonly options: FleetOptions;
  readonly log: Logger;
  readonly metrics = new Metrics();
  readonly clock: Clock;
  readonly bus: FleetBus;
  readonly presence: PresenceTracker;
  readonly faults: DeviceFaults;
  readonly db: Database.Database;
  readonly registry: Registry;
  readonly ingest: Ingest;
  readonly commands: CommandBook;
  readonly configs: DeviceConfigs;
  readonly local: FleetLocal;
  readonly outgoing: Outgoing;
  readonly http: HttpApi;
  readonly engines: EngineHost;
  broker: EmbeddedBroker | null = null;
  #link: FleetConnection | null = null;
  #timers: NodeJS.Timeout[] = [];
  readonly #steps: ClockStepDetector;
  /** Derived presence as last seen by the sweep, to emit `presence-changed` when time alone changes it (stale). */
  readonly #lastPresence = new Map<string, Presence>();
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
    this.bus = new FleetBus(this.log.child('bus'), this.metrics);
    this.presence = new PresenceTracker(() => this.clock.mono());
    this.faults = new DeviceFaults(() => this.clock.now());
    this.db = openFleetDatabase(options.dataDir);
    this.local = loadOrCreateLocal(options.dataDir);
    this.registry = new Registry(this.db);
    this.commands = new CommandBook(this.db, () => this.clock.now());
    this.commands.onChange((command) => this.bus.emit('command-changed', { command }));
    this.configs = new DeviceConfigs(this.db);
    this.outgoing = new Outgoing({
      publish: (t, payload, o) => this.#link?.publish(t, payload, o),
      metrics: this.metrics,
      log: this.log,
      clock: this.clock,
      commands: this.commands,
      configs: this.configs,
    });
    this.ingest = new Ingest({
      db: this.db,
      metrics: this.metrics,
      publishAck: (id, streams, outbox) => this.outgoing.ack(id, streams, outbox),
      log: this.log.child('ingest'),
      reportFault: (id, code, message) => this.#fault(id, code, message),
      committed: { wants: () => this.bus.wants('telemetry-committed'), emit: (e) => this.bus.emit('telemetry-committed', e) },
      clock: this.clock,
    });
    this.http = new HttpApi({ adminToken: () => this.local.adminToken, log: this.log });
    const api = this.#apiContext();
    for (const add of [serviceRoutes, deviceRoutes, commandRoutes, configRoutes]) add(this.http, api);
    this.engines = new EngineHost({
      db: this.db,
      dataDir: options.dataDir,
      bus: this.bus,
      log: this.log.child('engine'),
      clock: this.clock,
      routes: this.http,
      metrics: this.metrics,
      devices: { get: (id) => this.registry.get(id), list: () => this.registry.list(), presence: (id) => this.presence.of(id) },
      publishContent: (id, kind, body) => this.outgoing.content(id, kind, body),
    });
    this.#defineMetrics();
  }

  get mqttConnected(): boolean {
    return this.#link?.connected ?? false;
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
      this.mqttUrl = `mqtt://${reachable(o.mqttHost)}:${this.broker.port}`;
      this.log.info('embedded broker listening', { url: this.mqttUrl, ...(this.broker.tlsPort ? { tlsPort: this.broker.tlsPort } : {}) });
    }
    for (const engine of o.engines ?? defaultEngines()) await this.engines.start(engine);
    const handlers = this.#handlerContext();
    const onMessage = (t: string, payload: Buffer) => dispatch(handlers, t, payload);
    // With its own broker the fleet attaches in process (link-local.ts); TABLA_FLEET_LINK=mqtt makes
    // it a loopback client like any device, as it is of an external broker.
    this.#link =
      this.broker && o.link !== 'mqtt'
        ? new LocalFleetLink({ broker: this.broker, startedAt: this.startedAt, clock: this.clock, log: this.log, onMessage })
        : new FleetLink({ url: this.mqttUrl, password: this.local.mqttPassword, startedAt: this.startedAt, clock: this.clock, log: this.log, onMessage });
    await this.#link.connect();
    const port = await this.http.listen(o.httpPort ?? 8080, o.httpHost ?? '127.0.0.1');
    this.httpUrl = `http://${reachable(o.httpHost)}:${port}`;
    writeLocal(o.dataDir, { ...this.local, httpUrl: this.httpUrl, mqttUrl: this.publicMqttUrl, pid: process.pid });
    this.#every(5000, 'sweep', () => this.#sweep());
    this.#every(1000, 'clock watch', () => this.#watchClock());
    this.log.info('fleet started', { http: this.httpUrl, mqtt: this.mqttUrl, engines: this.engines.running });
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
    for (const t of this.#timers.splice(0)) clearInterval(t);
    await this.http.close();
    this.ingest.flush();
    await this.engines.stop();
    await this.#link?.close();
    this.#link = null;
    await this.broker?.stop();
    this.db.close();
    this.log.info('fleet stopped');
  }

  /** Queues a command and sends it now if the device is online. */
  issueCommand(deviceId: string, verb: string, args: Record<string, unknown> = {}, ttlS?: number): CommandRecord {
    const c = this.commands.issue(deviceId, verb, args, ttlS);
    const presence = this.presence.of(deviceId);
    if (presence === 'online' || presence === 'stale') this.outgoing.command(c);
    return c;
  }

  /** Stores new desired settings and publishes them retained. */
  setConfig(deviceId: string, settings: unknown): { version: number } {
    const { version, settings: s } = this.configs.setDesired(deviceId, settings);
    this.outgoing.desired(deviceId, version, s);
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
      engines: this.engines.running,
      clockSteps: this.#steps.steps,
      uptimeS: Math.round((this.clock.mono() - this.#startedMono) / 1000),
      version: this.version,
    };
  }

  #apiContext(): ApiContext {
    return {
      log: this.log,
      metrics: this.metrics,
      registry: this.registry,
      presence: this.presence,
      faults: this.faults,
      commands: this.commands,
      configs: this.configs,
      ingest: this.ingest,
      issueCommand: (id, verb, args, ttlS) => this.issueCommand(id, verb, args, ttlS),
      setConfig: (id, settings) => this.setConfig(id, settings),
      health: () => this.health(),
      publicMqttUrl: () => this.publicMqttUrl,
      fleetMqttPassword: () => this.local.mqttPassword,
    };
  }

  #handlerContext(): HandlerContext {
    return {
      log: this.log,
      metrics: this.metrics,
      clock: this.clock,
      bus: this.bus,
      presence: this.presence,
      registry: this.registry,
      ingest: this.ingest,
      commands: this.commands,
      configs: this.configs,
      outgoing: this.outgoing,
      fault: (id, code, message) => this.#fault(id, code, message),
      outboxDepths: this.outboxDepths,
    };
  }

  /** Runs `work` every `ms`; a throw is logged with its name and counted, and the timer goes on. */
  #every(ms: number, what: string, work: () => void): void {
    const timer = setInterval(() => {
      try {
        work();
      } catch (err) {
        this.metrics.inc('tabla_internal_errors_total', { where: what });
        this.log.error(`${what} failed`, { error: (err as Error).message, stack: (err as Error).stack });
      }
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Commands past their expiry; presence that time alone changed (a device gone silent is stale). */
  #sweep(): void {
    this.commands.expire();
    if (!this.bus.wants('presence-changed')) return;
    for (const d of this.registry.list()) {
      const now = this.presence.of(d.id);
      const before = this.#lastPresence.get(d.id);
      this.#lastPresence.set(d.id, now);
      if (before !== undefined && before !== now) this.bus.emit('presence-changed', { deviceId: d.id, presence: now, previous: before });
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
    defineHandlerMetrics(m);
    m.define('tabla_devices', 'gauge', 'Registered devices by derived presence.');
    m.define('tabla_broker_refusals_total', 'counter', 'Connections, publications and subscriptions the broker refused.');
    m.define('tabla_telemetry_records_total', 'counter', 'Telemetry records stored (each once).');
    m.define('tabla_telemetry_duplicates_total', 'counter', 'Telemetry records received again and dropped.');
    m.define('tabla_ingest_errors_total', 'counter', 'Ingest transactions that failed (the devices resend).');
    m.define('tabla_outbox_replaced_total', 'counter', 'Streams whose device came back with a new outbox (new SD card); the old records were kept apart.');
    m.define('tabla_outbox_depth', 'gauge', 'Pending records in each device outbox, as last reported.');
    m.define('tabla_outbox_conflicts_total', 'counter', 'Records that differ from what is stored under the same seq (two writers with one outbox identity): not stored, raised as a device fault.');
    m.define('tabla_ingest_parked_total', 'counter', 'Telemetry batches that failed to store on their own: recorded in ingest_parked, not acked.');
    m.define('tabla_internal_errors_total', 'counter', 'Faults inside the fleet (a timer or handler that threw), by where; each is logged with its stack.');
    m.define('tabla_clock_steps_total', 'counter', 'Steps of the wall clock (NTP corrections, resumed VMs), by direction.');
    m.define('tabla_device_faults', 'gauge', 'Open faults of devices a technician must act on, by device and code.');
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
}
