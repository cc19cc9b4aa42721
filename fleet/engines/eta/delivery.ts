/**
 * Arrival boards on their way to the stop displays: which display shows which stop (its label
 * `stop`, a station's id for all its platforms), each stop's timetable slice, and when a board is
 * rebuilt and sent.
 *
 * - Touched by a bus's new predictions, a display's board is rebuilt once per turn of the event
 *   loop, however many fixes touched it (a thousand buses send a thousand fixes a second; a board
 *   changes by the minute), and sent only when a passenger would see the difference (boards.ts).
 * - Swept every interval: only the boards whose next change has come without any fix (a
 *   departure leaving, a real-time entry going stale, one entering the window; at the latest a
 *   minute on), in paced slices so the broker and ingest breathe between them.
 */
import type { GtfsFeed } from '../../../protocols/index.js';
import type { EngineContext } from '../engine.js';
import type { Timetables } from '../gtfs/timetables.js';
import {
  DEFAULT_WINDOW_MS,
  LOOK_BACK_MS,
  REALTIME_MAX_AGE_MS,
  arrivalBoard,
  boardChanged,
  boardEntries,
  scheduledDepartures,
  type BoardEntry,
  type Load,
  type ScheduledDeparture,
} from './boards.js';
import type { Site } from './index.js';

interface Display {
  id: string;
  site: Site;
  stopId: string;
}

/** A stop's timetable slice is read again this often (and with a new feed). */
const RENEW_MS = 5 * 60_000;
/** Displays are read from the registry again every this many sweeps (and at a birth). */
const DISPLAY_REREAD_SWEEPS = 4;
const SWEEP_SLICE = 64;
const SWEEP_PAUSE_MS = 5;

export class BoardDelivery {
  readonly #ctx: EngineContext;
  readonly #sites: ReadonlyMap<string, Site>;
  readonly #timetables: Timetables;
  readonly #loadOf: (vehicleId: string) => Load | null;
  #displays: Map<string, Display[]> | null = null;
  readonly #lastSent = new Map<string, BoardEntry[]>();
  readonly #timetable = new Map<string, { feed: GtfsFeed; from: number; list: ScheduledDeparture[] }>();
  readonly #nextChange = new Map<string, number>();
  readonly #due = new Map<string, Display>();
  #flushing: NodeJS.Immediate | null = null;
  readonly #sweepQueue: Display[] = [];
  #sweeps = 0;

  constructor(ctx: EngineContext, o: { sites: ReadonlyMap<string, Site>; timetables: Timetables; loadOf: (vehicleId: string) => Load | null }) {
    this.#ctx = ctx;
    this.#sites = o.sites;
    this.#timetables = o.timetables;
    this.#loadOf = o.loadOf;
  }

  /** Displays come and go (provisioned, relabelled, a new feed): read them again when next needed. */
  rereadDisplays(): void {
    this.#displays = null;
  }

