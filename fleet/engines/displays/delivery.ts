/**
 * What the stop displays are sent, and when: each display's timetable extract (extract.ts, built
 * once per stop and service day and shared by every display of that stop) and its whole current
 * set of service messages (messages.ts), newest first.
 *
 * A birth (neither kind is retained on the broker), a new feed, a new service day, a message put,
 * cleared or expired: each queues the displays it touches, and the queue is worked off at once but
 * in slices bounded by count and by time, with pauses between them, so that a thousand displays
 * (a fleet restart behind the embedded broker: a thousand births) never hold the event loop.
 *
 * A display known offline is skipped: its birth brings it everything when it comes back. One not
 * heard from since the fleet started gets message changes but keeps the extract it holds until its
 * birth or the next service day.
 */
import type { ServiceMessages } from '../../../protocols/index.js';
import { isoLocal } from '../../../protocols/index.js';
import type { EngineContext } from '../engine.js';
import type { SiteTimetable, Timetables } from '../gtfs/timetables.js';
import { serviceDayOf, stopTimetable, type Extract, type ExtractOptions } from './extract.js';
import { reaches, type DisplayPlace, type MessageBook } from './messages.js';

/** A stop display, as the registry has it. */
export interface StopDisplay {
  id: string;
  site: string | null;
  /** its `stop` label (a GTFS stop_id or station), or null */
  stopId: string | null;
}

export interface Sends {
  timetable?: boolean;
  messages?: boolean;
}

/** The most messages one display is sent (the content schema's bound): the newest. */
const MAX_SHOWN = 10;
const SLICE = 32;
/** A slice stops after this much work, ms (extracts are cached: most displays cost a publish only). */
const SLICE_BUDGET_MS = 10;
const SLICE_PAUSE_MS = 5;

export class DisplayDelivery {
  readonly #ctx: EngineContext;
  readonly #timetables: Timetables;
  readonly #book: MessageBook;
  readonly #extractOptions: ExtractOptions;
  readonly #extracts = new Map<string, { feed: SiteTimetable['feed']; extract: Extract }>();
  readonly #queue = new Map<string, { display: StopDisplay; sends: Sends }>();
  #pumping: NodeJS.Timeout | null = null;
  /** per site, the service day its displays' extracts begin with */
  readonly #day = new Map<string, string>();
  #stopped = false;

  constructor(ctx: EngineContext, o: { timetables: Timetables; book: MessageBook; extract?: ExtractOptions }) {
    this.#ctx = ctx;
    this.#timetables = o.timetables;
    this.#book = o.book;
    this.#extractOptions = o.extract ?? {};
    const now = ctx.clock.now();
    for (const t of o.timetables.all()) this.#day.set(t.site, serviceDayOf(now, t.feed.timeZone));
  }

  /** Every stop display in the registry (read afresh: asked on rare events, never per message). */
  displays(): StopDisplay[] {
    return this.#ctx.devices
      .list()
      .filter((d) => d.role === 'stop-display')
      .map((d) => ({ id: d.id, site: d.site, stopId: d.labels.stop || null }));
  }

  display(id: string): StopDisplay | null {
    const d = this.#ctx.devices.get(id);
    return d?.role === 'stop-display' ? { id: d.id, site: d.site, stopId: d.labels.stop || null } : null;
  }

  /** The timetable a display uses: its site's, else the only one. */
  timetableOf(d: { site: string | null }): SiteTimetable | null {
    return this.#timetables.forSite(d.site);
  }

  /** Where a display stands, for message targets: its stop's station and platforms come from its feed. */
  place(d: StopDisplay): DisplayPlace {
    const feed = this.timetableOf(d)?.feed;
    const related: string[] = [];
    if (feed && d.stopId) {
      const parent = feed.stops.get(d.stopId)?.parentStation;
      if (parent) related.push(parent);
      related.push(...(feed.children.get(d.stopId) ?? []));
    }
    return { site: d.site, stopId: d.stopId, related };
  }

