/**
 * The edge agent: the common core every role shares (outbox, link, heartbeat, commands, desired
 * config) and the role's modules (device/roles.ts), each with start()/stop(), one context and its
 * own status in the heartbeat. The modules run in device/module-host.ts: a module that fails is
 * reported and restarted with backoff; it never takes the agent down.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { AgentConfig, CmdAck, Clock, DeviceSettings, Logger, ModuleStatus } from '../protocols/index.js';
import { Ack, Birth, CfgDesired, CfgReported, ClockStepDetector, Content, Frame, Session, State } from '../protocols/index.js';
import { CONTENT_READS, createLogger, decode, encode, parseTopic, systemClock, topic } from '../protocols/index.js';
import { createBoard } from '../hardware/board/board.js';
import { driversFrom } from './hardware.js';
import { Commands } from './commands.js';
import { registerCoreVerbs } from './core-verbs.js';
import { Heartbeat } from './heartbeat.js';
import { readCrashCount } from './crash.js';
import { DiskReserve, openOnAnyDisk } from './disk-reserve.js';
import { LogRing, type LogRingOptions, ringLogger } from './log-ring.js';
import { LogShipper, type LogShipOptions } from './log-ship.js';
import { Drainer } from './drain.js';
import { Link, type LinkSession } from './link.js';
import { Maintenance } from './maintenance.js';
import type { AnyAgentModule, FrameReport, ModuleDrivers } from './module.js';
import { ModuleHost, type ModuleRestartPolicy } from './module-host.js';
import { Outbox } from './outbox.js';
import { AppliedSettings } from './settings.js';
import { AgentStore } from './store.js';

export type { AgentContext, AgentModule } from './module.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  config: AgentConfig;
  /** The role's modules (device/roles.ts `modulesFor`); none by default. */
  modules?: AnyAgentModule[];
  /** What the modules get as hardware; by default the board's own health. */
  drivers?: Partial<ModuleDrivers>;
  /** How failed modules are restarted (default 1 s doubling to 5 min, jittered; tests shorten it). */
  moduleRestart?: Partial<ModuleRestartPolicy>;
  log?: Logger;
  /** Called after a `restart` command has been acknowledged; the process supervisor restarts us. */
  onRestart?: () => void;
  /** Called on `identify` (a display flashes, a sign shows its id); the default only logs. */
  onIdentify?: () => Promise<void> | void;
  /** Wall and monotonic time (tests step it). */
  clock?: Clock;
  /** How often the agent looks after itself (maintenance.ts; default 10 s; tests shorten it). */
  maintenanceMs?: number;
  /** The log ring's bounds and level (device/log-ring.ts) and how it ships (device/log-ship.ts). */
  logRing?: Partial<LogRingOptions>;
  logShip?: Partial<LogShipOptions>;
}

/** How often the agent looks after itself (clock steps, a full disk healing); TTL expiry every 6th time. */
const MAINTENANCE_MS = 10_000;

