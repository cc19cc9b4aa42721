/**
 * Presence is derived, never edited: from the birth and state messages of each session epoch.
 *
 * - unknown: not seen since this service started;
 * - online:  its current session said online and it has been heard within 3 heartbeats;
 * - stale:   connected as far as we know, but silent past 3 heartbeats;
 * - offline: its current session ended (clean stop or last will).
 *
 * A message from an older epoch than the newest seen never changes presence, so an old session's
 * late last will cannot mark a live device offline.
 */
export type Presence = 'online' | 'offline' | 'stale' | 'unknown';
export const PRESENCES: Presence[] = ['online', 'stale', 'offline', 'unknown'];

interface Seen {
  epoch: number;
  status: 'online' | 'offline';
  lastSeen: number;
  heartbeatS: number;
}

export class PresenceTracker {
  readonly #seen = new Map<string, Seen>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Records what a device said in session `epoch`. Returns false (and changes nothing) when the
   * message belongs to an older session than the newest one seen.
   */
  observe(deviceId: string, epoch: number, status: 'online' | 'offline', heartbeatS?: number): boolean {
    const prev = this.#seen.get(deviceId);
    if (prev && epoch < prev.epoch) return false;
    this.#seen.set(deviceId, {
      epoch,
      status,
      lastSeen: this.#now(),
      heartbeatS: heartbeatS ?? prev?.heartbeatS ?? 30,
    });
    return true;
  }

  /** Any accepted message of the current session counts as a sign of life. */
  touch(deviceId: string, epoch: number): void {
    const s = this.#seen.get(deviceId);
    if (s && epoch === s.epoch && s.status === 'online') s.lastSeen = this.#now();
  }

  epoch(deviceId: string): number | undefined {
    return this.#seen.get(deviceId)?.epoch;
  }

  lastSeen(deviceId: string): number | undefined {
    return this.#seen.get(deviceId)?.lastSeen;
  }

  of(deviceId: string): Presence {
    const s = this.#seen.get(deviceId);
    if (!s) return 'unknown';
    if (s.status === 'offline') return 'offline';
    return this.#now() - s.lastSeen > 3 * s.heartbeatS * 1000 ? 'stale' : 'online';
  }
}
