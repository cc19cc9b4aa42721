/**
 * The information panel in a real browser, with real parts only: a real fleet (embedded broker on
 * loopback; the ETA, displays and kiosk engines on the eta-line feed as site `celje`), a real
 * info-panel agent (kiosk module serving its page on 127.0.0.1), and Debian's Chromium driven
 * headless by playwright-core with touch.
 *
 * Car parks change on the fleet bus (as the occupancy engine announces them) and a notice is
 * posted → the engine composes and sends the panel's `kiosk` content → the page lists the car
 * parks with their numbers and ZASEDENO. The bikes engine reads BICY's GBFS fixture from HTTP on
 * loopback: the stations near the panel's stops are in the content, the footer names the nearest
 * and the Buses tab lists them with their free bikes, docks and distance. Tabs cycle on their
 * own; a tap on the language toggle and on the Buses tab (touch targets of 48 px and more) switches
 * to English departures and holds the cycling. Then the fleet goes away: the stale banner appears,
 * with the time of the last data; once the bikes' data is past its life the stations go too.
 *
 * One wall clock for fleet and agent (07:54:30 on the feed's Monday); the browser only shows what the
 * agent's view says.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { Agent } from '../../device/agent.js';
import { kiosk } from '../../device/modules/kiosk/index.js';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { etaEngine } from '../../fleet/engines/eta/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { kioskEngine } from '../../fleet/engines/kiosk/index.js';
import { bikesEngine } from '../../fleet/engines/bikes/index.js';
import { agentConfigFor } from '../../fleet/provision.js';
import type { FleetService } from '../../fleet/service.js';
import { AgentConfig, type CarParkStatus } from '../../protocols/index.js';
import { T0, lineFeed } from '../fixtures/eta-line.js';
import { gbfsServer } from '../fixtures/gbfs-server.js';
import { SteppableClock, api, freePort, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';
import { carParkStatus } from '../fixtures/car-park.js';
import { chromiumHere, launchChromium } from '../browser.js';


const carPark = (id: string, name: string, over: Partial<CarParkStatus> = {}) => carParkStatus(id, { name, updatedAt: '2026-11-30T07:54:00+01:00', ...over });

async function panelConfig(fleet: FleetService, port: number): Promise<AgentConfig> {
  const { secret } = fleet.registry.provision({ id: 'info-celje-1', role: 'info-panel', site: 'celje', labels: { stops: 'S1,S3' } });
  const base = agentConfigFor({ deviceId: 'info-celje-1', role: 'info-panel', site: 'celje', secret, mqttUrl: fleet.mqttUrl, dataDir: tmpDir('tabla-info-') });
  return AgentConfig.parse({
    ...base,
    mqtt: { ...base.mqtt, reconnectMinMs: 100, reconnectMaxMs: 500 },
    settings: { modules: { kiosk: { port, cycleS: 5, touchPauseS: 30, staleAfterS: 60, pollS: 1 } } },
  });
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

if (chromiumHere(test, 'the information panel in Chromium')) {
  test('the information panel in Chromium: car parks with ZASEDENO, EN and the Buses tab by touch, the stale banner without the fleet', async () => {
    const clock = new SteppableClock();
    clock.offsetMs = T0 - 5.5 * 60_000 - Date.now(); // 07:54:30
    const timetables = new Timetables();
    const load = lineFeed();
    timetables.set({ site: 'celje', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
    const eta = etaEngine({ timetables, boardIntervalMs: 200 });
    // BICY's feed as site celje (last_updated 08:00, ttl 60 s): within 400 m of S3 lie Titov trg and the bus station.
    const gbfs = await gbfsServer('v2.3');
    let startedFleet: FleetService | null = null;
    let startedAgent: Agent | null = null;
    let browser: Browser | null = null;
    let fleetUp = true;
    try {
      const bikes = bikesEngine({ timetables, sources: `celje=${gbfs.url}`, tickMs: 100, near: { radiusM: 400 } });
      const fleet = (startedFleet = await startFleet({
        clock,
        engines: [eta, displaysEngine({ timetables, tickMs: 100 }), bikes, kioskEngine({ timetables, eta: eta.live, tickMs: 100, bikes: (id) => bikes.near(id) })],
      }));
      const port = await freePort();
      const module = kiosk({ now: () => clock.now() });
      const agent = (startedAgent = new Agent({ config: await panelConfig(fleet, port), log: quiet, clock, modules: [module] }));
      await agent.start();
      await waitFor('the panel online', () => agent.link.fleetOnline);
      fleet.bus.emit('occupancy-changed', { status: carPark('celeiapark', 'Celeiapark', { free: 0, state: 'full', lat: 46.2297, lon: 15.2625 }), previous: null });
      fleet.bus.emit('occupancy-changed', { status: carPark('glazija', 'Glazija', { free: 37, state: 'almostFull', lat: 46.2336, lon: 15.2597 }), previous: null });
      fleet.bus.emit('occupancy-changed', { status: carPark('mestni-park', 'Mestni park', { kind: 'open', capacity: 77, free: 23, lat: 46.2288, lon: 15.2689 }), previous: null });
      const posted = await api(fleet, 'POST', '/api/messages', { target: { site: 'celje' }, text: 'Zapora Stanetove ulice do 18. ure' });
      assert.is(posted.status, 201);
      await waitFor('the content at the panel', () => {
        const body = module.latest()?.body;
        return body?.carParks.length === 3 && body.notices.length === 1 && body.bikes?.length === 2;
      });

      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, hasTouch: true, locale: 'sl-SI' });
      const page = await context.newPage();
      const external: string[] = [];
      page.on('request', (r) => void (new URL(r.url()).host !== `127.0.0.1:${port}` && external.push(r.url())));
      await page.goto(module.url()!);

      // The car parks, listed with their numbers; the full one says ZASEDENO.
      await page.waitForSelector('#carparks li.carpark >> nth=2');
      assert.is(await page.getAttribute('body', 'data-lang'), 'sl');
      assert.is(await page.getAttribute('body', 'data-tab'), 'parking');
      const rows = await page.locator('#carparks li.carpark').evaluateAll((els) =>
        els.map((e) => [e.querySelector('.title')!.textContent, e.querySelector('.value')!.firstChild!.textContent]),
      );
      assert.equal(rows, [
        ['Celeiapark', 'ZASEDENO'],
        ['Glazija', '37'],
        ['Mestni park', '23'],
      ]);
      assert.is(await page.locator('#map circle').count(), 3, 'the map shows the three car parks');
      assert.match(await text(page, '#age'), /^Podatki: pred \d+ s$/);
      assert.ok(await page.locator('#banner').isHidden(), 'fresh data: no banner');
      // The footer names the nearest bike station on every tab; its list waits on the Buses tab.
      assert.is(await text(page, '#bikes-line'), 'Kolesa: Titov trg 4 kolesa · 6 mest');
      assert.ok(await page.locator('#bikes').isHidden());
      if (process.env.TABLA_KIOSK_SHOTS) await page.screenshot({ path: `${process.env.TABLA_KIOSK_SHOTS}/kiosk-parking.png` });

      // Untouched, the tabs cycle (every 5 s here).
      await page.waitForSelector('body[data-tab="buses"]', { state: 'attached', timeout: 8_000 });

      // Touch targets of 48 px at the least.
      for (const sel of ['#lang', '#tab-parking', '#tab-buses', '#tab-notices']) {
        const box = (await page.locator(sel).boundingBox())!;
        assert.ok(box.width >= 48 && box.height >= 48, `${sel}: ${box.width}×${box.height}`);
      }

      // A tap on the language toggle, then on the Buses tab (after going back to Parking by touch).
      await page.tap('#tab-parking');
      assert.is(await page.getAttribute('body', 'data-tab'), 'parking');
      assert.is(await text(page, '#lang'), 'ENGLISH');
      await page.tap('#lang');
      assert.is(await page.getAttribute('body', 'data-lang'), 'en');
      assert.is(await text(page, '#tab-buses'), 'Buses');
      assert.is(await text(page, '#carparks li.carpark .value >> nth=0'), 'FULL');
      await page.tap('#tab-buses');
      assert.is(await page.getAttribute('body', 'data-tab'), 'buses');
      assert.ok(await page.locator('#panel-buses').isVisible());
      assert.ok(await page.locator('#panel-parking').isHidden());
      const stops = await page.locator('#stops .stop h2').allInnerTexts();
      assert.equal(stops, ['Stop 1', 'Stop 3']);
      // 07:54:30: rumena to Stop 5 leaves Stop 1 at 08:00 and 08:30, from the timetable (no bus on the road).
      const first = await page.locator('#stops .stop >> nth=0').locator('li.departure').evaluateAll((els) =>
        els.map((e) => [e.querySelector('.line')!.textContent, e.querySelector('.title')!.textContent, e.querySelector('.when')!.firstChild!.textContent, e.querySelector('.mark')!.textContent]),
      );
      assert.equal(first, [
        ['rumena', 'Stop 5', '5 min', 'scheduled'],
        ['rumena', 'Stop 5', '35 min', 'scheduled'],
      ]);
      // Beside the departures, the bike stations: name, distance, free bikes and free docks, all on the screen.
      assert.ok(await page.locator('#bikes').isVisible());
      assert.is(await text(page, '#bikes-title'), 'Bikes nearby');
      const stations = await page.locator('#bike-stations li.bike').evaluateAll((els) =>
        els.map((e) => [
          e.querySelector('.title')!.textContent,
          e.querySelector('.sub')!.textContent,
          ...[...e.querySelectorAll('.value')].flatMap((v) => [v.firstChild!.textContent, v.querySelector('small')!.textContent, v.className]),
        ]),
      );
      assert.equal(stations, [
        ['Titov trg', '90 m', '4', 'bikes', 'value bikes look-some', '6', 'free docks', 'value docks look-some'],
        ['Avtobusna postaja', '340 m', '0', 'bikes', 'value bikes look-none', '11', 'free docks', 'value docks look-some'],
      ]);
      const list = (await page.locator('#bike-stations').boundingBox())!;
      const footer = (await page.locator('footer').boundingBox())!;
      assert.ok(list.y + list.height <= footer.y, `the list ends at ${list.y + list.height}, the footer starts at ${footer.y}`);
      assert.is(await text(page, '#bikes-line'), 'Bikes: Titov trg 4 bikes · 6 docks');
      if (process.env.TABLA_KIOSK_SHOTS) await page.screenshot({ path: `${process.env.TABLA_KIOSK_SHOTS}/kiosk-buses.png` });

      // Touched: the cycling waits (past two cycle periods, still on Buses, still English).
      await new Promise((r) => setTimeout(r, 6_000));
      assert.equal([await page.getAttribute('body', 'data-tab'), await page.getAttribute('body', 'data-lang')], ['buses', 'en']);
      assert.equal(external, [], 'no request leaves the panel');

      // The fleet goes away: the banner, with the time of the last data, in the language shown.
      await fleet.stop();
      fleetUp = false;
      await page.waitForSelector('#banner:not([hidden])', { timeout: 10_000 });
      assert.match(await text(page, '#banner'), /^Data not updated since 07:5\d$/);
      assert.is(await page.getAttribute('body', 'data-stale'), 'true');
      // The last data stays on the screen.
      assert.equal(await page.locator('#stops .stop h2').allInnerTexts(), ['Stop 1', 'Stop 3']);
      assert.is(await page.locator('#bike-stations li.bike').count(), 2, 'the bikes’ data is still within its life (08:02:00)');
      if (process.env.TABLA_KIOSK_SHOTS) await page.screenshot({ path: `${process.env.TABLA_KIOSK_SHOTS}/kiosk-stale.png` });

      // Past it (08:02:05), the agent's view drops the stations, fleet or no fleet; the rest stays under its banner.
      clock.offsetMs = T0 + 125_000 - Date.now();
      await page.waitForSelector('#bikes', { state: 'hidden', timeout: 5_000 });
      assert.ok(await page.locator('#bikes-line').isHidden());
      assert.is(await page.locator('#bike-stations li.bike').count(), 0);
      assert.equal(await page.locator('#stops .stop h2').allInnerTexts(), ['Stop 1', 'Stop 3']);

      // The agent goes too: the page keeps its last view and its banner.
      await agent.stop();
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(await page.locator('#banner').isVisible());
      assert.equal(await page.locator('#carparks li.carpark').count(), 3);
    } finally {
      await browser?.close();
      await startedAgent?.stop();
      if (fleetUp) await startedFleet?.stop();
      await gbfs.close();
    }
  });
}

test.run();
