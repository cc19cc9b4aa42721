/**
 * [11] Dashboard update: a device's heartbeat → the change visible on the fleet dashboard's
 * overview in Chromium, against a raw baseline measured on the same events in the same run.
 *
 * Set-up, real parts: a FleetService with its embedded broker on loopback and the dashboard engine,
 * `others` more devices provisioned so the overview's tables are about the demo's size; a device
 * with its own credentials on a real mqtt.js client publishing its birth, then heartbeats (`state`,
 * retained, QoS1) whose outbox depth counts up; Debian's Chromium (headless, playwright-core)
 * logged in with the admin token on the overview, live over /dashboard/events.
 *
 * Each sample: one heartbeat with a new depth, published, and waited for until the page shows it.
 * - in the page: a MutationObserver on the view reads the device's outbox cell after each change
 *   and stamps `performance.timeOrigin + performance.now()` when its text changes (the DOM holds
 *   the new number: the next frame paints it). The browser's clock is aligned with this process's
 *   (the same wall clock, stamped the same way) by the round trip with the smallest RTT of a few
 *   `page.evaluate` calls; the offset and that RTT are reported.
 * - raw baseline: a bare HTTP client in this process, logged in with the same token, reading the
 *   same /dashboard/events stream and stamping the `state` message of the same heartbeat as its
 *   bytes arrive and parse (the fleet's MQTT → bus → SSE path without the browser).
 * `dashboard_ratio` = page p99 ÷ raw p99 (info: what the browser, its event loop and its render add).
 */
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser } from 'playwright-core';
import { dashboardEngine } from '../../fleet/engines/dashboard/index.js';
import { FleetService } from '../../fleet/service.js';
import { type Logger, type Role, topic } from '../../protocols/index.js';
import { percentiles, type Percentiles } from './glass.js';
import { sleep, tempDir, within } from './util.js';

export const CHROMIUM = process.env.TABLA_CHROMIUM ?? '/usr/bin/chromium';

export interface DashboardOptions {
  samples: number;
  warmup: number;
  /** Devices provisioned beside the measured one (the overview lists them all). */
  others: number;
  log: Logger;
}

export interface DashboardResult {
  samples: number;
  devices: number;
  /** heartbeat published → the new depth in the page's DOM (ms, aligned clocks). */
  page: Percentiles;
  /** heartbeat published → its SSE message parsed by a bare HTTP client in this process. */
  raw: Percentiles;
  ratio: number;
  /** Browser clock − this process's clock (ms), and the round trip it was taken from. */
  clockOffsetMs: number;
  clockRttMs: number;
  chromium: string;
  problems: string[];
}

/** This process's wall-aligned clock with sub-millisecond steps, as the page stamps its own. */
const wall = (): number => performance.timeOrigin + performance.now();

const ROLES: Role[] = ['bus', 'stop-display', 'parking-panel', 'car-park-counter', 'info-panel'];
const DEVICE = 'bench-dash-1';

/** Runs in the page: reports the device's outbox cell each time its text changes, with the page's clock. */
const OBSERVER = `(function (id) {
  var last = null;
  var view = document.getElementById('view');
  new MutationObserver(function () {
    var t = performance.timeOrigin + performance.now();
    var cell = document.querySelector('#devices tr[data-device="' + id + '"] td.num');
    var text = cell ? cell.textContent : null;
    if (text !== last) { last = text; window.__tablaSeen(text, t); }
  }).observe(view, { childList: true, subtree: true, characterData: true });
})(${JSON.stringify(DEVICE)})`;

