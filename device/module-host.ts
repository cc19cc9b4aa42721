/**
 * Runs the role's modules: gives each its context (device/module.ts), routes content to the
 * modules that declared its kind, hands them their settings sections, and contains their faults.
 *
 * A module fails when its start() throws, when it calls `ctx.fail(err)`, or when what it handed us
 * (a verb, a timer, onContent, onSettings, identify) throws three times in a row. A failed module
 * is stopped (its verbs and timers go, its signal aborts), marked `failed` in the heartbeat and
 * started again after an exponential, jittered backoff (1 s doubling to 5 min; back to 1 s once a
 * run has lasted a minute). Nothing it does takes the agent down (zigbee2mqtt wraps its extensions'
 * listeners the same way; signalk-server #121 is what happens otherwise).
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { DeviceSettings, Logger, ModuleStatus, Role } from '../protocols/index.js';
import { NAME_PATTERN, decodeContent, decodeRecord, formatIssues } from '../protocols/index.js';
import { CommandRejected, type CommandHandler, type Commands } from './commands.js';
import { reconnectDelay } from './link.js';
import { moduleDatabase } from './module-db.js';
import type { AgentContext, AnyAgentModule, DisplayStats, FrameReport, ModuleDrivers } from './module.js';

/** Errors in a row from a module's handlers (verbs, timers, content, settings, identify) that fail it. */
export const HANDLER_FAILURE_LIMIT = 3;

export interface ModuleRestartPolicy {
  /** First delay before a restart (ms); doubles with each failure in a row. */
  minMs: number;
  maxMs: number;
  /** A run that lasted this long before failing starts the backoff again from minMs. */
  stableMs: number;
  random: () => number;
}

export const DEFAULT_RESTART: ModuleRestartPolicy = { minMs: 1000, maxMs: 5 * 60_000, stableMs: 60_000, random: Math.random };

export interface ModuleHostOptions {
  modules: readonly AnyAgentModule[];
  device: { id: string; role: Role; site?: string };
  log: Logger;
  db: Database.Database;
  commands: Commands;
  drivers: ModuleDrivers;
  /** The `modules` part of the settings in force. */
  settings: DeviceSettings['modules'];
  record(stream: string, data: unknown, ts?: number): Promise<number>;
  publishFrame(frame: FrameReport): Promise<boolean>;
  /** A module's status in the heartbeat; `display` for a module that drives a display (ctx.setDisplayStats). */
  setStatus(name: string, status: ModuleStatus['status'], error?: string, failures?: number, display?: DisplayStats): void;
  /** Whether the fleet can be heard now (connected, the fleet service online); false when not given. */
  fleetOnline?(): boolean;
  /** Monotonic milliseconds. */
  mono(): number;
  restart?: Partial<ModuleRestartPolicy>;
}

/** One start of a module; a restart makes a new one, and whatever still holds the old one is ignored. */
interface Run {
  readonly controller: AbortController;
  readonly verbs: Set<string>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly startedAt: number;
  started: boolean;
}

interface Slot {
  readonly module: AnyAgentModule;
  readonly name: string;
  section: unknown;
  status: ModuleStatus['status'];
  /** The error given with `status` (not the derived `last failure: …`). */
  error: string | undefined;
  run: Run | null;
  /** The last run's stop(), which a restart waits for. */
  stopped: Promise<boolean>;
  /** Content deliveries, one at a time and in order. */
  inbox: Promise<void>;
  restart: NodeJS.Timeout | null;
  failures: number;
  attempt: number;
  lastFailure: string | null;
  handlerErrors: number;
  /** The display's refresh counts, once the module reported them (kept across restarts, like `failures`). */
  display: DisplayStats | undefined;
}

