/**
 * The dashboard against the running demo (`npm start`), in Debian's Chromium driven headless by
 * playwright-core; demo.test.ts calls it while its demo runs. The fleet's address leads to the
 * login; the admin token opens the overview with every agent online; a stop display's page takes
 * Identify to the real agent process and shows its answer; the stop displays' mirror, the car
 * parks and panels, and the bus map show the demo's town; on a phone's screen the page fits and
 * its views and Log out are in reach. Each view's screenshot is saved as a test
 * artefact in `$TABLA_ARTEFACTS/dashboard/` (default `artefacts/dashboard/` in the checkout,
 * git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTEFACTS = path.join(process.env.TABLA_ARTEFACTS ?? path.join(ROOT, 'artefacts'), 'dashboard');

/** The page's document, as the functions run in the browser see it (the project compiles without the DOM's types). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): { length: number } };

export interface DemoPage {
  base: string;
  token: string;
  agents: number;
  /** a stop display of the demo, for its device page */
  display: string;
  /** a car park of the demo */
  carPark: string;
}

/** Drives the dashboard against the demo; returns the screenshots it saved. */
export async function dashboardOnDemo(o: DemoPage): Promise<string[]> {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.CI) assert.unreachable(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    console.log(`  (dashboard not driven: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
    return [];
  }
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  const shots: string[] = [];
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const host = new URL(o.base).host;
    const external: string[] = [];
    page.on('request', (r) => void (!r.url().startsWith('data:') && new URL(r.url()).host !== host && external.push(r.url())));
    const shot = async (name: string) => {
      const file = path.join(ARTEFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
    };

    // The fleet's address → the login; the token → the overview, every agent online, live.
    await page.goto(`${o.base}/`);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await page.fill('#token', o.token);
    await page.click('#login-form button');
    await page.waitForSelector('#live[data-state="open"]');
    await page.waitForFunction((n) => document.querySelector('#totals [data-count="online"]')?.textContent === String(n), o.agents, { timeout: 30_000 });
    assert.is(await page.locator('#devices tr[data-device]').count(), o.agents, 'every agent listed');
    await shot('overview');

    // The mirror: the stop displays' frames as pictures.
    await page.click('nav a[data-view="displays"]');
    await page.waitForSelector(`#mirror figure[data-device="${o.display}"] img`);
    await shot('displays');

    // A stop display's page: Identify reaches the real agent process, its answer shows.
    await page.goto(`${o.base}/dashboard#/device/${o.display}`);
    await page.waitForSelector('#device-title');
    await page.click('button[data-verb="identify"]');
    await page.waitForFunction(() => document.querySelector('#commands tr[data-verb="identify"] .status')?.textContent === 'succeeded', null, { timeout: 20_000 });
    assert.match(await page.locator('#commands tr[data-verb="identify"]').innerText(), new RegExp(`"deviceId":"${o.display}"`));
    await page.waitForSelector('#heartbeats .hb-chart[data-chart="cpu"] .uplot canvas');
    await shot('device');

    // Parking: the car parks and the panels' rows.
    await page.click('nav a[data-view="parking"]');
    await page.waitForSelector(`#carparks tr[data-carpark="${o.carPark}"]`);
    await page.waitForSelector('#panels tr[data-device] .signrow');
    await shot('parking');

    // Buses: the map from the feed's shapes, the demo's buses on it.
    await page.click('nav a[data-view="buses"]');
    await page.waitForSelector('#bus-map polyline', { state: 'attached' });
    await page.waitForFunction(() => document.querySelectorAll('#bus-map g.bus').length >= 1, null, { timeout: 20_000 });
    await shot('buses');

    // On a phone: nothing wider than the screen (wide tables scroll on their own), the views and Log out in reach.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${o.base}/dashboard#/overview`);
    await page.waitForSelector('#devices tr[data-device]');
    assert.ok((await page.evaluate('document.documentElement.scrollWidth')) as number <= 390, 'the page fits a phone');
    for (const sel of ['#logout', 'nav a[data-view="overview"]']) {
      const box = (await page.locator(sel).boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.height >= 40, `${sel} in reach: ${JSON.stringify(box)}`);
    }
    await shot('phone-overview');

    assert.equal(external, [], 'nothing loaded from outside the fleet');
    return shots;
  } finally {
    await browser?.close();
  }
}
