/**
 * Celje's agents in the demo (scripts/celje/): a counter at every car park, 35 guidance panels on
 * the main roads and 6 information panels, ids unique; each one's agent.json (identity, the
 * hardware and module settings the demo writes) is one the agent's config schema takes; a
 * counter's lanes are the same in its hardware and its settings, its traffic the car park's; a
 * panel's label names its rows' car parks in the order of its settings, 2–4 of them, and its sign
 * has a line per row and saves its PNG under `<dataDir>/panels/`; the kiosks get distinct loopback
 * ports, another one where one is taken.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import path from 'node:path';
import { AgentConfig } from '../../protocols/index.js';
import { laneProblems } from '../../device/modules/counter/lanes.js';
import { CAR_PARKS } from '../../scripts/celje/car-parks.mjs';
import { KIOSKS, kioskPorts } from '../../scripts/celje/kiosks.mjs';
import { PANELS_DIR, guidancePanels, parseRow } from '../../scripts/celje/panels.mjs';
import { CELJE_PROCESSES, celjeAgentSetup, celjeDevices, type CeljeDevice } from '../../scripts/celje/town.mjs';
import { freePort } from '../helpers.js';

const DATA_DIR = '/srv/tabla-demo';

/** The agent.json the demo writes for `d`, parsed by the agent's schema. */
function agentConfigOf(d: CeljeDevice, port = 8091) {
  const setup = celjeAgentSetup(d, { dataDir: DATA_DIR, kioskPort: () => port });
  return AgentConfig.parse({
    deviceId: d.id,
    role: d.role,
    site: d.site,
    dataDir: './state',
    mqtt: { url: 'mqtt://127.0.0.1:1883', password: 'x'.repeat(32) },
    settings: { heartbeatS: 10, modules: { [setup.module]: setup.settings } },
    hardware: setup.hardware,
  });
}

test('a counter at each car park, 35 guidance panels, 6 information panels; ids unique; one process per kind', () => {
  const devices = celjeDevices();
  const by = (role: string) => devices.filter((d) => d.role === role);
  assert.is(by('car-park-counter').length, CAR_PARKS.length);
  assert.equal(by('car-park-counter').map((d) => d.labels!.carPark).sort(), CAR_PARKS.map((c) => c.id).sort(), 'each car park has its counter');
  assert.is(by('parking-panel').length, 35);
  assert.is(by('info-panel').length, KIOSKS.length);
  assert.is(KIOSKS.length, 6);
  assert.is(new Set(devices.map((d) => d.id)).size, devices.length);
  for (const d of devices) assert.is(d.site, 'celje');
  assert.ok(devices.some((d) => d.id === 'counter-celje-glazija') && devices.some((d) => d.id === 'counter-celje-celeiapark'), "the earlier demo's counters keep their ids");
  assert.equal(Object.keys(CELJE_PROCESSES).sort(), ['car-park-counter', 'info-panel', 'parking-panel']);
});

test("every agent's config is one the agent takes", () => {
  for (const d of celjeDevices()) {
    try {
      agentConfigOf(d);
    } catch (err) {
      assert.unreachable(`${d.id}: ${(err as Error).message}`);
    }
  }
});

