/**
 * The heartbeats the device page charts: per device, the last sample of each minute (fleet time,
 * so a device's wrong or stepped clock cannot reorder them) for the last `minutes` minutes, in
 * memory; the dashboard engine also writes them to the fleet's database (heartbeat-store.ts) and
 * reads them back when the fleet starts again.
 *
 * Bounded whatever the devices send: a device fills one slot per minute however often it beats,
 * its ring holds at most `minutes` slots (grown as it fills, so a device seen once costs little),
 * and at most `maxDevices` devices are kept — the one that has gone longest without a new minute
 * goes first. Each slot is 24 bytes (typed arrays, no object per sample): at the defaults, 6 h
 * for 5000 devices, at most about 43 MB.
 */
import type { State } from '../../../protocols/index.js';

/** What a heartbeat shows, as the page charts it; null where the device did not say. */
export interface HeartbeatSample {
  /** when the fleet received it, ISO 8601 */
  ts: string;
  /** records waiting in the device's outbox */
  depth: number | null;
  /** age of the oldest of them, seconds */
  oldestAgeS: number | null;
  /** 1-minute load average divided by cores */
  cpu: number | null;
  /** memory used, a fraction of the total (0…1) */
  mem: number | null;
  temperatureC: number | null;
}

export interface HeartbeatHistoryOptions {
  /** Minutes kept per device, one sample each (360: six hours). */
  minutes?: number;
  /** Devices kept at most (5000). */
  maxDevices?: number;
}

export const HEARTBEAT_MINUTES = 360;
export const HEARTBEAT_MAX_DEVICES = 5000;
const MINUTE_MS = 60_000;
/** The values of a slot, in this order. */
const FIELDS = ['depth', 'oldestAgeS', 'cpu', 'mem', 'temperatureC'] as const;
type Field = (typeof FIELDS)[number];
/** Decimals kept on the way out (float32 inside; more would be noise). */
const DECIMALS: Record<Field, number> = { depth: 0, oldestAgeS: 1, cpu: 3, mem: 4, temperatureC: 1 };

/** A heartbeat's values, or null for a state that carries none (a last will, `offline`). */
export type HeartbeatValues = Record<Field, number | null>;

export function heartbeatValues(state: State): HeartbeatValues | null {
  const { health, outbox } = state;
  if (!health && !outbox) return null;
  return {
    depth: outbox ? outbox.depth : null,
    oldestAgeS: outbox ? outbox.oldestAgeS : null,
    cpu: health ? health.cpuLoad1 : null,
    mem: health && health.memTotalBytes > 0 ? health.memUsedBytes / health.memTotalBytes : null,
    temperatureC: health?.temperatureC ?? null,
  };
}

/** One device's ring: slot i at `(start + i) % capacity`; ts in seconds since the epoch. */
interface Ring {
  ts: Uint32Array;
  values: Float32Array;
  start: number;
  count: number;
  minute: number;
}

export class HeartbeatHistory {
  readonly minutes: number;
  readonly maxDevices: number;
  readonly #rings = new Map<string, Ring>();

  constructor(options: HeartbeatHistoryOptions = {}) {
    this.minutes = Math.max(1, Math.floor(options.minutes ?? HEARTBEAT_MINUTES));
    this.maxDevices = Math.max(1, Math.floor(options.maxDevices ?? HEARTBEAT_MAX_DEVICES));
  }

  /** Devices with samples kept. */
  get devices(): number {
    return this.#rings.size;
  }

  /** Keeps `state` as the sample of the minute `now` falls in; the sample kept, or null if it carries none. */
  record(deviceId: string, state: State, now: number): HeartbeatSample | null {
    const values = heartbeatValues(state);
    if (!values) return null;
    const [ring, slot] = this.#write(deviceId, values, now);
    return this.#sample(ring, slot);
  }

  /** Keeps `values` as the sample of the minute `now` falls in (one read back from the database). */
  put(deviceId: string, values: HeartbeatValues, now: number): void {
    this.#write(deviceId, values, now);
  }

  #write(deviceId: string, values: HeartbeatValues, now: number): [Ring, number] {
    const minute = Math.floor(now / MINUTE_MS);
    let ring = this.#rings.get(deviceId);
    if (ring && minute < ring.minute) ring = undefined; // the fleet's clock went back: start again
    let slot: number;
    if (ring && minute === ring.minute) {
      slot = (ring.start + ring.count - 1) % ring.ts.length;
    } else {
      ring = this.#next(deviceId, ring, minute);
      slot = (ring.start + ring.count) % ring.ts.length;
      if (ring.count === ring.ts.length) ring.start = (ring.start + 1) % ring.ts.length;
      else ring.count++;
    }
    ring.ts[slot] = Math.floor(now / 1000);
    for (let i = 0; i < FIELDS.length; i++) ring.values[slot * FIELDS.length + i] = values[FIELDS[i]!] ?? NaN;
    return [ring, slot];
  }

  /** The samples of the last `minutes` minutes before `now`, oldest first; [] for a device never heard. */
  samples(deviceId: string, now: number): HeartbeatSample[] {
    const ring = this.#rings.get(deviceId);
    if (!ring) return [];
    const since = (now - this.minutes * MINUTE_MS) / 1000;
    const out: HeartbeatSample[] = [];
    for (let i = 0; i < ring.count; i++) {
      const slot = (ring.start + i) % ring.ts.length;
      if (ring.ts[slot]! > since) out.push(this.#sample(ring, slot));
    }
    return out;
  }

  forget(deviceId: string): void {
    this.#rings.delete(deviceId);
  }

  clear(): void {
    this.#rings.clear();
  }

  /** The ring to write a new minute in: moved to the map's end (the last to go), grown or made if needed. */
  #next(deviceId: string, ring: Ring | undefined, minute: number): Ring {
    this.#rings.delete(deviceId);
    if (!ring) {
      for (const oldest of this.#rings.keys()) {
        if (this.#rings.size < this.maxDevices) break;
        this.#rings.delete(oldest);
      }
      ring = make(Math.min(16, this.minutes));
    } else if (ring.count === ring.ts.length && ring.ts.length < this.minutes) {
      const grown = make(Math.min(this.minutes, ring.ts.length * 2));
      for (let i = 0; i < ring.count; i++) {
        const slot = (ring.start + i) % ring.ts.length;
        grown.ts[i] = ring.ts[slot]!;
        grown.values.set(ring.values.subarray(slot * FIELDS.length, (slot + 1) * FIELDS.length), i * FIELDS.length);
      }
      grown.count = ring.count;
      ring = grown;
    }
    ring.minute = minute;
    this.#rings.set(deviceId, ring);
    return ring;
  }

  #sample(ring: Ring, slot: number): HeartbeatSample {
    const sample: Record<string, number | string | null> = { ts: new Date(ring.ts[slot]! * 1000).toISOString() };
    FIELDS.forEach((f, i) => {
      const v = ring.values[slot * FIELDS.length + i]!;
      const k = 10 ** DECIMALS[f];
      sample[f] = Number.isNaN(v) ? null : Math.round(v * k) / k;
    });
    return sample as unknown as HeartbeatSample;
  }
}

function make(capacity: number): Ring {
  return { ts: new Uint32Array(capacity), values: new Float32Array(capacity * FIELDS.length), start: 0, count: 0, minute: -1 };
}