export class Agent {
  readonly config: AgentConfig;
  readonly log: Logger;
  readonly store: AgentStore;
  readonly outbox: Outbox;
  readonly drainer: Drainer;
  readonly link: Link;
  readonly commands: Commands;
  /** Every line this agent logs (at info and above), kept in its database across restarts. */
  readonly logRing: LogRing;
  readonly #logShipper: LogShipper;
  readonly #db: Database.Database;
  readonly #options: AgentOptions;
  readonly #modules: ModuleHost;
  readonly #status = new Map<string, ModuleStatus>();
  readonly #board: ModuleDrivers['board'];
  readonly #settings: AppliedSettings;
  /** What the display shows now (a module's last frame), sent again on each session. */
  #frame: Frame | null = null;
  #session: LinkSession | null = null;
  readonly #heartbeat: Heartbeat;
  readonly #maintenance: Maintenance;
  readonly #clock: Clock;
  readonly #steps: ClockStepDetector;
  /** Uncaught exceptions that stopped this agent before (device/crash.ts), as of this start. */
  readonly #crashes: number;
  #restartPending = false;
  #stopping: Promise<void> | null = null;
  /** Messages refused at this border (bad payloads), by reason kind. */
  refused = 0;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.config = options.config;
    const consoleLog = options.log ?? createLogger(options.config.deviceId, { level: options.config.settings.logLevel });
    // The ring's own trouble goes to the console only: a full disk must not log into the ring.
    this.logRing = new LogRing(options.logRing, consoleLog.child('log-ring'));
    this.log = ringLogger(consoleLog, this.logRing);
    this.#clock = options.clock ?? systemClock;
    this.#steps = new ClockStepDetector(this.#clock);
    this.#crashes = readCrashCount(options.config.dataDir).count;
    const dataDir = this.config.dataDir;
    const reserve = new DiskReserve(dataDir);
    this.#board = options.drivers?.board ?? createBoard({ kind: 'linux', dataDir });
    const opened = openOnAnyDisk(path.join(dataDir, 'agent.db'), this.config.outbox.synchronous, reserve, this.log);
    this.#db = opened.db;
    this.logRing.open(this.#db);
    this.store = new AgentStore(this.#db);
    this.outbox = new Outbox(this.#db, {
      config: this.config.outbox,
      clock: this.#clock,
      // Healed only with room for the reserve again (disk-reserve.ts).
      freeBytes: () => reserve.spare(),
      onStorageTrouble: () => this.#maintenance.release(),
      home: `${this.#board.serial()}:${fs.realpathSync(dataDir)}`,
    });
    if (opened.trouble) this.outbox.storageFailed(opened.trouble);
    this.#maintenance = new Maintenance({
      outbox: this.outbox,
      reserve,
      steps: this.#steps,
      log: this.log,
      setOutboxStatus: (status, error) => this.#setStatus('outbox', status, error),
    });
    if (this.outbox.replaced) {
      this.log.warn('this data directory was made on another board or path (a cloned or moved SD card): new outbox identity', {
        was: this.outbox.replaced,
        now: this.outbox.id,
      });
    }
    this.drainer = new Drainer(this.outbox, this.config.outbox.drain, () => this.#clock.mono());
    this.commands = new Commands(this.store, this.log.child('cmd'), () => this.#clock.now());
    this.#settings = new AppliedSettings(this.store, this.config.settings, this.log);
    this.log.level = this.settings.logLevel;
    this.#heartbeat = new Heartbeat(() => void this.#publish(topic.state(this.config.deviceId), encode(State, this.state()), { retain: true }), this.log);
    this.link = new Link(this.config, () => this.store.nextEpoch(), this.#linkHandlers(), this.log.child('link'));
    this.#registerCommands();
    this.#logShipper = new LogShipper({
      ring: this.logRing,
      record: (data, ts) => this.record('log', data, ts),
      now: () => this.#clock.now(),
      mono: () => this.#clock.mono(),
      log: consoleLog.child('log-ship'),
      ...(options.logShip ? { options: options.logShip } : {}),
    });
    this.#logShipper.register(this.commands);
    this.#modules = new ModuleHost({
      modules: options.modules ?? [],
      device: { id: this.config.deviceId, role: this.config.role, ...(this.config.site ? { site: this.config.site } : {}) },
      log: this.log,
      db: this.#db,
      commands: this.commands,
      drivers: { ...driversFrom(this.config.hardware, this.log), ...options.drivers, board: this.#board },
      settings: this.settings.modules,
      record: (stream, data, ts) => this.record(stream, data, ts),
      publishFrame: (frame) => this.#publishFrame(frame),
      setStatus: (name, status, error, failures, display) => this.#setStatus(name, status, error, failures, display),
      fleetOnline: () => this.#session !== null && this.link.fleetOnline,
      mono: () => this.#clock.mono(),
      ...(options.moduleRestart ? { restart: options.moduleRestart } : {}),
    });
  }

  get settings(): DeviceSettings {
    return this.#settings.current;
  }

  get settingsVersion(): number {
    return this.#settings.version;
  }

  async start(): Promise<void> {
    this.#setStatus('outbox', 'ok');
    this.#setStatus('link', 'starting');
    await this.#modules.start();
    this.#maintenance.start(this.#options.maintenanceMs ?? MAINTENANCE_MS);
    this.link.start();
    this.log.info('agent started', { role: this.config.role, depth: this.outbox.depth() });
  }

  /** Stops once; a second call waits for the first. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#maintenance.stop();
    this.#heartbeat.stop();
    await this.#modules.stop();
    this.drainer.stop();
    await this.link.stop();
    this.#logShipper.stop();
    this.logRing.close();
    this.outbox.close();
    this.#db.close();
  }

  record(stream: string, data: unknown, ts?: number): Promise<number> {
    return this.outbox.append(stream, data, ts);
  }

  /** What the heartbeat reports now. */
  state(status: 'online' | 'offline' = 'online'): State {
    const trouble = this.outbox.trouble();
    this.#setStatus('outbox', trouble ? 'degraded' : 'ok', trouble ?? undefined);
    return {
      v: 1,
      epoch: this.link.epoch || 1,
      ts: this.#clock.now(),
      status,
      health: this.#board.health(),
      outbox: this.outbox.stats(),
      modules: Object.fromEntries(this.#status),
      ...(this.#steps.steps ? { clock: { steps: this.#steps.steps, lastStepMs: this.#steps.lastStepMs } } : {}),
      ...(this.#crashes ? { crashes: this.#crashes } : {}),
    };
  }

  #setStatus(name: string, status: ModuleStatus['status'], error?: string, failures?: number, display?: ModuleStatus['display']): void {
    this.#status.set(name, { status, ...(error ? { error: error.slice(0, 500) } : {}), ...(failures ? { failures } : {}), ...(display ? { display } : {}) });
  }

  /** A module's frame: published now if there is a link (dropped quietly if not), and again on each session. */
  async #publishFrame(report: FrameReport): Promise<boolean> {
    let payload: string;
    try {
      const frame: Frame = {
        v: 1,
        ts: this.#clock.now(),
        kind: report.kind,
        summary: report.summary,
        ...(report.hash ? { hash: report.hash } : {}),
        ...(report.image ? { image: report.image } : {}),
      };
      payload = encode(Frame, frame, 'frame');
      this.#frame = frame;
    } catch (err) {
      this.log.warn('frame not published', { kind: report.kind, error: (err as Error).message });
      return false;
    }
    if (!this.#session || !this.link.fleetOnline) return false;
    await this.#publish(topic.frame(this.config.deviceId), payload, { qos: 1 });
    return true;
  }

  #publish(topicName: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void> {
    const session = this.#session;
    if (!session) return Promise.resolve();
    return session.publish(topicName, payload, options).catch((err: Error) => {
      this.log.warn('publish failed', { topic: topicName, error: err.message });
    });
  }

  #linkHandlers() {
    return {
      onSession: (session: LinkSession) => {
        this.#session = session;
        this.#setStatus('link', 'degraded', 'waiting for the fleet');
        this.#announce(session.epoch);
      },
      onFleet: (online: boolean) => {
        if (online && this.#session) {
          this.#setStatus('link', 'ok');
          this.#heartbeat.beat(); // so the fleet sees the link ok now, not one heartbeat later
          if (this.#frame) void this.#publish(topic.frame(this.config.deviceId), encode(Frame, this.#frame), { qos: 1 });
          const id = this.config.deviceId;
          const session = this.#session;
          this.drainer.start(session.epoch, (stream, payload) => {
            void this.#publish(topic.telemetry(id, stream), payload);
          });
        } else {
          this.drainer.stop();
          if (this.#session) this.#setStatus('link', 'degraded', 'fleet offline');
        }
      },
      onMessage: (topicName: string, payload: Buffer) => {
        void this.#onMessage(topicName, payload).catch((err) => this.log.error('message handling failed', { error: err.message }));
      },
      onDown: () => {
        this.#session = null;
        this.#heartbeat.stop();
        this.drainer.stop();
        this.#setStatus('link', 'degraded', 'disconnected');
      },
    };
  }

  async #onMessage(topicName: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topicName);
    if (!parsed || !('deviceId' in parsed) || parsed.deviceId !== this.config.deviceId) return;
    switch (parsed.kind) {
      case 'ack': {
        const ack = decode(Ack, payload);
        if (!ack.ok) return this.#refuse(topicName, ack.reason);
        if (ack.value.outbox && ack.value.outbox !== this.outbox.id) return; // another board's marks (a clone's)
        this.drainer.onAck(ack.value.streams);
        return;
      }
      case 'cmd': {
        await this.commands.handle(parsed.verb, payload, (a: CmdAck) => this.#publish(topic.cmdAck(this.config.deviceId), JSON.stringify(a)));
        if (this.#restartPending) {
          this.#restartPending = false;
          this.log.warn('restarting on command');
          this.#options.onRestart?.();
        }
        return;
      }
      case 'cfg-desired': {
        const desired = decode(CfgDesired, payload);
        if (!desired.ok) return this.#refuse(topicName, desired.reason);
        return this.#applyDesired(desired.value);
      }
      case 'session': {
        const session = decode(Session, payload);
        if (!session.ok) return this.#refuse(topicName, session.reason);
        const { refusedEpoch, epochFloor } = session.value;
        // Only about this session: a late answer to an older one changes nothing.
        if (refusedEpoch !== this.link.epoch || epochFloor < refusedEpoch) return;
        this.log.warn('the fleet knows newer sessions of this device (a new SD card?): continuing above them', { epoch: refusedEpoch, floor: epochFloor });
        this.store.raiseEpoch(epochFloor);
        this.link.renew();
        return;
      }
      case 'content': {
        const content = decode(Content, payload);
        if (!content.ok) return this.#refuse(topicName, content.reason);
        const outcome = this.#modules.content(content.value.kind, content.value.body);
        if ('refused' in outcome) return this.#refuse(topicName, `${content.value.kind}: ${outcome.refused}`);
        if (!outcome.delivered) this.log.debug('content for no running module', { kind: content.value.kind });
        return;
      }
      default:
        return;
    }
  }

  #refuse(topicName: string, reason: string): void {
    this.refused++;
    this.log.warn('message refused', { topic: topicName, reason });
  }

  /** Validates, stores and applies desired settings as one step (settings.ts); a bad one leaves the old in force. */
  async #applyDesired(desired: CfgDesired): Promise<void> {
    const report = (extra: Partial<CfgReported> = {}) =>
      void this.#publish(
        topic.cfgReported(this.config.deviceId),
        encode(CfgReported, { v: 1, ts: Date.now(), version: this.settingsVersion, ...extra }),
        { retain: true },
      );
    const outcome = this.#settings.take(desired, (s) => this.#modules.check(s.modules));
    if (outcome.kind === 'rejected') return report({ rejected: { version: desired.version, error: outcome.error } });
    if (outcome.kind === 'applied') {
      this.log.level = outcome.settings.logLevel;
      if (outcome.settings.heartbeatS !== outcome.previous.heartbeatS && this.#session) this.#heartbeat.start(this.settings.heartbeatS);
    }
    report();
    if (outcome.kind === 'applied') await this.#modules.applySettings(outcome.settings.modules);
  }

  #registerCommands(): void {
    registerCoreVerbs(this.commands, {
      deviceId: this.config.deviceId,
      log: this.log,
      ping: () => ({ depth: this.outbox.depth(), epoch: this.link.epoch }),
      identify: async () => {
        await this.#modules.identify(); // each module's own, its errors contained
        await this.#options.onIdentify?.();
      },
      rebirth: () => {
        if (this.#session) this.#announce(this.#session.epoch);
        return { epoch: this.link.epoch };
      },
      restart: this.#options.onRestart ? () => void (this.#restartPending = true) : null,
    });
  }

  /** Birth, then a heartbeat at once and on the heartbeat interval. */
  #announce(epoch: number): void {
    const birth: Birth = {
      v: 1,
      epoch,
      ts: Date.now(),
      role: this.config.role,
      ...(this.config.site ? { site: this.config.site } : {}),
      versions: { agent: AGENT_VERSION, node: process.version },
      heartbeatS: this.settings.heartbeatS,
      configVersion: this.settingsVersion,
      outbox: { id: this.outbox.id, ...(this.outbox.replaced ? { clonedFrom: this.outbox.replaced } : {}) },
      verbs: this.commands.verbs(),
      reads: Object.fromEntries(Object.entries(CONTENT_READS).map(([kind, fields]) => [kind, [...fields]])),
    };
    void this.#publish(topic.birth(this.config.deviceId), encode(Birth, birth));
    this.#heartbeat.beat();
    this.#heartbeat.start(this.settings.heartbeatS);
  }
}
