/**
 * The "displays" engine: what a stop display needs beyond its arrival board, and what it shows.
 *
 * - Timetable extracts (`stop-timetable`, extract.ts): each stop display (role `stop-display`,
 *   label `stop`) gets its stop's scheduled departures for today and the next service days, from
 *   its site's feed, so it can go on alone. Sent at its birth (the kind is not retained), to every
 *   display of a site when its feed changes, and after each new service day begins.
 * - Service messages (`service-messages`, messages.ts): the operator's banners, for a stop, a site
 *   or every display; each display is sent its whole current set at birth and whenever a message
 *   reaching it is put, cleared or expires (at its `until`, looked at every `tickMs`).
 * - Frames (frames.ts): the last frame of each device, with its picture, for
 *   `GET /api/devices/:id/frame(.png)` and `tabla preview`. A picture that does not check out is
 *   refused with its reason and counted; the frame's text is still kept.
 *
 * Sending is paced (delivery.ts). Routes: routes.ts. Tables: `displays_messages`, `displays_frames`.
 */
import type { FleetEngine } from '../engine.js';
import type { Timetables } from '../gtfs/timetables.js';
import { DisplayDelivery } from './delivery.js';
import type { ExtractOptions } from './extract.js';
import { FRAMES_MIGRATION, FrameStore } from './frames.js';
import { MESSAGES_MIGRATION, MessageBook, reaches } from './messages.js';
import { addDisplayRoutes } from './routes.js';

export { stopTimetable, serviceDayOf, EXTRACT_DAYS, type Extract } from './extract.js';
export { parseUntil, untilFormError, UNTIL_FORMS } from './until.js';
export { readFrameImage, frameImagePng } from './frames.js';
export type { MessageTarget } from './messages.js';

export interface DisplaysEngineOptions {
  timetables: Timetables;
  /** how often expiries and a new service day are looked for, ms (default 1 s) */
  tickMs?: number;
  /** days and size of the extracts (extract.ts) */
  extract?: ExtractOptions;
}

export const DISPLAYS_MIGRATIONS = [MESSAGES_MIGRATION, FRAMES_MIGRATION];

export function displaysEngine(options: DisplaysEngineOptions): FleetEngine {
  let timer: NodeJS.Timeout | null = null;
  let delivery: DisplayDelivery | null = null;
  let stopWatching: (() => void) | null = null;
  return {
    name: 'displays',
    start(ctx) {
      const db = ctx.migrate(DISPLAYS_MIGRATIONS);
      const m = ctx.metrics;
      m.define('tabla_displays_timetables_sent_total', 'counter', 'Timetable extracts (stop-timetable) sent to stop displays.');
      m.define('tabla_displays_timetables_trimmed_total', 'counter', 'Timetable extracts cut short to stay within the payload bounds (days or departures left out; logged).');
      m.define('tabla_displays_messages_sent_total', 'counter', 'Sets of service messages sent to stop displays.');
      m.define('tabla_displays_send_errors_total', 'counter', 'Content for stop displays that could not be built or sent, by kind.');
      m.define('tabla_displays_messages', 'gauge', 'Service messages in force.');
      m.define('tabla_displays_frames_total', 'counter', 'Frames kept, by outcome (image: with its picture; text: without one; refused: its picture did not check out).');

      const book = new MessageBook(db);
      const frames = new FrameStore(db);
      const d = (delivery = new DisplayDelivery(ctx, { timetables: options.timetables, book, ...(options.extract ? { extract: options.extract } : {}) }));
      const gauge = () => m.set('tabla_displays_messages', {}, book.active(ctx.clock.now()).length);
      gauge();

      ctx.on('device-birth', ({ deviceId }) => {
        const display = d.display(deviceId);
        if (display) d.queue([display], { timetable: true, messages: true });
      });

      ctx.on('frame-received', ({ deviceId, frame }) => {
        const { imageError } = frames.record(deviceId, frame, ctx.clock.now());
        m.inc('tabla_displays_frames_total', { outcome: imageError ? 'refused' : frame.image ? 'image' : 'text' });
        if (imageError) ctx.log.warn('frame picture refused', { device: deviceId, reason: imageError });
      });

      stopWatching = options.timetables.onChange((site, timetable) => {
        try {
          d.feedChanged(site, timetable);
        } catch (err) {
          ctx.log.error('timetable change failed', { site, error: (err as Error).message });
        }
      });

      const tick = () => {
        try {
          const now = ctx.clock.now();
          const expired = book.expire(now);
          if (expired.length) {
            ctx.log.info('service messages expired', { ids: expired.map((x) => x.id) });
            d.queue(d.displays().filter((x) => expired.some((e) => reaches(e.target, d.place(x)))), { messages: true });
            gauge();
          }
          d.tick(now);
        } catch (err) {
          ctx.log.error('displays tick failed', { error: (err as Error).message, stack: (err as Error).stack });
        }
      };
      timer = setInterval(tick, options.tickMs ?? 1_000);
      timer.unref();

      addDisplayRoutes(ctx, { book, delivery: d, frames, timetables: options.timetables, changed: gauge });
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      stopWatching?.();
      stopWatching = null;
      delivery?.stop();
      delivery = null;
    },
  };
}
