/**
 * The dashboard engine: the fleet's live page for the people who run it, served by the fleet under
 * `/dashboard` from assets built into the package (no CDN, no framework: it works on a closed
 * network), behind the admin token given once on its login page.
 *
 * - `GET /dashboard` the page, `/dashboard/app.css`, `/dashboard/app.js` (open: they hold no data;
 *   a strict Content-Security-Policy keeps the page to its own files), and the charting library
 *   uPlot from the package (assets.ts) at `/dashboard/assets/uplot.js` and `uplot.css`
 * - `POST /dashboard/login` `{token}` → 200 and an HttpOnly SameSite=Strict session cookie; 401
 *   when the fleet refuses the token. `POST /dashboard/logout`; `GET /dashboard/session` → 200 | 401
 * - `GET /dashboard/events` → Server-Sent Events of the fleet bus (live.ts), for a session
 * - `GET /dashboard/network` → `{sites: [{site, routes, lines, stops}]}`: the GTFS shapes and stops
 *   for the buses' map (network.ts), for a session
 * - `GET /dashboard/api/<path>` → the fleet's `GET /api/<path>` for a session (forward.ts);
 *   `POST /dashboard/api/devices/:id/commands` `{verb: identify | restart}` likewise
 * - `GET /api/devices/:id/heartbeats` (admin token) → `{deviceId, intervalS, windowS, samples:
 *   [{ts, depth, oldestAgeS, cpu, mem, temperatureC}]}`: the last sample of each minute of the
 *   last hours, kept in memory from the bus's heartbeats (heartbeats.ts) and in the fleet's database
 *   across restarts (heartbeat-store.ts); 404 for an unknown device
 *
 * Cookie routes live outside `/api/`, where the router wants the bearer token.
 */
import { z } from 'zod';
import { HttpError, parseBody, type ApiRequest, type ApiResponse } from '../../http/router.js';
import type { GtfsFeed } from '../../../protocols/index.js';
import type { EngineContext, FleetEngine } from '../engine.js';
import { chartAssets } from './assets.js';
import { asResponse, commandRefusal, forward, selfUrl, serverResponseOf } from './forward.js';
import { HeartbeatHistory, type HeartbeatHistoryOptions } from './heartbeats.js';
import { HEARTBEATS_MIGRATION, HeartbeatStore } from './heartbeat-store.js';
import { LIVE_EVENTS, LiveFeed, liveEvent } from './live.js';
import { networkOf, type SiteNetwork } from './network.js';
import { PAGE_CSS } from './page-css.js';
import { pageHtml } from './page-html.js';
import { PAGE_SCRIPT } from './page-script.js';
import { DASHBOARD_PATH, SessionBook, sessionCookie, type Session } from './session.js';

export { DASHBOARD_PATH, SESSION_COOKIE, SessionBook, cookieValue, sessionCookie } from './session.js';
export { LiveFeed, liveEvent, sseMessage } from './live.js';
export { commandRefusal, DASHBOARD_VERBS } from './forward.js';
export { HeartbeatHistory, heartbeatValues, type HeartbeatSample } from './heartbeats.js';

/**
 * uPlot sizes and places its elements by setting `element.style.<property>` from its script: that
 * is the CSS object model, which `style-src` does not govern (only `<style>` elements and `style`
 * attributes in markup), so the charts need no 'unsafe-inline' and the policy stays as it was.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const LoginBody = z.object({ token: z.string().min(1).max(512) }).strict();
/** A refused login waits this long before it is answered: a brake on guessing. */
const REFUSAL_DELAY_MS = 300;

export interface DashboardEngineOptions {
  /** The sites' GTFS feeds, for the buses' map (the gtfs engine's `Timetables`); no map without. */
  timetables?: { all(): readonly { site: string; feed: GtfsFeed }[] };
  /** How long a login lasts (12 h). */
  sessionMaxAgeMs?: number;
  /** Keep-alive comments on the event stream (15 s). */
  pingMs?: number;
  /** The heartbeats kept for the device page's charts (six hours of minutes, 5000 devices). */
  heartbeats?: HeartbeatHistoryOptions;
  /** How often the heartbeat minutes that are over are written to the database, ms (15 s). */
  heartbeatFlushMs?: number;
}

export const DASHBOARD_MIGRATIONS = [HEARTBEATS_MIGRATION];
/** Rows of the heartbeat history outside its window are deleted this often. */
const PRUNE_EVERY_MS = 10 * 60_000;
/** The library's files change only with the package: a browser keeps them (their URLs carry a hash). */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

