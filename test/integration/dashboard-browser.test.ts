/**
 * The fleet's dashboard in a real browser, with real parts only: a real fleet (embedded broker on
 * loopback; the ETA, displays and dashboard engines on the eta-line feed as site `town`), a real
 * stop-display agent (departures module, real renderer) on the simulated e-paper panel, and
 * Debian's Chromium driven headless by playwright-core.
 *
 * The page asks for the admin token (a form, never the URL) → the overview lists the display,
 * not yet seen → the agent starts and the page shows it online without a reload (the event
 * stream) → the mirror shows the frame the display reported, its PNG loaded with the session
 * cookie → on the device page, Identify goes to the agent and its row turns `succeeded`, and the
 * heartbeats are uPlot charts from the fleet's stored heartbeats, extended live → ridership per
 * stop and hour is a uPlot bar chart of a bus's counted visits.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { Agent } from '../../device/agent.js';
import { departures } from '../../device/modules/departures/index.js';
import { gps } from '../../device/modules/gps/index.js';
import { SimulatedGnss } from '../../hardware/gnss/simulated.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import { dashboardEngine } from '../../fleet/engines/dashboard/index.js';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { etaEngine } from '../../fleet/engines/eta/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { agentConfigFor } from '../../fleet/provision.js';
import { AgentConfig, State, encode, topic, type CarParkStatus, type Role } from '../../protocols/index.js';
import type { FleetService } from '../../fleet/service.js';
import { LAT, T0, lineFeed, lonOf } from '../fixtures/eta-line.js';
import { SteppableClock, api, deviceClient, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';
import { carParkStatus } from '../fixtures/car-park.js';
import { chromiumHere, launchChromium } from '../browser.js';

/** The page's document, as the functions run in the browser see it (the project compiles without the DOM's types). */
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): { length: number } };
declare const location: { hash: string };
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  complete?: boolean;
  naturalWidth?: number;
  naturalHeight?: number;
}

/** A folder to save screenshots of the views in (to look at them), if set. */
const SHOTS = process.env.TABLA_DASHBOARD_SHOTS;
const DISPLAY_SETTINGS = { refreshMinIntervalS: 0, tickS: 1, liveMaxAgeS: 30, realtimeMaxAgeS: 30 };

/** A device provisioned at site `town` and its agent config (reconnects shortened). */
function configFor(fleet: FleetService, id: string, role: Role, labels: Record<string, string>, settings: Record<string, unknown> = {}): AgentConfig {
  const { secret } = fleet.registry.provision({ id, role, site: 'town', labels });
  const base = agentConfigFor({ deviceId: id, role, site: 'town', secret, mqttUrl: fleet.mqttUrl, dataDir: tmpDir(`tabla-${id}-`) });
  return AgentConfig.parse({ ...base, mqtt: { ...base.mqtt, reconnectMinMs: 100, reconnectMaxMs: 500 }, settings });
}

const carPark = (over: Partial<CarParkStatus>) => carParkStatus('glazija', { site: 'town', updatedAt: '2026-11-30T08:02:00+01:00', ...over });

