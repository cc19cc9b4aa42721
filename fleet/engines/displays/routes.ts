/**
 * The displays engine's HTTP routes (admin token):
 *
 * - `POST /api/messages` `{target: {stop} | {site} | {all: true}, text, until?, by?}` → 201
 *   `{id, target, text, until, timeZone, displays}`: `until` an instant or a wall-clock form
 *   (until.ts) read in the target's time zone; 400 naming what is wrong (a past time included);
 *   404 for a stop or site nothing knows
 * - `GET /api/messages` → `{timeZone, messages: [{id, target, text, until, createdAt, createdBy, displays}]}`
 * - `DELETE /api/messages/:id` → `{removed: [ids], displays}`
 * - `DELETE /api/messages?stop=S | site=S | all=1` → the messages put on that stop or site (all=1:
 *   every message, whatever its target); 400 without one, so that nothing is cleared by accident
 * - `GET /api/devices/:id/frame` → `{id, kind, summary, hash, ts, receivedAt, width, height, image, imageError}`
 * - `GET /api/devices/:id/frame.png` → image/png (white paper, black ink); 404 with the reason
 *   when the device has sent no picture
 */
import { z } from 'zod';
import { isoLocal } from '../../../protocols/index.js';
import { HttpError, parseBody } from '../../http/router.js';
import type { EngineContext } from '../engine.js';
import type { Timetables } from '../gtfs/timetables.js';
import { fleetTimeZone, type DisplayDelivery, type StopDisplay } from './delivery.js';
import type { FrameStore } from './frames.js';
import { MAX_MESSAGES, reaches, targetText, type MessageBook, type MessageTarget, type ServiceNotice } from './messages.js';
import { parseUntil } from './until.js';

const MAX_TEXT = 500;

const MessageBody = z
  .object({
    target: z.union([
      z.object({ stop: z.string().min(1).max(100) }).strict(),
      z.object({ site: z.string().min(1).max(100) }).strict(),
      z.object({ all: z.literal(true) }).strict(),
    ]),
    text: z.string(),
    until: z.string().max(64).optional(),
    by: z.string().max(64).optional(),
  })
  .strict();

export interface DisplayRouteState {
  book: MessageBook;
  delivery: DisplayDelivery;
  frames: FrameStore;
  timetables: Timetables;
  /** after the messages changed: the gauge */
  changed(): void;
}