export function dashboardEngine(options: DashboardEngineOptions = {}): FleetEngine {
  const live = new LiveFeed();
  const heartbeats = new HeartbeatHistory(options.heartbeats);
  let ping: NodeJS.Timeout | null = null;
  let flush: NodeJS.Timeout | null = null;
  /** Writes the minute under way too (the engine is stopping). */
  let lastFlush: (() => void) | null = null;

  return {
    name: 'dashboard',
    start(ctx: EngineContext) {
      const sessions = new SessionBook(() => ctx.clock.now(), options.sessionMaxAgeMs);
      // A dashboard login opens the applications mounted for admins too (Node-RED's editor at /red).
      ctx.routes.acceptSessions((req) => sessions.of(req.headers.cookie)?.token ?? null);
      const m = ctx.metrics;
      m.define('tabla_dashboard_logins_total', 'counter', 'Logins on the dashboard page, by outcome (ok, refused).');
      m.define('tabla_dashboard_pages', 'gauge', 'Dashboard pages with the live event stream open.');
      m.define('tabla_dashboard_pages_dropped_total', 'counter', 'Dashboard pages dropped for reading their event stream too slowly.');
      m.define('tabla_dashboard_sessions', 'gauge', 'Dashboard logins open.');
      m.define('tabla_dashboard_heartbeat_devices', 'gauge', 'Devices whose recent heartbeats the dashboard keeps for its charts.');
      m.define('tabla_dashboard_heartbeat_write_failures_total', 'counter', 'Writes of the heartbeat history to the database that failed (the charts keep it in memory).');
      m.define('tabla_dashboard_heartbeat_unreadable_total', 'counter', 'Minutes of heartbeat history in the database that could not be read back (skipped).');

      // The charts' hours survive a restart: read back what the last run wrote, then write as they come.
      const hb = new HeartbeatStore(ctx.migrate(DASHBOARD_MIGRATIONS), ctx.log);
      lastFlush = () => hb.flush(ctx.clock.now(), true);
      try {
        hb.prune(ctx.clock.now(), heartbeats.minutes);
        const read = hb.load(heartbeats, ctx.clock.now());
        if (read) ctx.log.info('heartbeat history read back', { samples: read, devices: heartbeats.devices });
      } catch (err) {
        ctx.log.warn('heartbeat history not read back; the charts start again', { error: (err as Error).message });
      }
      let pruned = ctx.clock.now();
      flush = setInterval(() => {
        try {
          const now = ctx.clock.now();
          hb.flush(now);
          if (Math.abs(now - pruned) >= PRUNE_EVERY_MS) {
            pruned = now;
            hb.prune(now, heartbeats.minutes);
          }
        } catch (err) {
          ctx.log.warn('heartbeat history flush failed', { error: (err as Error).message });
        }
      }, options.heartbeatFlushMs ?? 15_000);
      flush.unref();

      m.collect(() => {
        m.set('tabla_dashboard_heartbeat_write_failures_total', {}, hb.failures);
        m.set('tabla_dashboard_heartbeat_unreadable_total', {}, hb.unreadable);
        m.set('tabla_dashboard_pages', {}, live.pages);
        m.set('tabla_dashboard_heartbeat_devices', {}, heartbeats.devices);
        m.set('tabla_dashboard_sessions', {}, sessions.size);
        m.set('tabla_dashboard_pages_dropped_total', {}, live.dropped);
      });

      const assets = chartAssets(); // read once, here: a package without its uPlot fails the engine's start, not a page
      const PAGE_HTML = pageHtml((name) => `${DASHBOARD_PATH}/assets/${name}?v=${assets.get(name)!.tag}`);

      for (const name of LIVE_EVENTS) {
        if (name !== 'device-state') ctx.on(name, (payload) => live.send(liveEvent(name, payload as never)));
      }
      // A heartbeat is kept first; the page is sent the very sample kept, to append to its charts.
      ctx.on('device-state', (payload) => {
        const sample = heartbeats.record(payload.deviceId, payload.state, ctx.clock.now());
        if (sample) hb.keep(payload.deviceId, sample);
        live.send(liveEvent('device-state', payload, sample));
      });
      ping = setInterval(() => {
        try {
          live.ping();
        } catch (err) {
          ctx.log.warn('dashboard ping failed', { error: (err as Error).message });
        }
      }, options.pingMs ?? 15_000);
      ping.unref();

      const asset = (req: ApiRequest, text: string, contentType: string, cache = 'no-cache'): ApiResponse => {
        const res = serverResponseOf(req);
        res.setHeader('content-security-policy', CSP);
        res.setHeader('cache-control', cache);
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'no-referrer');
        return { text, contentType };
      };
      const sessionOf = (req: ApiRequest): Session => {
        const s = sessions.of(req.raw.headers.cookie);
        if (!s) throw new HttpError(401, 'log in on the dashboard page first');
        return s;
      };
      const answer = (s: Session, f: Awaited<ReturnType<typeof forward>>): ApiResponse => {
        if (f.status === 401) {
          sessions.closeToken(s.token); // the admin token changed: log in again
          throw new HttpError(401, 'the admin token of this login is no longer accepted; log in again');
        }
        return asResponse(f);
      };

      const r = ctx.routes;
      r.add('GET', DASHBOARD_PATH, (req) => asset(req, PAGE_HTML, 'text/html; charset=utf-8'));
      r.add('GET', `${DASHBOARD_PATH}/app.css`, (req) => asset(req, PAGE_CSS, 'text/css; charset=utf-8'));
      r.add('GET', `${DASHBOARD_PATH}/app.js`, (req) => asset(req, PAGE_SCRIPT, 'text/javascript; charset=utf-8'));
      r.add('GET', `${DASHBOARD_PATH}/assets/:name`, (req) => {
        const a = assets.get(req.params.name ?? '');
        if (!a) throw new HttpError(404, `no dashboard asset ${String(req.params.name).slice(0, 80)}`);
        return asset(req, a.text, a.contentType, ASSET_CACHE);
      });

      r.add('GET', '/api/devices/:id/heartbeats', (req) => {
        const id = req.params.id!;
        if (!ctx.devices.get(id)) throw new HttpError(404, `no device ${id.slice(0, 80)}`);
        return { body: { deviceId: id, intervalS: 60, windowS: heartbeats.minutes * 60, samples: heartbeats.samples(id, ctx.clock.now()) } };
      });

      r.add('POST', `${DASHBOARD_PATH}/login`, async (req) => {
        const { token } = parseBody(LoginBody, await req.json());
        const check = await forward(selfUrl(req), token, 'GET', '/api/devices');
        if (check.status !== 200) {
          m.inc('tabla_dashboard_logins_total', { outcome: 'refused' });
          await new Promise((resolve) => setTimeout(resolve, REFUSAL_DELAY_MS));
          throw new HttpError(401, 'the fleet refused this token (tabla token shows it)');
        }
        const s = sessions.open(token);
        m.inc('tabla_dashboard_logins_total', { outcome: 'ok' });
        serverResponseOf(req).setHeader('set-cookie', sessionCookie(s.id, Math.floor(sessions.maxAgeMs / 1000)));
        ctx.log.info('dashboard login', { from: req.raw.socket.remoteAddress });
        return { body: { ok: true, expiresAt: new Date(s.expiresAt).toISOString() } };
      });
      r.add('POST', `${DASHBOARD_PATH}/logout`, (req) => {
        const s = sessions.of(req.raw.headers.cookie);
        if (s) sessions.close(s.id);
        serverResponseOf(req).setHeader('set-cookie', sessionCookie('', 0));
        return { body: { ok: true } };
      });
      r.add('GET', `${DASHBOARD_PATH}/session`, (req) => {
        const s = sessionOf(req);
        // apps: what else this login opens (Node-RED's editor at /red when it runs).
        return { body: { ok: true, expiresAt: new Date(s.expiresAt).toISOString(), apps: ctx.routes.mounted() } };
      });

      r.add('GET', `${DASHBOARD_PATH}/events`, async (req) => {
        sessionOf(req);
        if (live.full) throw new HttpError(503, 'too many dashboard pages open; close one');
        await live.attach(serverResponseOf(req));
        return { body: null }; // the stream is written and ended; nothing more goes out
      });

      const networks = new WeakMap<GtfsFeed, SiteNetwork>();
      r.add('GET', `${DASHBOARD_PATH}/network`, (req) => {
        sessionOf(req);
        const sites = (options.timetables?.all() ?? []).map(({ site, feed }) => {
          const known = networks.get(feed);
          if (known) return known;
          const made = networkOf(site, feed);
          networks.set(feed, made);
          return made;
        });
        return { body: { sites } };
      });
      r.add('GET', `${DASHBOARD_PATH}/api/*`, async (req) => {
        const s = sessionOf(req);
        return answer(s, await forward(selfUrl(req), s.token, 'GET', `/api/${req.params['*'] ?? ''}${req.url.search}`));
      });
      r.add('POST', `${DASHBOARD_PATH}/api/*`, async (req) => {
        const s = sessionOf(req);
        if (!/^application\/json\b/.test(req.raw.headers['content-type'] ?? '')) throw new HttpError(415, 'the dashboard posts JSON');
        const path = `/api/${req.params['*'] ?? ''}`;
        const body = await req.json();
        const refused = commandRefusal(path, body);
        if (refused) throw new HttpError(403, refused);
        return answer(s, await forward(selfUrl(req), s.token, 'POST', path, body));
      });
    },
    stop() {
      if (ping) clearInterval(ping);
      ping = null;
      if (flush) clearInterval(flush);
      flush = null;
      // Before the database closes; a fleet started again within the minute merges into it.
      lastFlush?.();
      lastFlush = null;
      live.close();
      heartbeats.clear();
    },
  };
}

export default dashboardEngine;