if (chromiumHere(test, 'the dashboard in Chromium')) {
  test('the dashboard in Chromium: log in with the token, a display goes online live, its frame in the mirror, identify succeeds', async () => {
    const clock = new SteppableClock();
    clock.offsetMs = T0 + 150_000 - Date.now(); // 08:02:30 on the feed's Monday
    const timetables = new Timetables();
    const load = lineFeed();
    timetables.set({ site: 'town', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
    const fleet = await startFleet({ clock, engines: [etaEngine({ timetables, boardIntervalMs: 100 }), displaysEngine({ timetables, tickMs: 50 }), dashboardEngine({ timetables })] });
    const config = configFor(fleet, 'disp-3', 'stop-display', { stop: 'S3' }, { modules: { departures: DISPLAY_SETTINGS } });
    const panelSecret = fleet.registry.provision({ id: 'panel-1', role: 'parking-panel', site: 'town' }).secret;
    const counterSecret = fleet.registry.provision({ id: 'bus-2', role: 'bus', site: 'town', labels: { label: '102' } }).secret;
    // A bus 300 m along the street at 08:02:30, heading on at 5 m/s.
    const gnss = new SimulatedGnss({ route: [[LAT, lonOf(300)], [LAT, lonOf(2000)]], speedMps: 5, loop: false, now: () => clock.now() });
    const bus = new Agent({ config: configFor(fleet, 'bus-1', 'bus', { label: '101' }), log: quiet, clock, modules: [gps()], drivers: { gnss } });
    const panel = new SimulatedEpaper({ speed: 100, png: path.join(tmpDir('tabla-glass-'), 'disp-3.png'), temperatureC: 20 });
    let identified = 0;
    const display = new Agent({ config, log: quiet, clock, modules: [departures({ now: () => clock.now() })], drivers: { epaper: panel }, onIdentify: () => void identified++ });
    let browser: Browser | null = null;
    const clients: Awaited<ReturnType<typeof deviceClient>>[] = [];
    try {
      browser = await launchChromium();
      const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
      const host = new URL(fleet.httpUrl).host;
      const external: string[] = [];
      const urls: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => {
        urls.push(r.url());
        if (new URL(r.url()).host !== host) external.push(r.url());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      // Console errors but for the API's own 404s (no occupancy or alerts engine here): a CSP refusal shows here.
      page.on('console', (m) => void (m.type() === 'error' && !/Failed to load resource/.test(m.text()) && errors.push(m.text())));

      // The fleet's own address leads a browser to the login form; a wrong token is refused on the page.
      await page.goto(`${fleet.httpUrl}/`);
      assert.is(new URL(page.url()).pathname, '/dashboard');
      await page.waitForSelector('#login-form', { state: 'visible' });
      await page.fill('#token', 'wrong');
      await page.click('#login-form button');
      await page.waitForFunction(() => /refused/.test(document.querySelector('#login-error')!.textContent ?? ''));
      await page.fill('#token', fleet.local.adminToken);
      await page.click('#login-form button');

      // The overview: the display is listed, not seen yet.
      const row = page.locator('#devices tr[data-device="disp-3"]');
      await row.waitFor();
      assert.is(await row.locator('.presence').innerText(), 'unknown');
      assert.ok(await page.locator('#login').isHidden(), 'the form goes away');
      const cookies = await page.context().cookies();
      assert.equal(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]), [['tabla_session', true, 'Strict', '/']]);

      // It comes online: the page shows it without a reload.
      await page.waitForSelector('#live[data-state="open"]');
      const navigations = urls.filter((u) => u.endsWith('/dashboard')).length;
      await display.start();
      await page.waitForFunction(() => document.querySelector('#devices tr[data-device="disp-3"] .presence')?.textContent === 'online', null, { timeout: 15_000 });
      assert.is(await page.locator('#presence tr[data-site="town"][data-role="stop-display"] td[data-presence="online"]').innerText(), '1');
      assert.is(await page.locator('#totals [data-count="online"]').innerText(), '1');
      assert.is(urls.filter((u) => u.endsWith('/dashboard')).length, navigations, 'no reload');
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-overview.png`, fullPage: true });

      // The mirror: the frame the display reported, as a picture.
      await waitFor('a frame with a picture at the fleet', () => fleet.registry.get('disp-3')?.frame?.hash);
      await page.click('nav a[data-view="displays"]');
      const img = page.locator('#mirror figure[data-device="disp-3"] img');
      const summary = page.locator('#mirror figure[data-device="disp-3"] .summary');
      // The display may send a newer frame meanwhile: what counts is the picture of the frame stored now, loaded.
      const shown = await waitFor('the stored frame in the mirror, loaded', async () => {
        const stored = fleet.registry.get('disp-3')!.frame!;
        const i = await img.evaluate((e) => {
          const x = e as unknown as PageElement & { getAttribute(name: string): string | null };
          return { src: x.getAttribute('src') ?? '', complete: x.complete === true, width: x.naturalWidth ?? 0, height: x.naturalHeight ?? 0 };
        });
        const ok = i.complete && i.src === `/dashboard/api/devices/disp-3/frame.png?v=${stored.hash}` && (await summary.innerText()) === stored.summary.trim();
        return ok ? i : null;
      }, 15_000);
      assert.ok(shown.width > 100 && shown.height > 100, `a panel-sized picture (${shown.width}×${shown.height})`);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-mirror.png`, fullPage: true });

      // The device page: Identify reaches the agent and its row says so.
      await page.click('#mirror figure[data-device="disp-3"] figcaption a');
      await page.waitForSelector('#device-title');
      await page.click('button[data-verb="identify"]');
      await page.waitForFunction(() => document.querySelector('#commands tr[data-verb="identify"] .status')?.textContent === 'succeeded', null, { timeout: 15_000 });
      assert.is(identified, 1, 'the agent identified itself once');
      assert.match(await page.locator('#commands tr[data-verb="identify"]').innerText(), /"deviceId":"disp-3"/);
      // Its heartbeats: a uPlot chart per series, drawn from what the fleet kept (the agent has beaten at least once).
      for (const key of ['depth', 'oldestAgeS', 'cpu', 'mem']) {
        await page.waitForSelector(`#heartbeats .hb-chart[data-chart="${key}"] .uplot canvas`);
      }
      assert.ok(Number(await page.locator('#heartbeats .hb-chart[data-chart="cpu"]').getAttribute('data-points')) >= 1, 'the agent’s CPU load charted');
      assert.is(await page.locator('#heartbeats .uplot').count(), 4, 'no temperature chart: the simulated board reports none');
      assert.is(await page.locator('#heartbeats svg').count(), 0, 'no hand-drawn chart');
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-device.png`, fullPage: true });

      // Parking: a car park's change on the bus reaches the table live.
      await page.click('nav a[data-view="parking"]');
      await page.waitForSelector('#view[data-view="parking"]');
      fleet.bus.emit('occupancy-changed', { status: carPark({ free: 37, state: 'almostFull', trend: 'rising' }), previous: null });
      const park = page.locator('#carparks tr[data-carpark="glazija"]');
      await park.waitFor();
      assert.equal([await park.locator('.free').innerText(), await park.locator('.state').innerText(), await park.locator('.trend').innerText()], ['37', 'almostFull', '↑ filling']);
      fleet.bus.emit('occupancy-changed', { status: carPark({ free: 0, state: 'full', trend: 'steady' }), previous: null });
      await page.waitForFunction(() => document.querySelector('#carparks tr[data-carpark="glazija"] .free')?.textContent === '0');
      // A panel's rows as its sign shows them (its frame's summary, as the panel module words it).
      fleet.bus.emit('frame-received', { deviceId: 'panel-1', frame: { v: 1, ts: clock.now(), kind: 'parking-counts', summary: 'GLAZIJA ZASEDENO · CELEIAPARK 123' } });
      await page.waitForSelector('#panels tr[data-device="panel-1"] .signrow >> nth=1');
      assert.equal(await page.locator('#panels tr[data-device="panel-1"] .signrow').allInnerTexts(), ['GLAZIJA ZASEDENO', 'CELEIAPARK 123']);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-parking.png`, fullPage: true });

      // Buses: the line drawn from the feed, no tiles, and the bus on it with its delay.
      await bus.start();
      await page.click('nav a[data-view="buses"]');
      await page.waitForSelector('#bus-map polyline', { state: 'attached' }); // a straight line has no height
      assert.ok((await page.locator('#bus-map circle.stop').count()) >= 3, 'the stops on the map');
      await page.waitForSelector('#bus-map g.bus[data-vehicle="bus-1"]', { timeout: 15_000 });
      assert.match(await page.locator('#bus-map g.bus[data-vehicle="bus-1"] text').textContent() ?? '', /^101 · /);
      assert.match(await page.locator('#vehicles tr[data-vehicle="bus-1"]').innerText(), /101/);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-buses.png`, fullPage: true });

      // Ridership: no visit counted this week, said so; then a bus's counted visits, per stop and hour, as uPlot bars.
      await page.click('nav a[data-view="ridership"]');
      await page.waitForFunction(() => /No counted stop visits/.test(document.querySelector('#view')?.textContent ?? ''));
      const counter = await deviceClient(fleet, 'bus-2', counterSecret);
      clients.push(counter);
      const visit = (seq: number, ts: number, stopId: string, boardings: number, alightings: number) => ({ seq, ts, data: { stopId, doors: [{ door: 1, boardings, alightings }], onboard: 20 } });
      const records = [visit(1, clock.now() - 2 * 3600_000, 'S1', 5, 0), visit(2, clock.now() - 60_000, 'S3', 9, 3), visit(3, clock.now() - 30_000, 'S3', 3, 0)];
      await counter.publishAsync(topic.telemetry('bus-2', 'apc'), JSON.stringify({ v: 1, epoch: 1, outbox: 'c1', low: 1, records }), { qos: 1 });
      await waitFor('the visits in the ridership', async () => (await api(fleet, 'GET', '/api/ridership')).body.totals?.visits === 3);
      await page.click('nav a[data-view="overview"]');
      await page.click('nav a[data-view="ridership"]');
      const riders = page.locator('#ridership-chart[data-stop="S3"]');
      await riders.locator('.uplot canvas').waitFor();
      assert.equal([await riders.getAttribute('data-boardings'), await riders.getAttribute('data-alightings')], ['12', '3'], 'the busiest stop first');
      assert.match(await riders.locator('.u-legend').innerText(), /boardings[^]*alightings/);
      await page.selectOption('#rider-stop', 'S1');
      await page.waitForSelector('#ridership-chart[data-stop="S1"][data-boardings="5"] .uplot canvas');
      assert.is(await page.locator('#view .uplot').count(), 1, 'the other stop’s chart is gone');
      fleet.bus.emit('presence-changed', { deviceId: 'disp-3', presence: 'online', previous: 'online' });
      await new Promise((r) => setTimeout(r, 200));
      assert.is(await page.locator('#ridership-chart[data-stop="S1"] .uplot canvas').count(), 1, 'a device’s news leaves the chart be');
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-ridership.png`, fullPage: true });

      // A device page's charts grow live: a panel's stored beat, another in the same minute (in its place), one a minute later (added).
      const panelLink = await deviceClient(fleet, 'panel-1', panelSecret);
      clients.push(panelLink);
      const beat = (depth: number) =>
        panelLink.publishAsync(topic.state('panel-1'), encode(State, { v: 1, epoch: 1, ts: clock.now(), status: 'online', outbox: { depth, oldestAgeS: depth * 10, dropped: 0 }, health: { cpuLoad1: 0.2, memUsedBytes: 300, memTotalBytes: 1000, uptimeS: 9, temperatureC: 31 } }), { qos: 1, retain: true });
      const panelDepth = async () => (await api(fleet, 'GET', '/api/devices/panel-1/heartbeats')).body.samples.at(-1)?.depth;
      clock.step(60_000 - (clock.now() % 60_000) + 1_000); // 1 s into a minute: the next beat shares it
      await beat(5);
      await waitFor('the beat kept', async () => (await panelDepth()) === 5);
      await page.evaluate(() => void (location.hash = '#/device/panel-1'));
      const chart = '#heartbeats .hb-chart[data-chart="depth"]';
      const shows = (points: number, now: string) =>
        page.waitForFunction(([sel, n, text]) => {
          const fig = document.querySelector(sel as string);
          return fig?.getAttribute('data-points') === String(n) && (fig.textContent ?? '').includes(text as string);
        }, [chart, points, now] as const);
      await shows(1, 'now 5');
      await page.waitForSelector('#heartbeats .hb-chart[data-chart="temperatureC"] .uplot canvas');
      await beat(6);
      await shows(1, 'now 6');
      clock.step(60_000);
      await beat(7);
      await shows(2, 'now 7');
      assert.is((await api(fleet, 'GET', '/api/devices/panel-1/heartbeats')).body.samples.length, 2, 'the page and the fleet agree');
      assert.is(await page.locator('#heartbeats .uplot').count(), 5);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard-device-live.png`, fullPage: true });

      assert.equal(external, [], 'nothing from another host');
      assert.ok(urls.every((u) => !u.includes(fleet.local.adminToken)), 'the token is in no URL');
      assert.equal(errors, [], 'no script errors');
    } finally {
      await browser?.close();
      for (const c of clients) await c.endAsync();
      await bus.stop();
      await display.stop();
      await fleet.stop();
    }
  });
}

test.run();
