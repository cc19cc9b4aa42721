/**
 * The stop display end to end: a real fleet on loopback, a real agent with the departures module,
 * the simulated e-paper panel (the Waveshare driver on the UC8179 emulator) and the real renderer.
 * The module's wall clock is stepped by the test; the agent, broker and panel run in real time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { Agent } from '../../device/agent.js';
import { moduleDatabase } from '../../device/module-db.js';
import { departures } from '../../device/modules/departures/index.js';
import { outOfServiceScreen } from '../../device/modules/departures/plan.js';
import { DeparturesStore } from '../../device/modules/departures/store.js';
import { renderScreen } from '../../device/render/index.js';
import { EpaperFault, type EpaperPanel, type Frame1bpp, type PanelWindow } from '../../hardware/epaper/epaper.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import type { ArrivalBoard, StopTimetable } from '../../protocols/index.js';
import { Content, decodeFrameImage, encode, frameImageHash, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { collectFrames, fleetClient, provision, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

const at = (hhmm: string) => Date.parse(`2026-03-03T${hhmm}:00+01:00`);
const iso = (hhmm: string) => `2026-03-03T${hhmm}:00+01:00`;

const BOARD: ArrivalBoard = {
  stop: 'Avtobusno postajališče Velenje',
  generatedAt: iso('14:02'),
  departures: [
    { line: 'rumena', colour: '#f5c400', destination: 'Center', departsAt: iso('14:05'), realtime: true, load: 'seats' },
    { line: 'rdeča', destination: 'Konovo', departsAt: iso('14:12'), realtime: false },
    { line: 'modra', destination: 'Gorica', departsAt: iso('14:20'), realtime: true },
  ],
};

const TIMETABLE: StopTimetable = {
  stopId: 'ap',
  stop: 'Avtobusno postajališče Velenje',
  timeZone: 'Europe/Ljubljana',
  generatedAt: iso('04:00'),
  lines: [{ name: 'rumena' }, { name: 'rdeča' }, { name: 'modra' }],
  destinations: ['Center', 'Konovo', 'Gorica'],
  days: [
    {
      date: '2026-03-03',
      served: true,
      departures: [
        [at('14:04') / 1000, 0, 0],
        [at('14:12') / 1000, 1, 1],
        [at('14:18') / 1000, 2, 2],
        [at('14:34') / 1000, 0, 0],
        [at('22:00') / 1000, 0, 0],
      ],
    },
  ],
};

/** The simulated panel, with a switch that makes its refreshes fail like a panel whose BUSY never rises. */
class BreakablePanel implements EpaperPanel {
  readonly sim = new SimulatedEpaper({ speed: 400, temperatureC: 21 });
  readonly width = this.sim.width;
  readonly height = this.sim.height;
  broken = false;
  calls: string[] = [];
  init() {
    this.calls.push('init');
    return this.sim.init();
  }
  full(frame: Frame1bpp) {
    this.calls.push('full');
    if (this.broken) return Promise.reject(new EpaperFault('busy-timeout', 'e-paper BUSY still low 30000 ms after refresh'));
    return this.sim.full(frame);
  }
  partial(frame: Frame1bpp, window: PanelWindow) {
    this.calls.push('partial');
    if (this.broken) return Promise.reject(new EpaperFault('busy-timeout', 'e-paper BUSY still low 30000 ms after refresh'));
    return this.sim.partial(frame, window);
  }
  clear() {
    return this.sim.clear();
  }
  sleep() {
    this.calls.push('sleep');
    return this.sim.sleep();
  }
  temperature() {
    return this.sim.temperature();
  }
  close() {
    this.calls.push('close');
    return this.sim.close();
  }
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

test('a stop display: board and timetable on the glass, partial refreshes as minutes pass, frames with the picture, counts in the heartbeat, out of service on stop', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const config = provision(fleet, 'stop-d1', 'stop-display');
    const panel = new BreakablePanel();
    let now = at('14:03');
    const module = departures({ now: () => now });
    const agent = (started = new Agent({ config, log: quiet, modules: [module], drivers: { epaper: panel } }));
    const fc = (opened = await fleetClient(fleet));
    const frames = await collectFrames(fc, 'stop-d1');
    const send = (kind: string, body: unknown) => fc.publishAsync(topic.content('stop-d1'), encode(Content, { v: 1, ts: Date.now(), kind, body }), { qos: 1 });
    const display = () => agent.state().modules!.departures!.display;
    await agent.start();
    await waitFor('agent ready', () => agent.link.fleetOnline);
    await waitFor('the first screen (no data yet) on the glass', () => display()?.full === 1);
    assert.equal(agent.state().modules!.departures!.status, 'degraded');

    await send('stop-timetable', TIMETABLE);
    await send('service-messages', { messages: [{ id: 'm1', text: 'Zaradi prireditve obvoz po Šaleški cesti' }] });
    await send('arrival-board', BOARD);
    await waitFor('the board planned', () => {
      const s = module.plan()?.screen;
      return s?.kind === 'board' && s.notice === null && s.banner;
    });
    now += 30_000; // past the minimum interval since the first picture
    await module.update();
    const screen = module.plan()!.screen;
    assert.is(screen.kind, 'board');
    if (screen.kind !== 'board') return;
    assert.equal(
      screen.rows.map((r) => `${r.line} ${r.time}${r.scheduled ? ' (s)' : ''}`),
      ['rumena 1 min', 'rdeča 8 min (s)', 'modra 16 min'],
    );
    assert.is(screen.banner, 'Zaradi prireditve obvoz po Šaleški cesti');
    const bits = renderScreen(screen);
    assert.ok(same(panel.sim.glass(), bits), 'the glass shows the rendered plan');
    const shown = await waitFor('the frame with its picture at the fleet', () => frames.find((f) => f.hash === frameImageHash(bits)));
    assert.ok(same(decodeFrameImage(shown.image!), bits), 'the frame’s image is the glass');
    assert.is(shown.summary, '3 departures; next 1 min rumena → Center — Zaradi prireditve obvoz po Šaleški cesti');
    assert.equal(agent.state().modules!.departures!.status, 'ok');
    const afterBoard = display()!;
    assert.is(afterBoard.full + afterBoard.partial, 2);

    // Ten seconds on: nothing the passenger sees changed, nothing refreshes.
    now += 10_000;
    await module.update();
    assert.equal(display(), afterBoard);

    // A minute on: the clock and the minutes change — a partial refresh, once the interval allows it.
    now += 50_000;
    await module.update();
    assert.is(display()!.partial, afterBoard.partial + 1, JSON.stringify(display()));
    assert.ok(same(panel.sim.glass(), renderScreen(module.plan()!.screen)));

    // 14:05 passes with no new content: the yellow line's bus leaves the glass.
    now = at('14:05') + 30_000;
    await module.update();
    const later = module.plan()!.screen;
    assert.ok(later.kind === 'board' && later.rows[0]!.line === 'rdeča', JSON.stringify(later));
    assert.ok(same(panel.sim.glass(), renderScreen(later)));

    // The fleet goes away for more than 3 minutes: the timetable, marked scheduled, with the notice.
    await fleet.stop();
    await waitFor('link down', () => !agent.link.fleetOnline);
    now = at('14:09');
    await module.update();
    const fallback = module.plan()!.screen;
    assert.ok(fallback.kind === 'board' && fallback.notice === 'Podatki v živo trenutno niso na voljo', JSON.stringify(fallback));
    if (fallback.kind === 'board') assert.ok(fallback.rows.every((r) => r.scheduled));
    assert.ok(same(panel.sim.glass(), renderScreen(fallback)));

    // A clean stop: the out-of-service screen with a full refresh, then sleep and close.
    panel.calls = [];
    await agent.stop();
    assert.ok(same(panel.sim.glass(), renderScreen(outOfServiceScreen('Avtobusno postajališče Velenje', null))), 'out of service on the glass');
    assert.equal(panel.calls, ['full', 'sleep', 'close']);
  } finally {
    await opened?.endAsync().catch(() => {});
    await started?.stop().catch(() => {});
    await fleet.stop().catch(() => {});
  }
});

