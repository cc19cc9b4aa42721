/**
 * apc (bus): passenger counts per stop visit from the door beams (hardware/door/). A visit is a
 * burst of crossings: it ends when no one has crossed for `visitQuietS` (the doors have closed and
 * the bus moves on); then one `apc` record goes out with the boardings and alightings per door and
 * the running onboard load, in a higher outbox lane than GPS (protocols/config: stream defaults).
 *
 * The onboard load drifts (a missed beam, a pram counted as two): it never goes below 0 — each
 * time it would, the clamp is counted and shown in the module's status — and it is set back to 0
 * by the verb `apc-reset` (the driver at the terminus, or the fleet when the trip ends).
 */
import type { ApcDoorCount, ApcSettings } from '../../../protocols/index.js';
import { MODULE_SETTINGS } from '../../../protocols/index.js';
import type { DoorCrossing } from '../../../hardware/door/door.js';
import type { AgentContext, AgentModule } from '../../module.js';

/** A visit in progress (pure): crossings per door, and the load they leave. */
export class StopVisit {
  readonly #doors = new Map<number, ApcDoorCount>();
  lastAt = 0;

  add(c: DoorCrossing): void {
    const d = this.#doors.get(c.door) ?? { door: c.door, boardings: 0, alightings: 0 };
    if (c.direction === 'in') d.boardings++;
    else d.alightings++;
    this.#doors.set(c.door, d);
    this.lastAt = c.at;
  }

  get empty(): boolean {
    return this.#doors.size === 0;
  }

  doors(): ApcDoorCount[] {
    return [...this.#doors.values()].sort((a, b) => a.door - b.door);
  }

  /** The load after this visit, never below 0; `clamped` says how many it would have gone under. */
  onboardAfter(before: number): { onboard: number; clamped: number } {
    let load = before;
    for (const d of this.#doors.values()) load += d.boardings - d.alightings;
    return load < 0 ? { onboard: 0, clamped: -load } : { onboard: load, clamped: 0 };
  }
}

export function apc(): AgentModule<ApcSettings> & { onboard(): number } {
  let onboard = 0;
  let clamped = 0;
  let visit = new StopVisit();
  let started: { stop(): Promise<void> } | null = null;
  return {
    name: 'apc',
    settings: MODULE_SETTINGS.apc,
    onboard: () => onboard,
    start(ctx: AgentContext<ApcSettings>) {
      const doors = ctx.drivers.doors;
      if (!doors) {
        ctx.setStatus('degraded', 'no door counters configured (hardware.doors)');
        return;
      }
      const close = async () => {
        if (visit.empty) return;
        const done = visit;
        visit = new StopVisit();
        const after = done.onboardAfter(onboard);
        onboard = after.onboard;
        clamped += after.clamped;
        if (clamped) ctx.setStatus('ok', `onboard load clamped at 0 ${clamped} time(s) since start (counts drift)`);
        await ctx.record('apc', { doors: done.doors(), onboard }, done.lastAt);
      };
      // The quiet time runs on the monotonic clock: a wall clock that steps must not hold a visit open.
      let lastCrossing = 0;
      const unsubscribe = doors.onCrossing((c) => {
        visit.add(c);
        lastCrossing = performance.now();
      });
      ctx.signal.addEventListener('abort', () => unsubscribe(), { once: true });
      ctx.every(1000, async () => {
        if (!visit.empty && performance.now() - lastCrossing >= ctx.settings().visitQuietS * 1000) await close();
      });
      ctx.commands.register('apc-reset', (args) => {
        const previous = onboard;
        onboard = 0;
        ctx.log.info('onboard load reset', { previous, reason: typeof args.reason === 'string' ? args.reason : undefined });
        return { previous, onboard };
      });
      ctx.commands.register('apc-status', () => ({ onboard, clamped, visit: visit.doors(), counts: doors.counts(), health: doors.health() }));
      started = doors;
      return doors.start();
    },
    async stop() {
      visit = new StopVisit();
      await started?.stop();
      started = null;
    },
  };
}