test("a counter's lanes match between hardware and settings, count its own car park, and its traffic is the car park's", () => {
  for (const d of celjeDevices().filter((x) => x.role === 'car-park-counter')) {
    const c = agentConfigOf(d);
    const loops = c.hardware.loops!;
    assert.is(loops.kind, 'simulated');
    const settings = c.settings.modules!.counter!;
    assert.equal(laneProblems(settings.lanes, loops.lanes.map((l) => l.lane)), [], `${d.id}: lanes`);
    const carPark = CAR_PARKS.find((x) => x.id === d.labels!.carPark)!;
    for (const [lane, l] of Object.entries(settings.lanes)) {
      assert.is(l.carParkId, carPark.id, `${d.id} ${lane}`);
      assert.is(loops.kind === 'simulated' && loops.lanes.find((x) => x.lane === lane)?.kind, l.kind, `${d.id} ${lane}: the traffic goes the way the lane counts`);
    }
    assert.ok(Object.values(settings.lanes).some((l) => l.kind === 'entry') && Object.values(settings.lanes).some((l) => l.kind === 'exit'), `${d.id}: entry and exit`);
    const traffic = loops.kind === 'simulated' ? loops.traffic! : null;
    assert.is(traffic?.capacity, carPark.capacity);
    assert.is(traffic?.inside, carPark.traffic.inside);
    assert.is(settings.carParks[carPark.id]?.capacity, carPark.capacity);
  }
  const seeds = celjeDevices()
    .filter((x) => x.role === 'car-park-counter')
    .map((d) => {
      const loops = agentConfigOf(d).hardware.loops!;
      return loops.kind === 'simulated' ? loops.traffic?.seed : null;
    });
  assert.is(new Set(seeds).size, seeds.length, 'each car park its own traffic');
});

test("a panel's label names its rows' car parks in their order, 2–4 of them; its sign has a line per row and saves under panels/", () => {
  const known = new Set(CAR_PARKS.map((c) => c.id));
  const shown = new Set<string>();
  for (const d of celjeDevices().filter((x) => x.role === 'parking-panel')) {
    assert.match(d.id, /^panel-celje-[a-z]+-\d$/);
    const c = agentConfigOf(d);
    const rows = c.settings.modules!.panel!.rows;
    const label = d.labels!.carParks!.split(',');
    assert.equal(rows.map((r) => r.carParkId), label, `${d.id}: label and rows`);
    assert.ok(rows.length >= 2 && rows.length <= 4, `${d.id}: ${rows.length} rows`);
    for (const r of rows) {
      assert.ok(known.has(r.carParkId), `${d.id}: ${r.carParkId} is in the catalogue`);
      assert.ok(['left', 'right', 'straight'].includes(r.arrow), `${d.id}: ${r.carParkId} has an arrow`);
      shown.add(r.carParkId);
    }
    const sign = c.hardware.sign!;
    assert.is(sign.kind, 'simulated');
    assert.is(sign.lines, rows.length);
    assert.is(sign.kind === 'simulated' && sign.png, path.join(DATA_DIR, PANELS_DIR, `${d.id}.png`));
  }
  assert.equal([...shown].sort(), [...known].sort(), 'every car park is on some panel');
  assert.ok(guidancePanels().some((p) => p.rows[0]!.carParkId === 'glazija'), "Glazija heads some panels' rows");
});

test('the row notation: <id left, ^id straight, id> right; anything else is refused by name', () => {
  assert.equal(parseRow('<glazija'), { carParkId: 'glazija', arrow: 'left' });
  assert.equal(parseRow('^mestni-park'), { carParkId: 'mestni-park', arrow: 'straight' });
  assert.equal(parseRow('kocbekova>'), { carParkId: 'kocbekova', arrow: 'right' });
  assert.throws(() => parseRow('glazija'), /panel row "glazija"/);
  assert.throws(() => guidancePanels([{ road: 'x', name: 'X', panels: ['^glazija ^nowhere'] }]), /panel-celje-x-1: no car park nowhere/);
});

test("an information panel's page port is the one given; the kiosks get distinct ports, another one where one is taken", async () => {
  const d = celjeDevices().find((x) => x.role === 'info-panel')!;
  assert.is(agentConfigOf(d, 18_123).settings.modules!.kiosk!.port, 18_123);
  const base = await freePort();
  const taken = net.createServer();
  await new Promise<void>((resolve, reject) => {
    taken.once('error', reject);
    taken.listen(base + 1, '127.0.0.1', () => resolve());
  }).catch(() => undefined);
  try {
    const ports = await kioskPorts(6, base);
    assert.is(ports.length, 6);
    assert.is(new Set(ports).size, 6);
    assert.is(ports[0], base);
    if (taken.listening) assert.is.not(ports[1], base + 1, 'a taken port is passed over');
  } finally {
    if (taken.listening) await new Promise((r) => taken.close(r));
  }
});

test.run();