  /** The time zone a display's messages are written in and wall-clock times are read in. */
  timeZoneOf(d: { site: string | null }): string {
    return this.timetableOf(d)?.feed.timeZone ?? fleetTimeZone(this.#timetables);
  }

  /** The extract a display is sent, or null (no stop label, no feed, or a stop its feed lacks). */
  extractFor(d: StopDisplay, now: number): Extract | null {
    const t = this.timetableOf(d);
    if (!t || !d.stopId || !t.feed.stops.has(d.stopId)) return null;
    const key = `${t.site}|${d.stopId}`;
    const cached = this.#extracts.get(key);
    if (cached && cached.feed === t.feed && cached.extract.firstDay === serviceDayOf(now, t.feed.timeZone)) return cached.extract;
    const extract = stopTimetable(t.feed, d.stopId, now, this.#extractOptions);
    if (extract.trimmed) {
      this.#ctx.metrics.inc('tabla_displays_timetables_trimmed_total');
      this.#ctx.log.warn('timetable extract trimmed to fit', { site: t.site, stop: d.stopId, left: extract.trimmed });
    }
    this.#extracts.set(key, { feed: t.feed, extract });
    return extract;
  }

  /** A display's whole current set of messages, newest first. */
  messagesFor(d: StopDisplay, now: number): ServiceMessages {
    const place = this.place(d);
    const tz = this.timeZoneOf(d);
    const shown = this.#book
      .active(now)
      .filter((m) => reaches(m.target, place))
      .slice(0, MAX_SHOWN);
    return { messages: shown.map((m) => ({ id: m.id, text: m.text, ...(m.until !== null ? { until: isoLocal(m.until, tz) } : {}) })) };
  }

  /** Sends soon (the first slice starts on the next turn of the loop), in paced slices; a display queued twice is sent once with both. */
  queue(displays: Iterable<StopDisplay>, sends: Sends): void {
    if (this.#stopped) return;
    for (const d of displays) {
      const q = this.#queue.get(d.id);
      if (q) q.sends = { timetable: q.sends.timetable || sends.timetable, messages: q.sends.messages || sends.messages };
      else this.#queue.set(d.id, { display: d, sends: { ...sends } });
    }
    if (this.#queue.size && !this.#pumping) this.#pumping = setTimeout(() => this.#pump(), 0);
  }

  /** A site's feed was put, replaced or removed: its displays get their new extracts. */
  feedChanged(site: string, timetable: SiteTimetable | null): void {
    for (const key of this.#extracts.keys()) if (key.startsWith(`${site}|`)) this.#extracts.delete(key);
    if (!timetable) {
      this.#day.delete(site);
      return;
    }
    this.#day.set(site, serviceDayOf(this.#ctx.clock.now(), timetable.feed.timeZone));
    this.queue(this.#ofSite(site), { timetable: true });
  }

  /** A new service day in a site's time zone: its displays get extracts that begin with it. */
  tick(now: number): void {
    for (const t of this.#timetables.all()) {
      const day = serviceDayOf(now, t.feed.timeZone);
      const was = this.#day.get(t.site);
      this.#day.set(t.site, day);
      if (was !== undefined && was !== day) {
        this.#ctx.log.info('new service day: sending timetable extracts', { site: t.site, day });
        this.queue(this.#ofSite(t.site), { timetable: true });
      }
    }
  }

  get queued(): number {
    return this.#queue.size;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#pumping) clearTimeout(this.#pumping);
    this.#pumping = null;
    this.#queue.clear();
  }

  #ofSite(site: string): StopDisplay[] {
    return this.displays().filter((d) => this.timetableOf(d)?.site === site);
  }

  #pump(): void {
    this.#pumping = null;
    const now = this.#ctx.clock.now();
    const started = performance.now();
    let n = 0;
    for (const [id, { display, sends }] of this.#queue) {
      // An extract takes milliseconds to build (a busy stop, frequency trips): a slice ends by time too.
      if (n >= SLICE || (n > 0 && performance.now() - started >= SLICE_BUDGET_MS)) break;
      n++;
      this.#queue.delete(id);
      // Offline: its birth brings everything. Not heard from since the fleet started: it still holds
      // the extract it had (a fleet restart behind an external broker is no reason to resend them
      // all), but a message change must reach it.
      const presence = this.#ctx.devices.presence(id);
      if (presence === 'offline') continue;
      this.#send(display, presence === 'unknown' ? { messages: sends.messages } : sends, now);
    }
    if (this.#queue.size && !this.#stopped) this.#pumping = setTimeout(() => this.#pump(), SLICE_PAUSE_MS);
  }

  #send(d: StopDisplay, sends: Sends, now: number): void {
    const { metrics: m, log } = this.#ctx;
    if (sends.timetable) {
      try {
        const extract = this.extractFor(d, now);
        if (extract) {
          if (this.#ctx.publishContent(d.id, 'stop-timetable', extract.body)) m.inc('tabla_displays_timetables_sent_total');
          else m.inc('tabla_displays_send_errors_total', { kind: 'stop-timetable' });
        }
      } catch (err) {
        m.inc('tabla_displays_send_errors_total', { kind: 'stop-timetable' });
        log.error('timetable extract failed', { device: d.id, stop: d.stopId, error: (err as Error).message });
      }
    }
    if (sends.messages) {
      try {
        if (this.#ctx.publishContent(d.id, 'service-messages', this.messagesFor(d, now))) m.inc('tabla_displays_messages_sent_total');
        else m.inc('tabla_displays_send_errors_total', { kind: 'service-messages' });
      } catch (err) {
        m.inc('tabla_displays_send_errors_total', { kind: 'service-messages' });
        log.error('service messages failed', { device: d.id, error: (err as Error).message });
      }
    }
  }
}

/** The fleet's time zone: the one its feeds share, else the machine's. */
export function fleetTimeZone(timetables: Timetables): string {
  const zones = new Set(timetables.all().map((t) => t.feed.timeZone));
  return zones.size === 1 ? zones.values().next().value! : Intl.DateTimeFormat().resolvedOptions().timeZone;
}
