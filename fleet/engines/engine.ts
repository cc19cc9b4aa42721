/**
 * Fleet engines: the features that grow on the fleet (ETAs, occupancy, feeds, dashboard, Node-RED,
 * …), each in `fleet/engines/<name>/`, each a `FleetEngine` with `start(ctx)`/`stop()` in the
 * manner of a zigbee2mqtt extension. An engine learns what happened from the bus, keeps its own
 * tables (numbered migrations of its own), answers its own HTTP routes, counts in its own metrics,
 * and pushes content to devices; it never edits the service. Its listeners are wrapped: a fault
 * is logged and counted under its name and stops neither ingest nor the other engines. One that
 * fails to start is logged, counted and left out; the fleet runs on without it.
 */
import type Database from 'better-sqlite3';
import type { Clock, ContentBody, ContentKind, Logger } from '../../protocols/index.js';
import type { FleetBus, FleetEventName, FleetEvents, Listener } from '../bus.js';
import type { Routes } from '../http/router.js';
import type { Metrics } from '../metrics.js';
import type { Presence } from '../presence.js';
import type { DeviceRecord } from '../registry.js';

export interface EngineContext {
  readonly name: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** The fleet's data directory; an engine keeps its files in `<dataDir>/<its name>/`. */
  readonly dataDir: string;
  /** Listens on the fleet bus under this engine's name (its faults are counted as its own). */
  on<K extends FleetEventName>(event: K, listener: Listener<K>): void;
  /** Tells the bus what this engine found out (only the events engines make: ENGINE_EVENTS). */
  emit<K extends EngineEventName>(event: K, payload: FleetEvents[K]): void;
  /** The registry, read side. */
  devices: { get(id: string): DeviceRecord | null; list(): DeviceRecord[]; presence(id: string): Presence };
  /**
   * Applies this engine's numbered migrations (each runs once, in order, in a transaction) and
   * returns the fleet database for its statements. Name its tables after the engine.
   */
  migrate(migrations: readonly string[]): Database.Database;
  /** Sends a device what to show; checked against the kind's schema. False if it could not be sent. */
  publishContent<K extends ContentKind>(deviceId: string, kind: K, body: ContentBody<K>): boolean;
  /** Its HTTP routes (under `/api/…` they need the admin token). */
  routes: Routes;
  metrics: Metrics;
}

export interface FleetEngine {
  readonly name: string;
  start(ctx: EngineContext): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** What the host needs from the fleet to give engines their contexts. */
export interface EngineHostOptions {
  db: Database.Database;
  dataDir: string;
  bus: FleetBus;
  log: Logger;
  clock: Clock;
  routes: Routes;
  metrics: Metrics;
  devices: EngineContext['devices'];
  publishContent: EngineContext['publishContent'];
}

const ENGINE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The bus events engines emit; the others are the service's (a telemetry commit, a birth, …). */
export const ENGINE_EVENTS = ['occupancy-changed'] as const satisfies readonly FleetEventName[];
export type EngineEventName = (typeof ENGINE_EVENTS)[number];

export class EngineHost {
  readonly #o: EngineHostOptions;
  readonly #running: FleetEngine[] = [];

  constructor(options: EngineHostOptions) {
    this.#o = options;
    options.db.exec('CREATE TABLE IF NOT EXISTS engine_migrations (engine TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID');
    options.metrics.define('tabla_engine_start_failures_total', 'counter', 'Engines that failed to start (left out; the fleet runs without them), by engine.');
  }

  get running(): string[] {
    return this.#running.map((e) => e.name);
  }

  async start(engine: FleetEngine): Promise<boolean> {
    const o = this.#o;
    if (!ENGINE_NAME.test(engine.name) || this.#running.some((e) => e.name === engine.name)) {
      throw new Error(`engine name "${engine.name}": lower-case letters, digits and dashes, and unique`);
    }
    const log = o.log.child(engine.name);
    const ctx: EngineContext = {
      name: engine.name,
      log,
      clock: o.clock,
      dataDir: o.dataDir,
      on: (event, listener) => void o.bus.on(event, engine.name, listener),
      emit: (event, payload) => {
        if (!(ENGINE_EVENTS as readonly string[]).includes(event)) throw new Error(`engine ${engine.name} may not emit ${event}`);
        o.bus.emit(event, payload);
      },
      devices: o.devices,
      migrate: (migrations) => this.#migrate(engine.name, migrations),
      publishContent: o.publishContent,
      routes: o.routes,
      metrics: o.metrics,
    };
    try {
      await engine.start(ctx);
    } catch (err) {
      o.bus.off(engine.name);
      o.metrics.inc('tabla_engine_start_failures_total', { engine: engine.name });
      log.error('engine failed to start; the fleet runs without it', { error: (err as Error).message, stack: (err as Error).stack });
      return false;
    }
    this.#running.push(engine);
    return true;
  }

  /** Stops every engine, last started first; a failing stop is logged. */
  async stop(): Promise<void> {
    for (const engine of this.#running.splice(0).reverse()) {
      this.#o.bus.off(engine.name);
      try {
        await engine.stop?.();
      } catch (err) {
        this.#o.log.error('engine failed to stop', { engine: engine.name, error: (err as Error).message });
      }
    }
  }

  #migrate(engine: string, migrations: readonly string[]): Database.Database {
    const db = this.#o.db;
    const row = db.prepare('SELECT version FROM engine_migrations WHERE engine = ?').get(engine) as { version: number } | undefined;
    for (let i = row?.version ?? 0; i < migrations.length; i++) {
      db.transaction(() => {
        db.exec(migrations[i]!);
        db.prepare('INSERT INTO engine_migrations (engine, version) VALUES (?, ?) ON CONFLICT (engine) DO UPDATE SET version = excluded.version').run(
          engine,
          i + 1,
        );
      })();
    }
    return db;
  }
}