export type ContentOutcome = { delivered: number } | { refused: string };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class ModuleHost {
  readonly #o: ModuleHostOptions;
  readonly #policy: ModuleRestartPolicy;
  readonly #slots: Slot[];
  readonly #verbOwners = new Map<string, string>();
  /** The latest body of each kind, for a module that (re)starts after it came. */
  readonly #latest = new Map<string, unknown>();
  #settings: Record<string, unknown>;
  #stopping = false;

  constructor(options: ModuleHostOptions) {
    this.#o = options;
    this.#policy = { ...DEFAULT_RESTART, ...options.restart };
    this.#settings = options.settings;
    const names = new Set<string>();
    this.#slots = options.modules.map((module) => {
      if (!NAME_PATTERN.test(module.name)) throw new Error(`module name ${JSON.stringify(module.name)} must match ${NAME_PATTERN}`);
      if (names.has(module.name)) throw new Error(`two modules are named ${module.name}`);
      names.add(module.name);
      return {
        module,
        name: module.name,
        section: undefined,
        status: 'stopped',
        error: undefined,
        run: null,
        stopped: Promise.resolve(true),
        inbox: Promise.resolve(),
        restart: null,
        failures: 0,
        attempt: 0,
        lastFailure: null,
        handlerErrors: 0,
        display: undefined,
      };
    });
  }

  get names(): string[] {
    return this.#slots.map((s) => s.name);
  }

  /** Starts every module in turn; one that fails is restarted later, the others start all the same. */
  async start(): Promise<void> {
    for (const slot of this.#slots) await this.#start(slot);
  }

  /** Stops every module, last first; none is restarted after this. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const slot of [...this.#slots].reverse()) {
      if (slot.restart) clearTimeout(slot.restart);
      slot.restart = null;
      const ok = slot.run ? await this.#halt(slot, slot.run) : await slot.stopped;
      if (ok) this.#report(slot, 'stopped');
    }
  }

  /**
   * Content for this device: delivered to the modules that declared its kind, once its body passes
   * that kind's schema. No taker: ignored (another role's content). A taker but a bad body: refused.
   */
  content(kind: string, body: unknown): ContentOutcome {
    const takers = this.#slots.filter((s) => s.module.contentKinds?.includes(kind));
    if (!takers.length) return { delivered: 0 };
    const decoded = decodeContent(kind, body);
    if (!decoded.ok) return { refused: decoded.reason };
    this.#latest.set(kind, decoded.value);
    let delivered = 0;
    for (const slot of takers) {
      if (!slot.run?.started) continue; // it gets the latest when its start() returns
      this.#deliver(slot, slot.run, kind, decoded.value);
      delivered++;
    }
    return { delivered };
  }

  /** Every running module's identify(), one after another; a failing one does not stop the rest. */
  async identify(): Promise<string[]> {
    const shown: string[] = [];
    for (const slot of this.#slots) {
      const run = slot.run;
      if (!run?.started || !slot.module.identify) continue;
      await this.#guard(slot, run, 'identify', () => slot.module.identify!());
      shown.push(slot.name);
    }
    return shown;
  }

  /** Why `modules` would not do for one of these modules (its own schema; the path named), or null. */
  check(modules: Record<string, unknown>): string | null {
    for (const slot of this.#slots) {
      const parsed = slot.module.settings?.safeParse(modules[slot.name] ?? {});
      if (parsed && !parsed.success) {
        return formatIssues(new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: ['modules', slot.name, ...i.path] }))));
      }
    }
    return null;
  }

  /** New settings in force (checked and stored): each module whose section changed hears of it. */
  async applySettings(modules: Record<string, unknown>): Promise<void> {
    this.#settings = modules;
    for (const slot of this.#slots) {
      const parsed = slot.module.settings?.safeParse(modules[slot.name] ?? {});
      if (!parsed?.success || JSON.stringify(parsed.data) === JSON.stringify(slot.section)) continue;
      slot.section = parsed.data;
      const run = slot.run;
      if (run?.started && slot.module.onSettings) await this.#guard(slot, run, 'onSettings', () => slot.module.onSettings!(parsed.data));
    }
  }

  async #start(slot: Slot): Promise<void> {
    await slot.stopped;
    if (this.#stopping) return;
    const run: Run = { controller: new AbortController(), verbs: new Set(), timers: new Set(), startedAt: this.#o.mono(), started: false };
    slot.run = run;
    slot.handlerErrors = 0;
    this.#report(slot, 'starting');
    try {
      if (slot.module.settings) {
        const parsed = slot.module.settings.safeParse(this.#settings[slot.name] ?? {});
        if (!parsed.success) throw new Error(`settings: ${formatIssues(parsed.error)}`);
        slot.section = parsed.data;
      }
      await slot.module.start(this.#context(slot, run));
    } catch (err) {
      this.#fail(slot, run, 'start', err);
      return;
    }
    if (slot.run !== run) return; // it failed (ctx.fail) or was stopped while starting
    run.started = true;
    if (slot.status === 'starting') this.#report(slot, 'ok');
    for (const kind of slot.module.contentKinds ?? []) {
      if (this.#latest.has(kind)) this.#deliver(slot, run, kind, this.#latest.get(kind));
    }
  }

  #context(slot: Slot, run: Run): AgentContext<unknown> {
    const log = this.#o.log.child(slot.name);
    const live = () => slot.run === run;
    return {
      device: this.#o.device,
      log,
      record: (stream, data, ts) => {
        const checked = decodeRecord(stream, data);
        const queued = checked.ok ? this.#o.record(stream, checked.value, ts) : Promise.reject(new Error(`record on ${stream} refused: ${checked.reason}`));
        // Handled here too, so a module that does not await it cannot crash the agent with it.
        queued.catch((err) => log[checked.ok ? 'debug' : 'warn']('record not queued', { stream, error: message(err) }));
        return queued;
      },
      setStatus: (status, error) => {
        if (live()) this.#report(slot, status, error);
      },
      setDisplayStats: (stats) => {
        if (!live()) return;
        slot.display = stats;
        this.#report(slot, slot.status, slot.error);
      },
      fleetOnline: () => this.#o.fleetOnline?.() ?? false,
      fail: (err) => this.#fail(slot, run, 'failed', err),
      commands: { register: (verb, handler) => this.#register(slot, run, verb, handler) },
      settings: () => slot.section,
      db: moduleDatabase(this.#o.db, slot.name),
      publishFrame: (frame) => (live() ? this.#o.publishFrame(frame) : Promise.resolve(false)),
      every: (ms, work) => {
        if (!(ms >= 1)) throw new RangeError(`every(${ms}): the interval must be at least 1 ms`);
        if (!live()) return () => {};
        let busy = false;
        const timer = setInterval(() => {
          if (busy) return; // the last one has not finished: skip a beat rather than pile up
          busy = true;
          void this.#guard(slot, run, 'timer', work).finally(() => (busy = false));
        }, ms);
        timer.unref();
        run.timers.add(timer);
        return () => {
          clearInterval(timer);
          run.timers.delete(timer);
        };
      },
      signal: run.controller.signal,
      drivers: this.#o.drivers,
    };
  }

  #register(slot: Slot, run: Run, verb: string, handler: CommandHandler): void {
    if (slot.run !== run) throw new Error(`module ${slot.name} is not running`);
    if (!NAME_PATTERN.test(verb)) throw new Error(`verb ${JSON.stringify(verb)} must match ${NAME_PATTERN}`);
    if (this.#o.commands.has(verb)) {
      const owner = this.#verbOwners.get(verb);
      throw new Error(owner ? `verb ${verb} is already registered by module ${owner}` : `verb ${verb} is one of the agent's own`);
    }
    this.#verbOwners.set(verb, slot.name);
    run.verbs.add(verb);
    this.#o.commands.register(verb, (args) => this.#guard(slot, run, `verb ${verb}`, () => handler(args), true));
  }

  #deliver(slot: Slot, run: Run, kind: string, body: unknown): void {
    slot.inbox = slot.inbox.then(async () => {
      // `onContent(kind, body)` with the body's type following the kind; checked above.
      if (slot.run === run) await this.#guard(slot, run, `content ${kind}`, () => slot.module.onContent?.(kind as never, body as never));
    });
  }

  /**
   * Runs something a module handed us. Its error is logged and counted; three in a row fail the
   * module. `rethrow`: the caller (a command) reports the error itself, and a CommandRejected is
   * the module refusing a command, not a fault. Otherwise it never rejects.
   */
  async #guard<T>(slot: Slot, run: Run, what: string, work: () => Promise<T> | T, rethrow = false): Promise<T | undefined> {
    try {
      const result = await work();
      if (slot.run === run) slot.handlerErrors = 0;
      return result;
    } catch (err) {
      if (rethrow && err instanceof CommandRejected) throw err;
      if (slot.run === run) {
        slot.handlerErrors++;
        this.#o.log.warn('module handler failed', { module: slot.name, what, error: message(err), inARow: slot.handlerErrors });
        if (slot.handlerErrors >= HANDLER_FAILURE_LIMIT) this.#fail(slot, run, what, err);
      }
      if (rethrow) throw err;
      return undefined;
    }
  }

  #fail(slot: Slot, run: Run, what: string, err: unknown): void {
    if (slot.run !== run) return; // this run is already over
    slot.failures++;
    slot.lastFailure = `${what}: ${message(err)}`;
    if (this.#o.mono() - run.startedAt >= this.#policy.stableMs) slot.attempt = 0;
    const delay = reconnectDelay(slot.attempt++, this.#policy.minMs, this.#policy.maxMs, this.#policy.random);
    void this.#halt(slot, run, false);
    const restartS = Math.round(delay / 100) / 10;
    this.#o.log.error('module failed', { module: slot.name, error: slot.lastFailure, failures: slot.failures, restartInS: restartS });
    this.#report(slot, 'failed', `${slot.lastFailure} (failure ${slot.failures}; restarting in ${restartS} s)`);
    if (this.#stopping) return;
    slot.restart = setTimeout(() => {
      slot.restart = null;
      void this.#start(slot);
    }, delay);
    slot.restart.unref();
  }

  /**
   * Ends a run: its signal aborts, its timers and verbs go, and its stop() is called. False if stop()
   * threw (reported as the module's status unless the run is over because it failed).
   */
  #halt(slot: Slot, run: Run, reportStopFailure = true): Promise<boolean> {
    slot.run = null;
    run.controller.abort();
    for (const t of run.timers) clearInterval(t);
    run.timers.clear();
    for (const verb of run.verbs) {
      this.#o.commands.unregister(verb);
      this.#verbOwners.delete(verb);
    }
    run.verbs.clear();
    slot.stopped = (async () => {
      try {
        await slot.module.stop();
        return true;
      } catch (err) {
        this.#o.log.error('module stop failed', { module: slot.name, error: message(err) });
        if (reportStopFailure) this.#report(slot, 'failed', `stop: ${message(err)}`);
        return false;
      }
    })();
    return slot.stopped;
  }

  /** The heartbeat's status; until ModuleStatus has a `failures` field, the count rides in `error`. */
  #report(slot: Slot, status: ModuleStatus['status'], error?: string): void {
    slot.status = status;
    slot.error = error;
    const text = error ?? (slot.failures && status !== 'failed' ? `last failure: ${slot.lastFailure}` : undefined);
    this.#o.setStatus(slot.name, status, text, slot.failures, slot.display);
  }
}
