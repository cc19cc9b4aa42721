/**
 * The agent looking after itself, every `intervalMs` (10 s by default):
 * - a wall-clock step is logged and counted (the heartbeat's `clock`), and the outbox clock saved
 *   at once, so that a restart does not take the step for time that passed (outbox-clock.ts);
 * - every 6th time, records past their TTL go (by the outbox clock, never by a step);
 * - a full disk is probed for healing, the outcome reported as the outbox module's status, and the
 *   disk reserve (disk-reserve.ts) written back once there is room for it.
 * Each step on its own: one failing does not stop the others, and nothing escapes the timer.
 */
import type { ClockStepDetector, Logger, ModuleStatus } from '../protocols/index.js';
import type { DiskReserve } from './disk-reserve.js';
import type { Outbox } from './outbox.js';
import { HEALED_FREE_BYTES } from './outbox-storage.js';

export interface MaintenanceContext {
  outbox: Outbox;
  reserve: DiskReserve;
  steps: ClockStepDetector;
  log: Logger;
  /** Reports the outbox module's status (heartbeat). */
  setOutboxStatus(status: ModuleStatus['status'], error?: string): void;
}

export class Maintenance {
  readonly #ctx: MaintenanceContext;
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;
  #degraded = false;

  constructor(ctx: MaintenanceContext) {
    this.#ctx = ctx;
  }

  start(intervalMs: number): void {
    this.stop();
    this.#guarded('disk reserve', () => this.#keepReserve());
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  tick(): void {
    const { outbox, steps, log } = this.#ctx;
    this.#guarded('clock watch', () => {
      const step = steps.sample();
      if (!step) return;
      log.warn('wall clock stepped', { stepMs: step, steps: steps.steps });
      outbox.saveClock();
    });
    if (this.#ticks++ % 6 === 0) {
      this.#guarded('expiry', () => {
        const dropped = outbox.expire();
        if (dropped) log.warn('outbox records expired', { dropped });
      });
    }
    this.#guarded('outbox', () => {
      if (outbox.trouble()) outbox.recover();
      const trouble = outbox.trouble();
      if (trouble && !this.#degraded) log.error('outbox degraded', { error: trouble });
      if (!trouble && this.#degraded) log.info('outbox writes again');
      this.#degraded = trouble !== null;
      this.#ctx.setOutboxStatus(trouble ? 'degraded' : 'ok', trouble ?? undefined);
      if (!trouble) this.#keepReserve();
    });
  }

  /** Hands the reserve to SQLite (the storage refused a write). */
  release(): void {
    const freed = this.#ctx.reserve.release();
    if (freed > 0) this.#ctx.log.warn('storage refused a write: disk reserve released to SQLite', { bytes: freed });
  }

  #keepReserve(): void {
    const written = this.#ctx.reserve.restore(HEALED_FREE_BYTES);
    if (written > 0) this.#ctx.log.info('disk reserve in place', { bytes: written });
  }

  #guarded(what: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.#ctx.log.error(`${what} failed`, { error: (err as Error).message, stack: (err as Error).stack });
    }
  }
}
