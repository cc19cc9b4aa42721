/**
 * What the model's functions share, given by the EtaModel that calls them: the feed, the learned
 * history, the feed's clock (the day type and hour the history is kept by) and the listener told
 * of each stop passed.
 */
import type { GtfsFeed } from '../../../../protocols/index.js';
import { isoLocal } from '../../../../protocols/index.js';
import type { DayType, TravelHistory } from '../history.js';
import type { StopEvent } from './types.js';

export interface ModelContext {
  readonly feed: GtfsFeed;
  readonly history: TravelHistory;
  readonly clock: FeedClock;
  /** Told of every stop a vehicle reaches and leaves. */
  onStop: ((e: StopEvent) => void) | null;
  /** learned stops, for the metrics */
  observations: number;
}

/** Day type and local hour of instants, in a feed's zone. */
export class FeedClock {
  readonly timeZone: string;
  readonly #whenCache = new Map<number, { dayType: DayType; hour: number }>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  /** Day type and local hour of an instant, in the feed's zone. */
  when(t: number): { dayType: DayType; hour: number } {
    // Per quarter hour (every zone's offset is a multiple of it): Intl is slow, fixes are many.
    const q = Math.floor(t / 900_000);
    let w = this.#whenCache.get(q);
    if (!w) {
      const local = isoLocal(q * 900_000, this.timeZone);
      const wd = new Date(`${local.slice(0, 10)}T12:00:00Z`).getUTCDay();
      w = { dayType: wd === 0 ? 2 : wd === 6 ? 1 : 0, hour: Number(local.slice(11, 13)) };
      if (this.#whenCache.size > 2000) this.#whenCache.clear();
      this.#whenCache.set(q, w);
    }
    return w;
  }
}
