/**
 * Node-RED's flow editor at `/red`, in a real browser, with real parts: a real fleet (embedded
 * broker on loopback, the dashboard and node-red engines), Debian's Chromium driven headless by
 * playwright-core.
 *
 * Without a login, `/red` sends a browser to the dashboard's login and refuses a client (401), its
 * WebSocket too. Logged in on the dashboard (the same cookie), the editor loads with Tabla's nodes in
 * its palette; a flow imported in the editor and deployed with its Deploy button lands in the
 * fleet's flows (`GET /api/flows`, what `tabla flows export` prints); an inject node's button
 * (a route the node adds to the runtime's admin app) runs the flow, and the debug message comes
 * back over the editor's WebSocket (`/red/comms`, through the fleet's upgrade check).
 */
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { dashboardEngine } from '../../fleet/engines/dashboard/index.js';
import { nodeRedEngine } from '../../fleet/engines/node-red/index.js';
import { api, startFleet, waitFor } from '../helpers.js';
import { chromiumHere, launchChromium } from '../browser.js';

const SHOTS = process.env.TABLA_DASHBOARD_SHOTS;

/** The first line of the answer to a WebSocket upgrade at `path`, with or without a cookie. */
function upgradeStatus(url: string, path: string, cookie?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}\r\n`,
      );
    });
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        resolve(got.split('\r\n')[0]!);
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade at ${path}`));
    });
  });
}

test('without a login: a browser goes to the dashboard login, a client gets 401, the WebSocket too', async () => {
  const fleet = await startFleet({ engines: [dashboardEngine(), nodeRedEngine()] });
  try {
    const page = await fetch(`${fleet.httpUrl}/red/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.is(page.status, 302);
    assert.is(page.headers.get('location'), '/dashboard?next=%2Fred%2F');
    const flows = await fetch(`${fleet.httpUrl}/red/flows`);
    assert.is(flows.status, 401);
    assert.match(((await flows.json()) as { error: string }).error, /log in on \/dashboard/);
    const wrong = await fetch(`${fleet.httpUrl}/red/flows`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.is(wrong.status, 401);
    assert.match(await upgradeStatus(fleet.httpUrl, '/red/comms'), /^HTTP\/1\.1 401/);
    assert.match(await upgradeStatus(fleet.httpUrl, '/red/comms', 'tabla_session=made-up'), /^HTTP\/1\.1 401/);
    assert.match(await upgradeStatus(fleet.httpUrl, '/nowhere'), /^HTTP\/1\.1 404/);

    // With the admin token: the editor's admin API, and `/red` itself goes to `/red/`.
    const bare = await fetch(`${fleet.httpUrl}/red`, { headers: { authorization: `Bearer ${fleet.local.adminToken}` }, redirect: 'manual' });
    assert.is(bare.status, 301);
    assert.is(bare.headers.get('location'), '/red/');
    const nodes = await fetch(`${fleet.httpUrl}/red/nodes`, { headers: { authorization: `Bearer ${fleet.local.adminToken}`, accept: 'application/json' } });
    assert.is(nodes.status, 200);
    const types = ((await nodes.json()) as { types: string[] }[]).flatMap((s) => s.types);
    for (const t of ['tabla-arrivals', 'tabla-occupancy', 'tabla-device', 'tabla-message', 'tabla-command', 'inject', 'debug']) assert.ok(types.includes(t), t);

    // A session cookie opens the WebSocket (the editor's comms).
    const login = await fetch(`${fleet.httpUrl}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: fleet.local.adminToken }) });
    assert.is(login.status, 200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    assert.match(login.headers.get('set-cookie')!, /Path=\/;/);
    assert.match(await upgradeStatus(fleet.httpUrl, '/red/comms', cookie), /^HTTP\/1\.1 101/);
  } finally {
    await fleet.stop();
  }
  // Once stopped, nothing is mounted at /red.
});

test('a stopped Node-RED leaves nothing at /red', async () => {
  const fleet = await startFleet({ engines: [nodeRedEngine()] });
  try {
    const before = await fetch(`${fleet.httpUrl}/red/nodes`, { headers: { authorization: `Bearer ${fleet.local.adminToken}`, accept: 'application/json' } });
    assert.is(before.status, 200);
    await fleet.engines.stop();
    const after = await fetch(`${fleet.httpUrl}/red/nodes`, { headers: { authorization: `Bearer ${fleet.local.adminToken}` } });
    assert.is(after.status, 404);
  } finally {
    await fleet.stop();
  }
});

