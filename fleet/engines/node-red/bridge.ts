/**
 * The bridge between the fleet and Tabla's Node-RED nodes (nodes/tabla.js), put in the runtime's
 * settings as `tablaBridge`: what happened in the fleet (boards, car parks, devices) fanned out to
 * the input nodes that listen, and the two things a flow may do (a service message, a command).
 *
 * The actions go through the fleet's own API routes, run in process (`routes.call`): the same
 * routes, checks and answers as `tabla message` and `tabla cmd` (the displays engine's
 * `POST /api/messages`, the service's `POST /api/devices/:id/commands`).
 */
import type { CarParkStatus, ModuleStatus } from '../../../protocols/index.js';
import type { Routes } from '../../http/router.js';
import type { Presence } from '../../presence.js';
import type { BoardSent } from './tap.js';

/** What a `tabla device` node hears: a presence change, or a module of the device going bad. */
export type DeviceEvent =
  | { kind: 'presence'; deviceId: string; presence: Presence; previous: Presence }
  | { kind: 'fault'; deviceId: string; module: string; status: ModuleStatus['status']; error: string | null };

export interface BridgeEvents {
  board: BoardSent;
  occupancy: { status: CarParkStatus; previous: CarParkStatus | null };
  device: DeviceEvent;
}
export type BridgeEventName = keyof BridgeEvents;

/** A service message as `POST /api/messages` takes it. */
export interface MessageInput {
  target: { stop: string } | { site: string } | { all: true };
  text: string;
  until?: string;
  by?: string;
}

export interface FleetActions {
  putMessage(input: MessageInput): Promise<unknown>;
  sendCommand(deviceId: string, verb: string, args: Record<string, unknown>, ttlS?: number): Promise<unknown>;
}

export class TablaBridge implements FleetActions {
  readonly #listeners = new Map<BridgeEventName, Set<(e: never) => void>>();
  readonly #actions: FleetActions;
  readonly #failed: (event: BridgeEventName, err: unknown) => void;

  constructor(actions: FleetActions, failed: (event: BridgeEventName, err: unknown) => void) {
    this.#actions = actions;
    this.#failed = failed;
  }

  /** Listens to `event`; returns the unsubscribe (a node closing). */
  subscribe<K extends BridgeEventName>(event: K, listener: (e: BridgeEvents[K]) => void): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(listener as (e: never) => void);
    return () => void set.delete(listener as (e: never) => void);
  }

  listeners(event: BridgeEventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Tells the listening nodes; one that throws is reported and the others still hear. */
  publish<K extends BridgeEventName>(event: K, payload: BridgeEvents[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (e: BridgeEvents[K]) => void)(payload);
      } catch (err) {
        this.#failed(event, err);
      }
    }
  }

  putMessage(input: MessageInput): Promise<unknown> {
    return this.#actions.putMessage(input);
  }

  sendCommand(deviceId: string, verb: string, args: Record<string, unknown>, ttlS?: number): Promise<unknown> {
    return this.#actions.sendCommand(deviceId, verb, args, ttlS);
  }
}

/** The modules that went bad (failed or degraded) from `before` to `now`, with their error. */
export function moduleFaults(
  before: Record<string, ModuleStatus> | undefined,
  now: Record<string, ModuleStatus> | undefined,
): { module: string; status: ModuleStatus['status']; error: string | null }[] {
  const bad = (s: ModuleStatus | undefined) => s?.status === 'failed' || s?.status === 'degraded';
  return Object.entries(now ?? {})
    .filter(([name, s]) => bad(s) && (!bad(before?.[name]) || before?.[name]?.status !== s.status))
    .map(([module, s]) => ({ module, status: s.status, error: s.error ?? null }));
}

/** The fleet's API routes, run in process as the admin. */
export function routeActions(routes: Pick<Routes, 'call'>): FleetActions {
  const call = async (method: 'POST', path: string, body: unknown): Promise<unknown> => {
    const r = await routes.call(method, path, body);
    if (r.status >= 400) {
      const reason = (r.body as { error?: unknown } | null)?.error ?? JSON.stringify(r.body);
      throw new Error(`${method} ${path}: ${r.status} ${String(reason).slice(0, 300)}`);
    }
    return r.body;
  };
  return {
    putMessage: (input) => call('POST', '/api/messages', input),
    sendCommand: (deviceId, verb, args, ttlS) =>
      call('POST', `/api/devices/${encodeURIComponent(deviceId)}/commands`, { verb, args, ...(ttlS !== undefined ? { ttlS } : {}) }),
  };
}