export function addDisplayRoutes(ctx: EngineContext, s: DisplayRouteState): void {
  const { book, delivery, frames, timetables } = s;

  const reached = (target: MessageTarget, displays: StopDisplay[]) => displays.filter((d) => reaches(target, delivery.place(d)));
  const touchedBy = (gone: ServiceNotice[]) => {
    const displays = delivery.displays();
    const out = displays.filter((d) => gone.some((m) => reaches(m.target, delivery.place(d))));
    delivery.queue(out, { messages: true });
    s.changed();
    return out.length;
  };

  /** The time zone of a target: the feed that has the stop, the site's feed, else the fleet's. */
  const targetZone = (target: MessageTarget): string => {
    if ('stop' in target) return timetables.all().find((t) => t.feed.stops.has(target.stop))?.feed.timeZone ?? fleetTimeZone(timetables);
    if ('site' in target) return timetables.forSite(target.site)?.feed.timeZone ?? fleetTimeZone(timetables);
    return fleetTimeZone(timetables);
  };

  const checkTarget = (target: MessageTarget, displays: StopDisplay[]) => {
    if ('stop' in target) {
      const known = displays.some((d) => d.stopId === target.stop) || timetables.all().some((t) => t.feed.stops.has(target.stop));
      if (!known) throw new HttpError(404, `no stop ${target.stop.slice(0, 100)}: no display is labelled stop=${target.stop.slice(0, 100)} and no timetable has it`);
    } else if ('site' in target) {
      const known = displays.some((d) => d.site === target.site) || timetables.get(target.site) !== null;
      if (!known) throw new HttpError(404, `no site ${target.site.slice(0, 100)}: no display is in it and no timetable is loaded for it`);
    }
  };

  const view = (m: ServiceNotice, displays: StopDisplay[], tz: string) => ({
    id: m.id,
    target: m.target,
    text: m.text,
    until: m.until === null ? null : isoLocal(m.until, tz),
    createdAt: isoLocal(m.createdAt, tz),
    createdBy: m.createdBy,
    displays: reached(m.target, displays).length,
  });

  ctx.routes.add('POST', '/api/messages', async (req) => {
    const body = parseBody(MessageBody, await req.json());
    const text = body.text.normalize('NFC').trim();
    if (!text) throw new HttpError(400, 'text: the message is empty');
    if ([...text].length > MAX_TEXT) throw new HttpError(400, `text: ${[...text].length} characters; a banner takes at most ${MAX_TEXT}`);
    if (book.size >= MAX_MESSAGES) throw new HttpError(409, `${MAX_MESSAGES} messages are kept already: clear some (tabla message --list)`);
    const displays = delivery.displays();
    checkTarget(body.target, displays);
    const tz = targetZone(body.target);
    const now = ctx.clock.now();
    let until: number | null = null;
    if (body.until !== undefined) {
      const r = parseUntil(body.until, now, tz);
      if (!r.ok) throw new HttpError(400, `until: ${r.reason}`);
      until = r.at;
    }
    const m = book.add({ target: body.target, text, until, createdBy: body.by?.trim() || null }, now);
    const to = reached(m.target, displays);
    delivery.queue(to, { messages: true });
    s.changed();
    ctx.log.info('service message put', { id: m.id, target: targetText(m.target), until: m.until, displays: to.length, by: m.createdBy });
    return { status: 201, body: { ...view(m, displays, tz), timeZone: tz } };
  });

  ctx.routes.add('GET', '/api/messages', () => {
    const displays = delivery.displays();
    const tz = fleetTimeZone(timetables);
    return { body: { timeZone: tz, messages: book.active(ctx.clock.now()).map((m) => view(m, displays, tz)) } };
  });

  ctx.routes.add('DELETE', '/api/messages/:id', (req) => {
    const id = req.params.id!;
    const gone = book.remove((m) => m.id === id);
    if (gone.length === 0) throw new HttpError(404, `no message ${id.slice(0, 64)} (tabla message --list)`);
    ctx.log.info('service message cleared', { id });
    return { body: { removed: [id], displays: touchedBy(gone) } };
  });

  ctx.routes.add('DELETE', '/api/messages', (req) => {
    const q = req.url.searchParams;
    const stop = q.get('stop');
    const site = q.get('site');
    const all = q.get('all');
    if ([stop, site, all].filter((x) => x !== null).length !== 1 || (all !== null && all !== '1' && all !== 'true')) {
      throw new HttpError(400, 'which messages? one of ?stop=<stopId>, ?site=<site> or ?all=1 (every message); DELETE /api/messages/<id> clears one');
    }
    const gone =
      stop !== null
        ? book.remove((m) => 'stop' in m.target && m.target.stop === stop)
        : site !== null
          ? book.remove((m) => 'site' in m.target && m.target.site === site)
          : book.remove(() => true);
    if (gone.length) ctx.log.info('service messages cleared', { stop, site, all: all !== null, ids: gone.map((m) => m.id) });
    return { body: { removed: gone.map((m) => m.id), displays: gone.length ? touchedBy(gone) : 0 } };
  });

  const deviceOf = (id: string) => {
    const d = ctx.devices.get(id);
    if (!d) throw new HttpError(404, `no device ${id.slice(0, 80)} (tabla devices)`);
    return d;
  };

  ctx.routes.add('GET', '/api/devices/:id/frame', (req) => {
    const d = deviceOf(req.params.id!);
    const f = frames.get(d.id);
    if (!f) throw new HttpError(404, `${d.id} has not reported what it shows yet`);
    return {
      body: {
        id: d.id,
        kind: f.kind,
        summary: f.summary,
        hash: f.hash,
        ts: new Date(f.ts).toISOString(),
        receivedAt: new Date(f.receivedAt).toISOString(),
        width: f.width,
        height: f.height,
        image: f.width !== null ? `/api/devices/${encodeURIComponent(d.id)}/frame.png` : null,
        imageError: f.imageError,
      },
    };
  });

  ctx.routes.add('GET', '/api/devices/:id/frame.png', (req) => {
    const d = deviceOf(req.params.id!);
    const f = frames.get(d.id);
    if (!f) throw new HttpError(404, `${d.id} has not reported what it shows yet`);
    const png = frames.png(d.id);
    if (!png) {
      throw new HttpError(404, f.imageError ? `${d.id}'s last picture was refused: ${f.imageError}` : `${d.id}'s last frame has no picture (a device without a panel reports text only)`);
    }
    return { bytes: png, contentType: 'image/png' };
  });
}
