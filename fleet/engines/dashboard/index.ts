/**
 * The dashboard engine: the fleet's live page for the people who run it, served by the fleet under
 * `/dashboard` from assets built into the package (no CDN, no framework: it works on a closed
 * network), behind the admin token given once on its login page.
 *
 * - `GET /dashboard` the page, `/dashboard/app.css`, `/dashboard/app.js` (open: they hold no data;
 *   a strict Content-Security-Policy keeps the page to its own files)
 * - `POST /dashboard/login` `{token}` → 200 and an HttpOnly SameSite=Strict session cookie; 401
 *   when the fleet refuses the token. `POST /dashboard/logout`; `GET /dashboard/session` → 200 | 401
 * - `GET /dashboard/events` → Server-Sent Events of the fleet bus (live.ts), for a session
 * - `GET /dashboard/network` → `{sites: [{site, routes, lines, stops}]}`: the GTFS shapes and stops
 *   for the buses' map (network.ts), for a session
 * - `GET /dashboard/api/<path>` → the fleet's `GET /api/<path>` for a session (forward.ts);
 *   `POST /dashboard/api/devices/:id/commands` `{verb: identify | restart}` likewise
 *
 * Cookie routes live outside `/api/`, where the router wants the bearer token.
 */
import { z } from 'zod';
import { HttpError, parseBody, type ApiRequest, type ApiResponse } from '../../http/router.js';
import type { GtfsFeed } from '../../../protocols/index.js';
import type { EngineContext, FleetEngine } from '../engine.js';
import { asResponse, commandRefusal, forward, selfUrl, serverResponseOf } from './forward.js';
import { LIVE_EVENTS, LiveFeed, liveEvent } from './live.js';
import { networkOf, type SiteNetwork } from './network.js';
import { PAGE_CSS } from './page-css.js';
import { PAGE_HTML } from './page-html.js';
import { PAGE_SCRIPT } from './page-script.js';
import { DASHBOARD_PATH, SessionBook, sessionCookie, type Session } from './session.js';

export { DASHBOARD_PATH, SESSION_COOKIE, SessionBook, cookieValue, sessionCookie } from './session.js';
export { LiveFeed, liveEvent, sseMessage } from './live.js';
export { commandRefusal, DASHBOARD_VERBS } from './forward.js';

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
}

export function dashboardEngine(options: DashboardEngineOptions = {}): FleetEngine {
  const live = new LiveFeed();
  let ping: NodeJS.Timeout | null = null;

  return {
    name: 'dashboard',
    start(ctx: EngineContext) {
      const sessions = new SessionBook(() => ctx.clock.now(), options.sessionMaxAgeMs);
      const m = ctx.metrics;
      m.define('tabla_dashboard_logins_total', 'counter', 'Logins on the dashboard page, by outcome (ok, refused).');
      m.define('tabla_dashboard_pages', 'gauge', 'Dashboard pages with the live event stream open.');
      m.define('tabla_dashboard_pages_dropped_total', 'counter', 'Dashboard pages dropped for reading their event stream too slowly.');
      m.define('tabla_dashboard_sessions', 'gauge', 'Dashboard logins open.');
      m.collect(() => {
        m.set('tabla_dashboard_pages', {}, live.pages);
        m.set('tabla_dashboard_sessions', {}, sessions.size);
        m.set('tabla_dashboard_pages_dropped_total', {}, live.dropped);
      });

      for (const name of LIVE_EVENTS) ctx.on(name, (payload) => live.send(liveEvent(name, payload as never)));
      ping = setInterval(() => {
        try {
          live.ping();
        } catch (err) {
          ctx.log.warn('dashboard ping failed', { error: (err as Error).message });
        }
      }, options.pingMs ?? 15_000);
      ping.unref();

      const asset = (req: ApiRequest, text: string, contentType: string): ApiResponse => {
        const res = serverResponseOf(req);
        res.setHeader('content-security-policy', CSP);
        res.setHeader('cache-control', 'no-cache');
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
        return { body: { ok: true, expiresAt: new Date(s.expiresAt).toISOString() } };
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
      live.close();
    },
  };
}

export default dashboardEngine;