if (chromiumHere(test, 'the flow editor in Chromium')) {
  test('the flow editor in Chromium: logged in on the dashboard, Tabla nodes in the palette, a deploy, an inject and its debug message over the WebSocket', async () => {
    const fleet = await startFleet({ engines: [dashboardEngine(), nodeRedEngine()] });
    let browser: Browser | null = null;
    try {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      const host = new URL(fleet.httpUrl).host;
      const external: string[] = [];
      page.on('request', (r) => void (!r.url().startsWith('data:') && new URL(r.url()).host !== host && external.push(r.url())));

      // Not logged in, /red goes to the dashboard's login; the token given there leads back to the editor.
      await page.goto(`${fleet.httpUrl}/red/`);
      await page.waitForSelector('#login-form');
      assert.is(new URL(page.url()).pathname, '/dashboard');
      await page.fill('#token', fleet.local.adminToken);
      await Promise.all([page.waitForURL(`${fleet.httpUrl}/red/`), page.press('#token', 'Enter')]);
      await page.waitForSelector('.red-ui-palette-node[data-palette-type="tabla-message"]', { timeout: 30_000 });
      for (const t of ['tabla-arrivals', 'tabla-occupancy', 'tabla-device', 'tabla-command']) {
        assert.is(await page.locator(`.red-ui-palette-node[data-palette-type="${t}"]`).count(), 1, `${t} in the palette`);
      }
      assert.match(await page.title(), /^Tabla · Node-RED/);
      // The dashboard links to it now that it runs.
      const dash = await context.newPage();
      await dash.goto(`${fleet.httpUrl}/dashboard`);
      await dash.waitForSelector('#nav-red:not([hidden])');
      await dash.close();

      // A flow imported in the editor, deployed with its button.
      const flow = [
        { id: 'tab1', type: 'tab', label: 'Editor test' },
        { id: 'in1', type: 'inject', z: 'tab1', name: 'press', props: [{ p: 'payload' }], payload: 'ZASEDENO', payloadType: 'str', repeat: '', once: false, x: 120, y: 80, wires: [['dbg1']] },
        { id: 'dbg1', type: 'debug', z: 'tab1', name: 'seen', active: true, tosidebar: true, complete: 'payload', x: 320, y: 80, wires: [] },
      ];
      await page.evaluate((nodes) => (globalThis as unknown as { RED: { view: { importNodes(n: unknown[]): void } } }).RED.view.importNodes(nodes), flow);
      await page.click('#red-ui-header-button-deploy');
      const deployed = await waitFor('the flow in the fleet', async () => {
        const r = await api(fleet, 'GET', '/api/flows');
        const ids = ((r.body?.flows ?? []) as { id: string }[]).map((n) => n.id);
        return ids.includes('in1') && ids.includes('dbg1') ? ids : null;
      }, 20_000);
      assert.ok(deployed.includes('tab1'));
      // Counted like a deploy through the API.
      await waitFor('the deploy counted', async () => /^tabla_node_red_deploys_total 1$/m.test(await (await fetch(`${fleet.httpUrl}/metrics`)).text()));

      // The inject node's button (a runtime admin route), and the debug message over the editor's WebSocket.
      // (A string: the test's compiler would wrap named functions in a helper the page does not have.)
      const message = await page.evaluate(`new Promise((resolve, reject) => {
        RED.comms.subscribe('debug', (topic, m) => resolve(m));
        // The editor's deploy answers once the flows run; a 404 is retried a few times all the same.
        let left = 25;
        (function press() {
          fetch('inject/in1', { method: 'POST', credentials: 'same-origin' }).then((r) => {
            if (r.ok) return;
            if (r.status === 404 && left-- > 0) setTimeout(press, 200);
            else reject(new Error('inject: ' + r.status));
          }, reject);
        })();
        setTimeout(() => reject(new Error('no debug message in 15 s')), 15000);
      })`);
      assert.match(JSON.stringify(message), /ZASEDENO/);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/node-red-editor.png` });
      assert.equal(external, [], 'nothing loaded from outside the fleet');
    } finally {
      await browser?.close();
      await fleet.stop();
    }
  });
}

test.run();
