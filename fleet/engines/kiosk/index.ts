/**
 * The "kiosk" engine: the content of Celje's interactive information panels (role `info-panel`).
 *
 * For each panel (its registry site; its label `stops=<stop_id>,<stop_id>`) it composes one
 * `kiosk` body (compose.ts): the site's car parks as the occupancy engine last reported them
 * (`occupancy-changed`, kept in `kiosk_car_parks`), the next departures at its stops (the ETA
 * engine's board functions over the shared timetable, with its live predictions: departures.ts),
 * the service messages that reach it (the displays engine's, for the site, its stops or all) and
 * the bike-share stations near its stops (the bikes engine's `near`: only while their data is
 * fresh — once it goes stale the stations leave the body, which is a change, so it is sent).
 *
 * Every `tickMs` (default 5 s: at most that often per panel) each panel's body is composed and
 * sent, retained, when what it shows changed, and at least every `refreshMs` (default 60 s) so
 * the panel can tell fresh data from old; a panel's birth gets its body at once.
 *
 * Route (admin token): `GET /api/kiosk/:deviceId` — the body the panel would be sent now.
 */
import type Database from 'better-sqlite3';
import type { CarParkStatus, KioskContent } from '../../../protocols/index.js';
import { HttpError } from '../../http/router.js';
import type { FleetEngine } from '../engine.js';
import type { EtaLive } from '../eta/index.js';
import { MessageBook, type ServiceNotice } from '../displays/messages.js';
import type { NearBikes } from '../bikes/near.js';
import type { Timetables } from '../gtfs/timetables.js';
import { KioskCarParks, CAR_PARKS_MIGRATION } from './car-parks.js';
import { composeKiosk, kioskKey, panelOf, type KioskPanel } from './compose.js';
import { livePredictions, stopDepartures } from './departures.js';

export { composeKiosk, kioskBikes, kioskKey, panelOf, stopsLabel, type KioskPanel } from './compose.js';

export interface KioskEngineOptions {
  timetables: Timetables;
  /** the ETA engine's live view (`etaEngine(…).live`); without it every departure is scheduled */
  eta?: EtaLive;
  /** the occupancy engine's current statuses, read at start (the events keep them current after) */
  carParks?: () => CarParkStatus[];
  /** the bike stations near a panel now, null while none is fresh (the bikes engine's `near`) */
  bikes?: (deviceId: string) => NearBikes | null;
  /** the service messages in force (default: the displays engine's, read from its table) */
  notices?: (now: number) => ServiceNotice[];
  /** how often each panel's content is composed, ms (default 5 s) */
  tickMs?: number;
  /** a panel's content is sent again, unchanged, after this long, ms (default 60 s) */
  refreshMs?: number;
  /** when a site has no timetable to say its zone (default Europe/Ljubljana) */
  timeZone?: string;
}

export const KIOSK_MIGRATIONS = [CAR_PARKS_MIGRATION];

/** The displays engine's messages, read from its table (none while it has not made it). */
function displaysNotices(db: Database.Database): (now: number) => ServiceNotice[] {
  return (now) => {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'displays_messages'").get();
    return exists ? new MessageBook(db).active(now) : [];
  };
}

