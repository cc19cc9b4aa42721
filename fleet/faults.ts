/**
 * Faults of devices that a technician must act on, as the fleet sees them (two boards sending as
 * one outbox, …): raised by the fleet's own parts, shown with the device in the API and the CLI,
 * counted per device in `/metrics`. Kept in memory: a fault that persists is raised again by the
 * next message that shows it.
 */
export interface DeviceFault {
  code: string;
  message: string;
  /** ISO 8601: first and last time it was seen, and how often */
  since: string;
  lastAt: string;
  count: number;
}

export class DeviceFaults {
  readonly #faults = new Map<string, Map<string, DeviceFault>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records a fault; returns true when it is new for this device (worth a log line). */
  raise(deviceId: string, code: string, message: string): boolean {
    let of = this.#faults.get(deviceId);
    if (!of) this.#faults.set(deviceId, (of = new Map()));
    const at = new Date(this.#now()).toISOString();
    const f = of.get(code);
    if (f) {
      f.lastAt = at;
      f.count++;
      f.message = message;
      return false;
    }
    of.set(code, { code, message, since: at, lastAt: at, count: 1 });
    return true;
  }

  clear(deviceId: string, code?: string): void {
    if (code === undefined) this.#faults.delete(deviceId);
    else this.#faults.get(deviceId)?.delete(code);
  }

  of(deviceId: string): DeviceFault[] {
    return [...(this.#faults.get(deviceId)?.values() ?? [])];
  }

  *all(): Iterable<[string, DeviceFault]> {
    for (const [id, of] of this.#faults) for (const f of of.values()) yield [id, f];
  }
}
