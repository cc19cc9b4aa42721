/**
 * The fleet's typed event bus: what happened, after it happened (telemetry after its commit, a
 * birth after it is recorded). Engines listen here instead of being called by the service.
 *
 * Every listener is registered under its owner's name and wrapped: a listener that throws (or
 * whose promise rejects) is logged and counted under that name (`tabla_engine_errors_total`) and
 * never stops the emitter or the other listeners — ingest does not wait for, or fall over with,
 * an engine (zigbee2mqtt's eventBus does the same for its extensions).
 */
import type { Birth, CarParkStatus, CfgReported, Frame, Logger, State } from '../protocols/index.js';
import type { CommandRecord } from './commands.js';
import type { Metrics } from './metrics.js';
import type { Presence } from './presence.js';

/** A telemetry record as stored: its data parsed again, its timestamps those of the device and the fleet. */
export interface CommittedRecord {
  seq: number;
  ts: number;
  data: unknown;
}

export interface FleetEvents {
  /** Records newly stored (not duplicates), after their transaction committed, in seq order. */
  'telemetry-committed': { deviceId: string; stream: string; outbox: string | null; receivedAt: number; records: CommittedRecord[] };
  'device-birth': { deviceId: string; birth: Birth };
  'device-state': { deviceId: string; state: State };
  'presence-changed': { deviceId: string; presence: Presence; previous: Presence };
  'command-changed': { command: CommandRecord };
  'config-reported': { deviceId: string; reported: CfgReported };
  'frame-received': { deviceId: string; frame: Frame };
  /** A car park's status changed in a way someone sees (free count, state, trend, open); from the occupancy engine. */
  'occupancy-changed': { status: CarParkStatus; previous: CarParkStatus | null };
}

export type FleetEventName = keyof FleetEvents;
export type Listener<K extends FleetEventName> = (event: FleetEvents[K]) => void | Promise<void>;

interface Entry {
  owner: string;
  listener: (event: never) => void | Promise<void>;
}

export class FleetBus {
  readonly #listeners = new Map<FleetEventName, Entry[]>();
  readonly #log: Logger;
  readonly #metrics: Metrics;

  constructor(log: Logger, metrics: Metrics) {
    this.#log = log;
    this.#metrics = metrics;
    metrics.define('tabla_engine_errors_total', 'counter', 'Listeners that threw on the fleet bus, by engine (logged with the event and stack).');
  }

  /** Listens under `owner`'s name; returns the unsubscribe. */
  on<K extends FleetEventName>(event: K, owner: string, listener: Listener<K>): () => void {
    const list = this.#listeners.get(event) ?? [];
    const entry: Entry = { owner, listener: listener as Entry['listener'] };
    this.#listeners.set(event, [...list, entry]);
    return () => this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((e) => e !== entry));
  }

  /** Removes every listener of `owner` (an engine stopping). */
  off(owner: string): void {
    for (const [event, list] of this.#listeners) this.#listeners.set(event, list.filter((e) => e.owner !== owner));
  }

  /** Whether anyone listens (so an emitter can skip building an event nobody reads). */
  wants(event: FleetEventName): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0;
  }

  emit<K extends FleetEventName>(event: K, payload: FleetEvents[K]): void {
    for (const { owner, listener } of this.#listeners.get(event) ?? []) {
      try {
        const result = (listener as Listener<K>)(payload);
        if (result && typeof (result as Promise<void>).catch === 'function') {
          (result as Promise<void>).catch((err: unknown) => this.#failed(owner, event, err));
        }
      } catch (err) {
        this.#failed(owner, event, err);
      }
    }
  }

  #failed(owner: string, event: string, err: unknown): void {
    this.#metrics.inc('tabla_engine_errors_total', { engine: owner });
    this.#log.error('engine listener failed', { engine: owner, event, error: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack });
  }
}
