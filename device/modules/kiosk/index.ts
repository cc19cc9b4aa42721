/**
 * kiosk (info-panel): the interactive information panel. Takes `kiosk` content (car parks, next
 * buses at the nearest stops, notices, bike stations near by), keeps the latest in its own table (store.ts: a restarted
 * panel shows it at once, link or no link, marked with its age) and serves the touch page for the
 * kiosk browser on http://127.0.0.1:<port>/ with node:http (server.ts): the page, and its view as
 * JSON on `/api/kiosk` (view.ts decides every word, page-script.ts lays it out).
 *
 * Stale is honest: without the fleet, or with data older than `staleAfterS`, the page carries the
 * banner "Podatki niso osveženi od HH:MM". The module is `degraded` while it has no content yet or
 * its content is stale with the fleet online (the fleet stopped sending), and reports a summary of
 * what the page shows as its frame.
 */
import type { KioskContent, KioskSettings } from '../../../protocols/index.js';
import { MODULE_SETTINGS } from '../../../protocols/index.js';
import type { AgentContext, AgentModule } from '../../module.js';
import { startKioskServer, type KioskServer } from './server.js';
import { KioskStore } from './store.js';
import { kioskView, type KioskView, type StoredKiosk } from './view.js';

export type { KioskView, StoredKiosk } from './view.js';

export interface KioskOptions {
  /** Wall-clock ms (default Date.now; tests step it). */
  now?: () => number;
}

export interface KioskModule extends AgentModule<KioskSettings, 'kiosk'> {
  /** The page's address while the module runs (http://127.0.0.1:<port>/), else null. */
  url(): string | null;
  /** The latest content and when it came, or null. */
  latest(): StoredKiosk | null;
  /** What the page is served now. */
  view(): KioskView | null;
}

/** How often the module looks at its own state (status in the heartbeat). */
const WATCH_MS = 10_000;

/** One line of what the panel shows, for the frame (`tabla preview`, the dashboard); a bike station as `name bikes/docks`. */
export function kioskSummary(body: KioskContent): string {
  const parks = body.carParks.map((c) => `${c.name} ${c.state === 'closed' ? 'ZAPRTO' : c.state === 'full' || c.free === 0 ? 'ZASEDENO' : (c.free ?? '--')}`);
  const deps = body.stops.reduce((n, s) => n + s.departures.length, 0);
  const bikes = (body.bikes ?? []).map((b) => `${b.name} ${b.bikes ?? '--'}/${b.docks ?? '--'}`);
  return [`Parkirišča: ${parks.join(', ') || '—'}`, `Postaje: ${body.stops.length}, odhodi: ${deps}`, `Obvestila: ${body.notices.length}`, ...(bikes.length ? [`Kolesa: ${bikes.join(', ')}`] : [])]
    .join(' | ')
    .slice(0, 2000);
}

export function kiosk(options: KioskOptions = {}): KioskModule {
  const now = options.now ?? Date.now;
  let ctx: AgentContext<KioskSettings> | null = null;
  let store: KioskStore | null = null;
  let server: KioskServer | null = null;
  let latest: StoredKiosk | null = null;
  let status = '';

  const view = (): KioskView | null => (ctx ? kioskView({ stored: latest, now: now(), fleetOnline: ctx.fleetOnline(), settings: ctx.settings() }) : null);

  const report = (c: AgentContext<KioskSettings>) => {
    const v = kioskView({ stored: latest, now: now(), fleetOnline: c.fleetOnline(), settings: c.settings() });
    const online = c.fleetOnline();
    const [s, error] = !latest
      ? (['degraded', 'no kiosk content yet'] as const)
      : online && v.data.stale
        ? (['degraded', `kiosk content ${Math.round((now() - v.data.at!) / 1000)} s old`] as const)
        : (['ok'] as const);
    const key = `${s} ${error ?? ''}`;
    if (key === status) return;
    status = key;
    c.setStatus(s, error);
  };

  const listen = async (c: AgentContext<KioskSettings>) => {
    const s = await startKioskServer({ port: c.settings().port, view: () => view(), log: c.log });
    server = s;
    c.log.info('kiosk page served', { url: s.url });
  };

  return {
    name: 'kiosk',
    settings: MODULE_SETTINGS.kiosk,
    contentKinds: ['kiosk'],
    async start(c) {
      ctx = c;
      status = '';
      store = new KioskStore(c.db, c.log);
      latest = store.load();
      await listen(c);
      report(c);
      c.every(WATCH_MS, () => report(c));
      if (latest) void c.publishFrame({ kind: 'kiosk', summary: kioskSummary(latest.body) });
    },
    async stop() {
      ctx = null;
      const s = server;
      server = null;
      await s?.close();
    },
    async onContent(_kind, body) {
      const c = ctx;
      if (!c || !store) return;
      const receivedAt = now();
      store.save(body, receivedAt);
      latest = { body, receivedAt };
      report(c);
      void c.publishFrame({ kind: 'kiosk', summary: kioskSummary(body) });
    },
    async onSettings(section) {
      const c = ctx;
      if (!c) return;
      if (server && server.port !== section.port && section.port !== 0) {
        const old = server;
        server = null;
        await old.close();
        await listen(c);
      }
      report(c);
    },
    identify() {
      ctx?.log.warn(`IDENTIFY: info panel ${ctx.device.id} at ${server?.url ?? 'no page'}`);
    },
    url: () => server?.url ?? null,
    latest: () => latest,
    view,
  };
}