export function kioskEngine(options: KioskEngineOptions): FleetEngine {
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Immediate | null = null;
  return {
    name: 'kiosk',
    start(ctx) {
      const db = ctx.migrate(KIOSK_MIGRATIONS);
      const m = ctx.metrics;
      m.define('tabla_kiosk_sent_total', 'counter', 'Kiosk content sent to information panels, by why (changed, refresh, birth).');
      m.define('tabla_kiosk_errors_total', 'counter', 'Kiosk content that could not be composed or sent (logged with the panel).');
      m.define('tabla_kiosk_panels', 'gauge', 'Information panels the kiosk engine composes for.');

      const carParks = new KioskCarParks(db);
      try {
        for (const s of options.carParks?.() ?? []) carParks.put(s, ctx.clock.now());
      } catch (err) {
        ctx.log.warn('current car parks not read; waiting for their changes', { error: (err as Error).message });
      }
      const notices = options.notices ?? displaysNotices(db);
      const sent = new Map<string, { key: string; at: number }>();
      const warned = new Set<string>();

      /** A fault in reading the bike stations costs the panel its bikes, not its content. */
      const bikesNear = (panel: KioskPanel): NearBikes | null => {
        if (!options.bikes) return null;
        try {
          const near = options.bikes(panel.id);
          if (near?.stations.length && !panel.reads.includes('bikes') && !warned.has(`${panel.id}|reads`)) {
            warned.add(`${panel.id}|reads`);
            ctx.log.warn('an info panel has bike stations near it, but its agent is older and does not show them: update its agent', { device: panel.id });
          }
          return near;
        } catch (err) {
          m.inc('tabla_kiosk_errors_total');
          const key = `${panel.id}|bikes`;
          if (!warned.has(key)) {
            warned.add(key);
            ctx.log.warn('bike stations of an info panel not read; it is sent without them', { device: panel.id, error: (err as Error).message });
          }
          return null;
        }
      };

      const panels = (): KioskPanel[] => ctx.devices.list().flatMap((d) => panelOf(d) ?? []);

      const compose = (panel: KioskPanel, now: number): KioskContent => {
        const timetable = options.timetables.forSite(panel.site);
        const timeZone = timetable?.feed.timeZone ?? options.timeZone ?? 'Europe/Ljubljana';
        let stops: ReturnType<typeof stopDepartures>['stops'] = [];
        if (timetable && panel.stopIds.length) {
          const r = stopDepartures(timetable, panel.stopIds, livePredictions(options.eta, timetable.site), now);
          stops = r.stops;
          const key = `${panel.id}|${r.unknown.join(',')}`;
          if (r.unknown.length && !warned.has(key)) {
            warned.add(key);
            ctx.log.warn('stops of an info panel are not in its timetable', { device: panel.id, stops: r.unknown, site: timetable.site });
          }
        }
        return composeKiosk({ panel, now, timeZone, carParks: carParks.all(), stops, notices: notices(now), bikes: bikesNear(panel) });
      };

      const deliver = (panel: KioskPanel, now: number, force: boolean) => {
        try {
          const body = compose(panel, now);
          const key = kioskKey(body);
          const last = sent.get(panel.id);
          const why = force ? 'birth' : !last || last.key !== key ? 'changed' : now - last.at >= (options.refreshMs ?? 60_000) ? 'refresh' : null;
          if (!why) return;
          if (ctx.publishContent(panel.id, 'kiosk', body)) {
            sent.set(panel.id, { key, at: now });
            m.inc('tabla_kiosk_sent_total', { why });
          } else m.inc('tabla_kiosk_errors_total');
        } catch (err) {
          m.inc('tabla_kiosk_errors_total');
          ctx.log.error('kiosk content failed', { device: panel.id, error: (err as Error).message });
        }
      };

      const tick = () => {
        try {
          const now = ctx.clock.now();
          const list = panels();
          m.set('tabla_kiosk_panels', {}, list.length);
          for (const p of list) deliver(p, now, false);
        } catch (err) {
          m.inc('tabla_kiosk_errors_total');
          ctx.log.error('kiosk tick failed', { error: (err as Error).message, stack: (err as Error).stack });
        }
      };

      ctx.on('occupancy-changed', ({ status }) => {
        if (!carParks.put(status, ctx.clock.now())) ctx.log.warn('car park status refused', { carPark: String(status?.id).slice(0, 64) });
      });
      ctx.on('device-birth', ({ deviceId }) => {
        const d = ctx.devices.get(deviceId);
        const panel = d && panelOf(d);
        if (panel) deliver(panel, ctx.clock.now(), true);
      });

      timer = setInterval(tick, options.tickMs ?? 5_000);
      timer.unref();
      soon = setImmediate(tick);

      ctx.routes.add('GET', '/api/kiosk/:deviceId', (req) => {
        const d = ctx.devices.get(req.params.deviceId!);
        const panel = d && panelOf(d);
        if (!panel) throw new HttpError(404, `no info panel ${req.params.deviceId!.slice(0, 64)} (tabla provision <id> --role info-panel)`);
        const last = sent.get(panel.id);
        return { body: { content: compose(panel, ctx.clock.now()), lastSentAt: last ? new Date(last.at).toISOString() : null } };
      });
    },
    stop() {
      if (timer) clearInterval(timer);
      if (soon) clearImmediate(soon);
      timer = null;
      soon = null;
    },
  };
}