  entriesFor(site: Site, stopId: string, now: number): BoardEntry[] {
    return boardEntries({ scheduled: this.#scheduledAt(site, stopId, now), now, predictions: site.byRun, loadOf: this.#loadOf });
  }

  /** The boards of these stops may have changed: rebuilt at the end of this turn. */
  touch(site: Site, stopIds: Iterable<string>): void {
    const byStop = this.#byStop();
    for (const stopId of stopIds) for (const d of byStop.get(`${site.name}|${stopId}`) ?? []) this.#due.set(d.id, d);
    if (this.#due.size && !this.#flushing) this.#flushing = setImmediate(() => this.#flush());
  }

  /** The boards whose next change has come, in slices (unless the last sweep's are still going). */
  sweep(now: number): void {
    // A registry read of every device is not free: every few sweeps, or after a birth.
    if (this.#sweeps++ % DISPLAY_REREAD_SWEEPS === 0) this.#displays = null;
    if (this.#sweepQueue.length) return;
    const seen = new Set<string>();
    for (const list of this.#byStop().values()) {
      for (const d of list) {
        if (seen.has(d.id)) continue;
        seen.add(d.id);
        if ((this.#nextChange.get(d.id) ?? 0) <= now) this.#sweepQueue.push(d);
      }
    }
    this.#slice();
  }

  #slice(): void {
    const now = this.#ctx.clock.now();
    for (const d of this.#sweepQueue.splice(0, SWEEP_SLICE)) this.#send(d, now);
    if (this.#sweepQueue.length) setTimeout(() => this.#slice(), SWEEP_PAUSE_MS).unref();
  }

  #flush(): void {
    this.#flushing = null;
    const now = this.#ctx.clock.now();
    const list = [...this.#due.values()];
    this.#due.clear();
    for (const d of list) this.#send(d, now);
  }

  #byStop(): Map<string, Display[]> {
    if (this.#displays) return this.#displays;
    const displays = new Map<string, Display[]>();
    for (const d of this.#ctx.devices.list()) {
      const stopId = d.labels.stop;
      if (d.role !== 'stop-display' || !stopId) continue;
      const t = this.#timetables.forSite(d.site);
      const site = t ? this.#sites.get(t.site) : undefined;
      if (!site || !site.model.feed.stops.has(stopId)) continue;
      // A display of a station hears of its platforms' predictions too.
      for (const s of [stopId, ...(site.model.feed.children.get(stopId) ?? [])]) {
        const key = `${site.name}|${s}`;
        const list = displays.get(key) ?? [];
        list.push({ id: d.id, site, stopId });
        displays.set(key, list);
      }
    }
    this.#displays = displays;
    return displays;
  }

  /** A stop's timetable departures, from LOOK_BACK_MS before to the board's window after, read once for a while. */
  #scheduledAt(site: Site, stopId: string, now: number): readonly ScheduledDeparture[] {
    const key = `${site.name}|${stopId}`;
    const c = this.#timetable.get(key);
    if (c && c.feed === site.model.feed && now >= c.from + LOOK_BACK_MS && now < c.from + LOOK_BACK_MS + RENEW_MS) return c.list;
    const from = now - LOOK_BACK_MS;
    const list = scheduledDepartures(site.model.feed, stopId, from, now + DEFAULT_WINDOW_MS + RENEW_MS);
    this.#timetable.set(key, { feed: site.model.feed, from, list });
    return list;
  }

  /** When a board will change with no new fix (see above). */
  #changesAt(d: Display, entries: readonly BoardEntry[], now: number): number {
    let at = now + 60_000;
    for (const e of entries) {
      at = Math.min(at, e.expected + 1);
      if (e.realtime && e.age !== null) at = Math.min(at, now - e.age * 1000 + REALTIME_MAX_AGE_MS + 1);
    }
    const entering = this.#scheduledAt(d.site, d.stopId, now).find((x) => x.scheduled > now + DEFAULT_WINDOW_MS);
    if (entering) at = Math.min(at, entering.scheduled - DEFAULT_WINDOW_MS);
    return at;
  }

  #send(d: Display, now: number): void {
    const { metrics: m, log } = this.#ctx;
    try {
      const entries = this.entriesFor(d.site, d.stopId, now);
      this.#nextChange.set(d.id, this.#changesAt(d, entries, now));
      if (!boardChanged(this.#lastSent.get(d.id), entries)) return;
      const feed = d.site.model.feed;
      const stop = feed.stops.get(d.stopId)!;
      if (this.#ctx.publishContent(d.id, 'arrival-board', arrivalBoard(stop.name ?? d.stopId, entries, now, feed.timeZone))) {
        this.#lastSent.set(d.id, entries);
        m.inc('tabla_eta_boards_sent_total');
      } else m.inc('tabla_eta_board_errors_total');
    } catch (err) {
      m.inc('tabla_eta_board_errors_total');
      log.error('arrival board failed', { device: d.id, stop: d.stopId, error: (err as Error).message });
    }
  }
}