/** Logs in at `/dashboard/login` and returns the session cookie. */
async function login(httpUrl: string, token: string): Promise<string> {
  const res = await fetch(`${httpUrl}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const cookie = res.headers.get('set-cookie');
  if (res.status !== 200 || !cookie) throw new Error(`dashboard login refused (${res.status})`);
  return cookie.split(';')[0]!;
}

/** A bare SSE reader of /dashboard/events: calls `onState(deviceId, depth, at)` for each `state` message. */
function rawEvents(httpUrl: string, cookie: string, onState: (id: string, depth: number | null, at: number) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${httpUrl}/dashboard/events`, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/dashboard/events answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk: string) => {
        const at = wall();
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const type = /^event: (.*)$/m.exec(message)?.[1];
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (type !== 'state' || !data) continue;
          const d = JSON.parse(data) as { deviceId: string; outbox: { depth: number } | null };
          onState(d.deviceId, d.outbox?.depth ?? null, at);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

export async function benchDashboard(o: DashboardOptions): Promise<DashboardResult> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or TABLA_CHROMIUM)`);
  const problems: string[] = [];
  const fleet = new FleetService({ dataDir: tempDir('dashboard'), httpHost: '127.0.0.1', httpPort: 0, mqttHost: '127.0.0.1', mqttPort: 0, log: o.log, engines: [dashboardEngine()] });
  let browser: Browser | null = null;
  let device: MqttClient | null = null;
  let raw: http.ClientRequest | null = null;
  try {
    await fleet.start();
    for (let i = 0; i < o.others; i++) fleet.registry.provision({ id: `bench-other-${i + 1}`, role: ROLES[i % ROLES.length]!, site: i % 2 ? 'velenje' : 'celje' });
    const { secret } = fleet.registry.provision({ id: DEVICE, role: 'bus', site: 'velenje' });

    // The device: its birth (online), then heartbeats.
    device = await mqtt.connectAsync(fleet.mqttUrl, { clientId: `${DEVICE}.bench`, username: DEVICE, password: secret, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    (device.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const birth = { v: 1, epoch: 1, ts: Date.now(), role: 'bus', site: 'velenje', versions: { agent: 'bench' }, heartbeatS: 600, configVersion: 0 };
    await device.publishAsync(topic.birth(DEVICE), JSON.stringify(birth), { qos: 1 });
    const heartbeat = (depth: number) =>
      JSON.stringify({ v: 1, epoch: 1, ts: Date.now(), status: 'online', outbox: { depth, oldestAgeS: depth ? 1 : null, dropped: 0 }, health: { cpuLoad1: 0.1, memUsedBytes: 1e8, memTotalBytes: 1e9, uptimeS: 60 } });

    // Where each depth was seen, by the page and by the bare reader.
    const seenPage = new Map<string, number>();
    const seenRaw = new Map<number, number>();
    let waiter: (() => void) | null = null;
    const poke = () => waiter?.();

    const cookie = await login(fleet.httpUrl, fleet.local.adminToken);
    raw = await rawEvents(fleet.httpUrl, cookie, (id, depth, at) => {
      if (id === DEVICE && depth !== null && !seenRaw.has(depth)) seenRaw.set(depth, at);
      poke();
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    page.on('pageerror', (e) => problems.length < 20 && problems.push(`page error: ${e.message}`));
    await page.exposeFunction('__tablaSeen', (text: string | null, t: number) => {
      if (text !== null && !seenPage.has(text)) seenPage.set(text, t);
      poke();
    });
    await page.goto(`${fleet.httpUrl}/dashboard`);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await page.fill('#token', fleet.local.adminToken);
    await page.click('#login-form button');
    await page.locator(`#devices tr[data-device="${DEVICE}"]`).waitFor();
    await page.waitForSelector('#live[data-state="open"]');
    await page.evaluate(OBSERVER);

    // The browser's clock against this one: the round trip with the smallest RTT.
    let clock = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < 20; i++) {
      const a = wall();
      const p = (await page.evaluate('performance.timeOrigin + performance.now()')) as number;
      const b = wall();
      if (b - a < clock.rtt) clock = { rtt: b - a, offset: p - (a + b) / 2 };
    }

    const pageMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 1; i <= o.warmup + o.samples; i++) {
      const depth = 1000 + i;
      const text = String(depth);
      const done = () => seenPage.has(text) && seenRaw.has(depth);
      const shown = new Promise<void>((resolve) => {
        waiter = () => done() && resolve();
      });
      const t0 = wall();
      device.publish(topic.state(DEVICE), heartbeat(depth), { qos: 1, retain: true });
      try {
        await within(`heartbeat ${depth} on the dashboard`, shown, 10_000);
      } catch (err) {
        problems.push((err as Error).message);
        if (problems.length > 5) throw err;
        continue;
      } finally {
        waiter = null;
      }
      if (i > o.warmup) {
        pageMs.push(seenPage.get(text)! - clock.offset - t0);
        rawMs.push(seenRaw.get(depth)! - t0);
      }
      await sleep(5 + Math.random() * 20); // not in step with the page's frames
    }
    const pageP = percentiles(pageMs);
    const rawP = percentiles(rawMs);
    return {
      samples: pageMs.length,
      devices: o.others + 1,
      page: pageP,
      raw: rawP,
      ratio: pageP.p99 / rawP.p99,
      clockOffsetMs: clock.offset,
      clockRttMs: clock.rtt,
      chromium: browser.version(),
      problems,
    };
  } finally {
    raw?.destroy();
    await browser?.close().catch(() => undefined);
    await device?.endAsync().catch(() => undefined);
    await fleet.stop();
  }
}

/** The section's lines and JSON keys (main.ts). */
export async function dashboardSection(say: (line?: string) => void, out: Record<string, unknown>, o: DashboardOptions & { problems: string[] }): Promise<void> {
  say('\n[11] dashboard update: a device heartbeat (outbox depth changed) → the new number in the overview in headless Chromium. Real parts:');
  say('    a device on mqtt.js with its own credentials → FleetService (embedded broker, dashboard engine) → /dashboard/events (SSE) →');
  say('    the page (logged in with the admin token) → its DOM, seen by a MutationObserver. Heartbeats one at a time, each waited for.');
  const r = await benchDashboard(o);
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const pc = (p: Percentiles) => `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`;
  say(`    ${r.devices} devices on the overview; Chromium ${r.chromium}; page clock − ours ${r.clockOffsetMs.toFixed(2)} ms (taken over a ${r.clockRttMs.toFixed(2)} ms round trip)`);
  say(`    raw: the same heartbeats' SSE messages at a bare HTTP client in this process: publish → parsed ${pc(r.raw)}`);
  say(`    publish → the new depth in the page's DOM (${r.samples} heartbeats): ${pc(r.page)}`);
  say(`    dashboard_update_p99_ms = ${ms(r.page.p99)}; dashboard_raw_p99_ms = ${ms(r.raw.p99)}; ratio ${r.ratio.toFixed(2)} (info, no target)`);
  for (const p of r.problems) say(`    PROBLEM: ${p}`);
  if (o.problems.length) say(`    fleet logged ${o.problems.length}+ warnings/errors, first: ${o.problems[0]}`);
  out.dashboard_update_p99_ms = Math.round(r.page.p99 * 100) / 100;
  out.dashboard_update_p50_ms = Math.round(r.page.p50 * 100) / 100;
  out.dashboard_raw_p99_ms = Math.round(r.raw.p99 * 100) / 100;
  out.dashboard_ratio = Math.round(r.ratio * 100) / 100;
  out.dashboard = { ...r, warnings: o.problems };
}
