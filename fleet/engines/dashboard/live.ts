/**
 * The dashboard's live feed: what happens on the fleet bus, shaped for the page (`liveEvent`, pure)
 * and streamed to every open page as Server-Sent Events (`LiveFeed`). A page that reads too slowly
 * (past `MAX_BUFFERED` bytes waiting) is dropped; its EventSource reconnects and reloads.
 */
import type http from 'node:http';
import type { FleetEventName, FleetEvents } from '../../bus.js';
import type { HeartbeatSample } from './heartbeats.js';

/** Pages streamed at once; one more is refused (503) rather than holding sockets without end. */
export const MAX_PAGES = 200;
/** Bytes a page may leave unread before it is dropped. */
export const MAX_BUFFERED = 1024 * 1024;

export const LIVE_EVENTS = ['presence-changed', 'device-birth', 'device-state', 'frame-received', 'occupancy-changed', 'command-changed', 'config-reported'] as const satisfies readonly FleetEventName[];
export type LiveEventName = (typeof LIVE_EVENTS)[number];

export interface LiveEvent {
  /** the SSE event name the page listens for */
  type: 'presence' | 'birth' | 'state' | 'frame' | 'occupancy' | 'command' | 'config';
  data: unknown;
}

/**
 * A bus event as the page sees it (frames without their pictures: the page loads the PNG). A
 * device's state carries `heartbeat`, the sample the fleet kept of it for the charts, if any.
 */
export function liveEvent<K extends LiveEventName>(name: K, payload: FleetEvents[K], heartbeat: HeartbeatSample | null = null): LiveEvent {
  switch (name) {
    case 'presence-changed': {
      const p = payload as FleetEvents['presence-changed'];
      return { type: 'presence', data: { deviceId: p.deviceId, presence: p.presence, previous: p.previous } };
    }
    case 'device-birth': {
      const p = payload as FleetEvents['device-birth'];
      return { type: 'birth', data: { deviceId: p.deviceId, role: p.birth.role, site: p.birth.site ?? null, versions: p.birth.versions, configVersion: p.birth.configVersion } };
    }
    case 'device-state': {
      const { deviceId, state } = payload as FleetEvents['device-state'];
      const modules = Object.fromEntries(Object.entries(state.modules ?? {}).map(([k, m]) => [k, m]));
      return { type: 'state', data: { deviceId, ts: state.ts, status: state.status, health: state.health ?? null, outbox: state.outbox ?? null, modules, heartbeat } };
    }
    case 'frame-received': {
      const { deviceId, frame } = payload as FleetEvents['frame-received'];
      return { type: 'frame', data: { deviceId, ts: frame.ts, kind: frame.kind, summary: frame.summary, hash: frame.hash ?? null, picture: frame.image !== undefined } };
    }
    case 'occupancy-changed':
      return { type: 'occupancy', data: (payload as FleetEvents['occupancy-changed']).status };
    case 'command-changed':
      return { type: 'command', data: (payload as FleetEvents['command-changed']).command };
    case 'config-reported': {
      const p = payload as FleetEvents['config-reported'];
      return { type: 'config', data: { deviceId: p.deviceId, reported: p.reported } };
    }
  }
  throw new Error(`no live form for ${String(name)}`);
}

/** One SSE message (WHATWG HTML §9.2: `event:` and `data:` lines, a blank line ends it). */
export function sseMessage(e: LiveEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export class LiveFeed {
  readonly #pages = new Set<http.ServerResponse>();
  #dropped = 0;

  get pages(): number {
    return this.#pages.size;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get full(): boolean {
    return this.#pages.size >= MAX_PAGES;
  }

  /** Streams to `res` until it closes; resolves then. */
  attach(res: http.ServerResponse): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    this.#pages.add(res);
    return new Promise((resolve) => {
      const done = () => {
        this.#pages.delete(res);
        resolve();
      };
      res.once('close', done);
      res.once('error', done);
    });
  }

  send(e: LiveEvent): void {
    if (this.#pages.size === 0) return;
    const text = sseMessage(e);
    for (const res of this.#pages) this.#write(res, text);
  }

  /** A comment line, so that proxies and the browser see the stream alive. */
  ping(): void {
    for (const res of this.#pages) this.#write(res, ': ping\n\n');
  }

  close(): void {
    for (const res of this.#pages) res.end();
    this.#pages.clear();
  }

  #write(res: http.ServerResponse, text: string): void {
    if (res.writableLength > MAX_BUFFERED) {
      this.#dropped++;
      this.#pages.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }
}
