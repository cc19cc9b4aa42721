/**
 * The agent's heartbeat timer: one `state` message now and then every `intervalS`, while a
 * session lasts. A beat that fails (a storage read, a health probe) is logged; the next one tries again.
 */
import type { Logger } from '../protocols/index.js';

export class Heartbeat {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: () => void,
    private readonly log: Logger,
  ) {}

  /** One beat now. */
  beat(): void {
    try {
      this.send();
    } catch (err) {
      this.log.error('heartbeat not sent', { error: (err as Error).message, stack: (err as Error).stack });
    }
  }

  /** Beats every `intervalS` from now on (a running timer is replaced). */
  start(intervalS: number): void {
    this.stop();
    this.#timer = setInterval(() => this.beat(), intervalS * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
