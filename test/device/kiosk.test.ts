/**
 * The kiosk module in a real info-panel agent on a real fleet (embedded broker on loopback): its
 * page and JSON on 127.0.0.1, the content kept in its own table across a restart without the
 * fleet (marked stale), its status and frame, and the HTTP border (methods, paths, headers).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { kiosk, type KioskView } from '../../device/modules/kiosk/index.js';
import { modulesFor } from '../../device/roles.js';
import type { KioskContent } from '../../protocols/index.js';
import { Content, encode, isoLocal, topic } from '../../protocols/index.js';
import type { Server } from 'node:http';
import type { MqttClient } from 'mqtt';
import { api, fleetClient, freePort, provision, quiet, startFleet, waitFor } from '../helpers.js';

const body = (now: number): KioskContent => ({
  site: 'test',
  generatedAt: isoLocal(now, 'Europe/Ljubljana'),
  timeZone: 'Europe/Ljubljana',
  carParks: [
    { id: 'glazija', name: 'Glazija', kind: 'garage', capacity: 402, free: 0, state: 'full', updatedAt: null },
    { id: 'mestni-park', name: 'Mestni park', kind: 'open', capacity: 77, free: 23, state: 'spacesAvailable', updatedAt: null },
  ],
  stops: [{ stopId: 'CE1', name: 'Celje, avtobusna postaja', departures: [{ line: '2', destination: 'Hudinja', departsAt: isoLocal(now + 5.5 * 60_000, 'Europe/Ljubljana'), realtime: true }] }],
  notices: [{ id: 'm-1', text: 'Zapora Stanetove ulice' }],
});

const getView = async (url: string): Promise<KioskView> => (await fetch(`${url}api/kiosk`)).json() as Promise<KioskView>;

test('the info-panel role runs the kiosk module', () => {
  assert.equal(modulesFor('info-panel').map((m) => m.name), ['board-watch', 'kiosk']);
});

test('kiosk: content to its table and the page; frame and status; after a restart without the fleet, the same data with the banner', async () => {
  const fleet = await startFleet({ engines: [] }); // content from this test only
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  let fleetUp = true;
  try {
    const port = await freePort();
    const config = provision(fleet, 'info-1', 'info-panel', { settings: { modules: { kiosk: { port } } } });
    let module = kiosk();
    let agent = (started = new Agent({ config, log: quiet, modules: [module] }));
    const fc = (opened = await fleetClient(fleet));
    await agent.start();
    const url = module.url()!;
    assert.is(url, `http://127.0.0.1:${port}/`);
    assert.equal(agent.state().modules!.kiosk, { status: 'degraded', error: 'no kiosk content yet' });
    const empty = await getView(url);
    assert.equal([empty.data.stale, empty.carParks], [true, []]);

    await waitFor('agent online', () => agent.link.fleetOnline);
    const sent = body(Date.now());
    await fc.publishAsync(topic.content('info-1'), encode(Content, { v: 1, ts: Date.now(), kind: 'kiosk', body: sent }), { qos: 1, retain: true });
    const v = await waitFor('the view has the car parks', async () => {
      const x = await getView(url);
      return x.carParks.length ? x : null;
    });
    assert.equal(v.carParks.map((c) => c.value.sl), ['ZASEDENO', '23']);
    assert.equal(v.stops[0]!.departures.map((d) => [d.line, d.when.sl, d.scheduled]), [['2', '5 min', false]]);
    assert.equal(v.notices.map((n) => n.text), ['Zapora Stanetove ulice']);
    assert.is(v.data.stale, false);
    assert.equal(agent.state().modules!.kiosk, { status: 'ok' });
    const frame = await waitFor('frame at the fleet', async () => (await api(fleet, 'GET', '/api/devices/info-1')).body.frame);
    assert.equal([frame.kind, frame.summary], ['kiosk', 'Parkirišča: Glazija ZASEDENO, Mestni park 23 | Postaje: 1, odhodi: 1 | Obvestila: 1']);

    // The page and its assets; nothing else, and nothing but GET.
    const page = await fetch(url);
    assert.is(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    const html = await page.text();
    assert.match(html, /<script src="\/kiosk.js"><\/script>/);
    assert.not.match(html, /https?:\/\//, 'no external asset');
    for (const p of ['kiosk.js', 'kiosk.css']) {
      const r = await fetch(url + p);
      assert.is(r.status, 200, p);
      assert.not.match(await r.text(), /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${p}: no external asset`);
    }
    assert.is((await fetch(url + 'etc/passwd')).status, 404);
    assert.is((await fetch(url + 'api/kiosk', { method: 'POST', body: '{}' })).status, 405);

    // Restart with no fleet: the table gives the same data at once, with the stale banner.
    await agent.stop();
    await fleet.stop();
    fleetUp = false;
    module = kiosk();
    agent = started = new Agent({ config, log: quiet, modules: [module] });
    await agent.start();
    const offline = await getView(module.url()!);
    assert.equal(offline.carParks.map((c) => c.value.en), ['FULL', '23']);
    assert.is(offline.data.stale, true);
    assert.match(offline.data.banner!.sl, /^Podatki niso osveženi od \d\d:\d\d$/);
    assert.equal(module.latest()!.body, sent);
  } finally {
    await opened?.endAsync(true);
    await started?.stop();
    if (fleetUp) await fleet.stop();
  }
});

test('kiosk: a port already taken fails the module (restarted later), the agent runs on', async () => {
  const fleet = await startFleet({ engines: [] }); // content from this test only
  let held: Server | null = null;
  let started: Agent | null = null;
  try {
    const port = await freePort();
    const holder = (held = (await import('node:http')).createServer());
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    const agent = (started = new Agent({
      config: provision(fleet, 'info-2', 'info-panel', { settings: { modules: { kiosk: { port } } } }),
      log: quiet,
      modules: [kiosk()],
      moduleRestart: { minMs: 100, maxMs: 200, random: () => 1 },
    }));
    await agent.start();
    const failed = agent.state().modules!.kiosk!;
    assert.is(failed.status, 'failed');
    assert.match(failed.error!, /EADDRINUSE/);
    await new Promise<void>((r) => holder.close(() => r()));
    await waitFor('restarted once the port is free', () => {
      const s = agent.state().modules!.kiosk!;
      if (s.status !== 'degraded') throw new Error(JSON.stringify(s));
      return true;
    });
    assert.is((await fetch(`http://127.0.0.1:${port}/api/kiosk`)).status, 200);
  } finally {
    await started?.stop();
    await fleet.stop();
    held?.close();
  }
});

test.run();