test('a panel fault: reported (degraded, held), retried with backoff, recovered with a full refresh; the agent runs on', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-d2', 'stop-display');
  const panel = new BreakablePanel();
  panel.broken = true;
  let now = at('14:03');
  const module = departures({ now: () => now });
  const agent = new Agent({ config, log: quiet, modules: [module], drivers: { epaper: panel } });
  const status = () => agent.state().modules!.departures!;
  try {
    await agent.start();
    await waitFor('the fault reported', () => status().display?.held?.startsWith('panel fault'));
    assert.equal(status().status, 'degraded');
    assert.match(status().error!, /^panel: e-paper BUSY still low/);
    const tries = panel.calls.filter((c) => c === 'full').length;
    now += 2_000;
    await module.update();
    assert.is(panel.calls.filter((c) => c === 'full').length, tries, 'not retried inside the backoff (5 s)');
    panel.broken = false;
    now += 30_000;
    await module.update();
    assert.is(status().status, 'degraded', 'recovered, but no board yet');
    assert.is(status().error, 'no arrival board yet');
    assert.is(status().display!.full, 1);
    assert.is(status().display!.held, undefined);
    assert.is(panel.calls.filter((c) => c === 'init').length, 2, 'init again after the fault');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('outside the panel’s temperature range the glass is held, with the reason in the heartbeat', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-d3', 'stop-display');
  const panel = new SimulatedEpaper({ speed: 400, temperatureC: -8 });
  const module = departures({ now: () => at('14:03') });
  const agent = new Agent({ config, log: quiet, modules: [module], drivers: { epaper: panel } });
  try {
    await agent.start();
    await waitFor('held', () => agent.state().modules!.departures!.display?.held);
    assert.is(agent.state().modules!.departures!.display!.held, 'temperature -8 °C outside 0…50 °C');
    assert.is(agent.state().modules!.departures!.display!.full, 0);
    assert.ok(panel.glass().every((b) => b === 0), 'nothing drawn');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('a panel that hangs cannot hang the shutdown: stop returns within its bound', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-d4', 'stop-display');
  const never = new Promise<never>(() => {});
  const panel = new BreakablePanel();
  panel.full = () => never;
  panel.sleep = () => never;
  const module = departures({ now: () => at('14:03'), stopTimeoutMs: 300 });
  const agent = new Agent({ config, log: quiet, modules: [module], drivers: { epaper: panel } });
  try {
    await agent.start();
    await waitFor('a refresh under way', () => panel.calls.includes('init'));
    const t0 = performance.now();
    await agent.stop();
    const ms = performance.now() - t0;
    assert.ok(ms < 300 + 2000 + 500, `stopped in ${Math.round(ms)} ms`);
    assert.ok(panel.calls.includes('close'), 'closed all the same');
  } finally {
    await fleet.stop();
  }
});

test('the tables: a database of the first version (board only) is brought up to date, the board kept; timetable and messages kept too', () => {
  const db = new Database(`${tmpDir()}/agent.db`);
  const mdb = moduleDatabase(db, 'departures');
  mdb.migrate([
    `CREATE TABLE ${mdb.table('board')} (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   )`,
  ]);
  mdb.prepare(`INSERT INTO ${mdb.table('board')} (id, received_at, body) VALUES (1, 5, ?)`).run(JSON.stringify(BOARD));
  const store = new DeparturesStore(mdb, quiet);
  assert.equal(store.load('arrival-board'), { body: BOARD, receivedAt: 5 });
  assert.is(store.load('stop-timetable'), null);
  store.save('stop-timetable', TIMETABLE, 6);
  store.save('service-messages', { messages: [{ id: 'x', text: 'Ščitimo čiste žlebove' }] }, 7);
  const again = new DeparturesStore(moduleDatabase(db, 'departures'), quiet);
  assert.equal(again.load('stop-timetable'), { body: TIMETABLE, receivedAt: 6 });
  assert.equal(again.load('service-messages')?.body.messages[0]?.text, 'Ščitimo čiste žlebove');
  assert.is((db.prepare('SELECT version FROM agent_module_schema WHERE module = ?').get('departures') as { version: number }).version, 4);
  db.close();
});

test.run();
