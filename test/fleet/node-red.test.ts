/**
 * The node-red engine in a real fleet (broker, ingest, the occupancy and displays engines, HTTP):
 * a flow deployed with `tabla flows deploy` turns "Glazija is full" into a service message on two
 * stop displays, which get it as device clients with their own credentials; a function node that
 * throws on the way, and a message the fleet refuses, are logged and counted, and the rest of the
 * flow and the fleet go on. Presence changes and boards become commands to devices. The flows
 * come back out with `tabla flows export` and survive a restart; a flow naming a node type the
 * fleet lacks is refused; the fleet loads no Node-RED unless it is enabled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient as Client } from 'mqtt';
import type { ArrivalBoard, ServiceMessages } from '../../protocols/index.js';
import { Content, decode, decodeContent, topic } from '../../protocols/index.js';
import type { FleetService } from '../../fleet/service.js';
import { defaultEngines } from '../../fleet/engines/index.js';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { occupancyEngine } from '../../fleet/engines/occupancy/index.js';
import { BoardTap, nodeRedEngine } from '../../fleet/engines/node-red/index.js';
import type { EngineContext, FleetEngine } from '../../fleet/engines/engine.js';
import { api, deviceClient, startFleet, tabla, tmpDir, waitFor } from '../helpers.js';

const CELJE = {
  site: 'celje',
  timeZone: 'Europe/Ljubljana',
  carParks: [{ id: 'glazija', name: 'Garažna hiša Glazija', kind: 'garage', capacity: 100, staleAfterS: 3600 }],
};

/** Glazija full → a banner on the displays of S1 and S2; on the way, a function node that throws. */
const FLOWS = [
  { id: 'tab1', type: 'tab', label: 'Parkirišča' },
  { id: 'occ', type: 'tabla-occupancy', z: 'tab1', x: 120, y: 80, name: 'Glazija polna', carPark: 'glazija', state: 'full', wires: [['text', 'boom']] },
  {
    id: 'text',
    type: 'function',
    z: 'tab1',
    x: 320,
    y: 80,
    name: 'besedilo',
    func: "msg.payload = 'Garaža ' + msg.payload.name + ' je polna (' + msg.payload.free + ' prostih), parkirajte v Celeiaparku';\nreturn msg;",
    outputs: 1,
    wires: [['s1', 's2', 's9']],
  },
  { id: 'boom', type: 'function', z: 'tab1', x: 320, y: 140, name: 'pokvarjen', func: "throw new Error('okvara v toku');", outputs: 1, wires: [[]] },
  { id: 's1', type: 'tabla-message', z: 'tab1', x: 520, y: 60, targetKind: 'stop', target: 'S1', until: '+1h', wires: [['done']] },
  { id: 's2', type: 'tabla-message', z: 'tab1', x: 520, y: 100, targetKind: 'stop', target: 'S2', until: '+1h', wires: [['done']] },
  { id: 's9', type: 'tabla-message', z: 'tab1', x: 520, y: 140, targetKind: 'stop', target: 'S9', wires: [['done']] },
  { id: 'done', type: 'debug', z: 'tab1', x: 720, y: 80, active: true, tosidebar: false, console: false, complete: 'payload', wires: [] },
];

const batch = (epoch: number, records: { seq: number; ts: number; data: unknown }[]) => JSON.stringify({ v: 1, epoch, outbox: 'c1', low: records[0]!.seq, records });
const cars = (from: number, n: number, ts: number) =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, ts, data: { carParkId: 'glazija', lane: 'entry-1', direction: 'in', ts } }));

interface Display {
  client: Client;
  messages: ServiceMessages[];
}

/** A stop display with its own credentials, listening to its content, born. */
async function display(fleet: FleetService, id: string, stop: string): Promise<Display> {
  const { secret } = fleet.registry.provision({ id, role: 'stop-display', site: 'celje', labels: { stop } });
  const client = await deviceClient(fleet, id, secret);
  const d: Display = { client, messages: [] };
  client.on('message', (_t, payload) => {
    const m = decode(Content, payload.toString());
    if (!m.ok || m.value.kind !== 'service-messages') return;
    const body = decodeContent(m.value.kind, m.value.body);
    if (body.ok) d.messages.push(body.value as ServiceMessages);
  });
  await client.subscribeAsync(topic.content(id), { qos: 1 });
  const birth = { v: 1, epoch: 1, ts: fleet.clock.now(), role: 'stop-display', versions: { agent: 'test' }, heartbeatS: 30, configVersion: 0 };
  await client.publishAsync(topic.birth(id), JSON.stringify(birth), { qos: 1 });
  return d;
}

const engines = () => [occupancyEngine({ tickMs: 50 }), displaysEngine({ timetables: new Timetables(), tickMs: 50 }), nodeRedEngine()];
const banner = (d: Display) => d.messages.at(-1)?.messages.map((m) => m.text);

test('car park full → a message on two stop displays; a throwing node is counted, not fatal; flows export and survive a restart', async () => {
  let fleet = await startFleet({ engines: engines() });
  const clients: Client[] = [];
  try {
    assert.ok(fleet.engines.running.includes('node-red'), `running: ${fleet.engines.running.join(', ')}`);
    assert.is((await api(fleet, 'PUT', '/api/parking/car-parks', CELJE)).status, 200);
    const d1 = await display(fleet, 'disp-1', 'S1');
    const d2 = await display(fleet, 'disp-2', 'S2');
    const other = await display(fleet, 'disp-3', 'S3');
    clients.push(d1.client, d2.client, other.client);
    await waitFor('the displays’ empty sets', () => d1.messages.length && d2.messages.length && other.messages.length);

    // Deployed from a file with the CLI, as an integrator does.
    const file = path.join(tmpDir('tabla-flows-'), 'parking.json');
    fs.writeFileSync(file, JSON.stringify(FLOWS));
    const deployed = await tabla(['flows', 'deploy', file], { fleet });
    assert.is(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /deployed 8 nodes \(rev [0-9a-f]+\)/);

    // 97 cars into 100 spaces: full (at ≤ 3 free).
    const { secret } = fleet.registry.provision({ id: 'counter-glazija', role: 'car-park-counter', site: 'celje', labels: { carPark: 'glazija' } });
    const counter = await deviceClient(fleet, 'counter-glazija', secret);
    clients.push(counter);
    await counter.publishAsync(topic.telemetry('counter-glazija', 'loops'), batch(1, cars(1, 97, fleet.clock.now())), { qos: 1 });

    const text = 'Garaža Garažna hiša Glazija je polna (3 prostih), parkirajte v Celeiaparku';
    await waitFor('the banner on disp-1', () => banner(d1)?.includes(text));
    await waitFor('the banner on disp-2', () => banner(d2)?.includes(text));
    assert.equal(banner(d1), [text]);
    assert.equal(banner(d2), [text]);
    assert.ok(d1.messages.at(-1)!.messages[0]!.until, 'the node’s until (+1h) is kept');
    assert.equal(banner(other) ?? [], [], 'a display of another stop hears nothing');
    const listed = (await api(fleet, 'GET', '/api/messages')).body as { messages: { text: string; createdBy: string }[] };
    assert.equal(listed.messages.map((m) => [m.text, m.createdBy]), [
      [text, 'node-red'],
      [text, 'node-red'],
    ]);

    // The function node that threw, and the message for a stop nobody knows (the fleet's 404):
    // logged and counted under their types; the fleet is fine.
    await waitFor('the error counted', () => fleet.metrics.get('tabla_node_red_errors_total', { node: 'function' }) === 1);
    await waitFor('the refusal counted', () => fleet.metrics.get('tabla_node_red_errors_total', { node: 'tabla-message' }) === 1);
    assert.is((await api(fleet, 'GET', '/healthz')).body.status, 'ok');
    assert.ok(fleet.engines.running.includes('node-red'));

    // Only a change into "full" is a message: a car more (still full) puts none.
    await counter.publishAsync(topic.telemetry('counter-glazija', 'loops'), batch(1, cars(98, 1, fleet.clock.now())), { qos: 1 });
    await waitFor('free 2', async () => ((await api(fleet, 'GET', '/api/parking/glazija')).body as { status: { free: number } }).status.free === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.is(((await api(fleet, 'GET', '/api/messages')).body as { messages: unknown[] }).messages.length, 2);

    // A flow with a node type this fleet does not have: refused with its name, the old flows kept.
    const bad = await api(fleet, 'PUT', '/api/flows', [...FLOWS, { id: 'x', type: 'mqtt out', z: 'tab1', wires: [] }, { id: 'y', type: 'no-such-node', z: 'tab1', wires: [] }]);
    assert.is(bad.status, 400);
    assert.match(bad.body.error, /unknown node types: no-such-node/);

    // Exported as Node-RED imports them; kept across a restart.
    const exported = await tabla(['flows', 'export'], { fleet });
    assert.is(exported.code, 0, exported.stderr);
    assert.equal(
      (JSON.parse(exported.stdout) as { id: string; type: string }[]).map((n) => [n.id, n.type]),
      FLOWS.map((n) => [n.id, n.type]),
    );
    for (const c of clients.splice(0)) await c.endAsync(true);
    const dataDir = fleet.options.dataDir;
    await fleet.stop();
    assert.ok(fs.existsSync(path.join(dataDir, 'node-red', 'flows.json')));
    fleet = await startFleet({ engines: engines(), dataDir });
    const again = await api(fleet, 'GET', '/api/flows');
    assert.is(again.status, 200);
    assert.is((again.body as { flows: unknown[] }).flows.length, FLOWS.length);
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
});

/** Sends a board when told, through the content path as the ETA engine does (the tap sees only what was sent). */
function boardSender(): FleetEngine & { send(deviceId: string, board: ArrivalBoard): boolean } {
  let ctx: EngineContext | null = null;
  return {
    name: 'boards',
    start: (c) => void (ctx = c),
    send: (deviceId, board) => ctx!.publishContent(deviceId, 'arrival-board', board),
  };
}

test('a device coming online and a stop’s board become commands to devices', async () => {
  const boards = new BoardTap();
  const sender = boardSender();
  const fleet = await startFleet({ engines: [boards.wrap(sender), nodeRedEngine({ boards })] });
  const clients: Client[] = [];
  try {
    const flows = [
      { id: 'tab2', type: 'tab', label: 'Naprave' },
      // disp-1 online → `identify` to it (the device node names the device).
      { id: 'dev', type: 'tabla-device', z: 'tab2', x: 100, y: 60, device: 'disp-1', wires: [['online']] },
      { id: 'online', type: 'switch', z: 'tab2', x: 250, y: 60, property: 'payload.presence', propertyType: 'msg', rules: [{ t: 'eq', v: 'online', vt: 'str' }], checkall: 'true', outputs: 1, wires: [['identify']] },
      { id: 'identify', type: 'tabla-command', z: 'tab2', x: 400, y: 60, verb: 'identify', ttlS: '60', wires: [[]] },
      // S2's board → `ping` with its first line, to the display that was sent it (a verb the display has: the fleet checks).
      { id: 'arr', type: 'tabla-arrivals', z: 'tab2', x: 100, y: 140, stop: 'S2', wires: [['line']] },
      { id: 'line', type: 'change', z: 'tab2', x: 250, y: 140, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"line": payload.departures[0].line}', tot: 'jsonata' }, { t: 'set', p: 'verb', pt: 'msg', to: 'ping', tot: 'str' }], wires: [['seen']] },
      { id: 'seen', type: 'tabla-command', z: 'tab2', x: 400, y: 140, wires: [[]] },
    ];
    assert.is((await api(fleet, 'PUT', '/api/flows', flows)).status, 200);

    const cmds: { device: string; verb: string; args: unknown }[] = [];
    const listen = async (id: string, stop: string) => {
      const { secret } = fleet.registry.provision({ id, role: 'stop-display', site: 'celje', labels: { stop } });
      const c = await deviceClient(fleet, id, secret);
      clients.push(c);
      c.on('message', (t, payload) => {
        const m = JSON.parse(payload.toString()) as { args?: unknown };
        cmds.push({ device: id, verb: t.split('/').at(-1)!, args: m.args });
      });
      await c.subscribeAsync(topic.cmd(id, '+'), { qos: 1 });
      const birth = { v: 1, epoch: 1, ts: fleet.clock.now(), role: 'stop-display', versions: { agent: 'test' }, heartbeatS: 30, configVersion: 0 };
      await c.publishAsync(topic.birth(id), JSON.stringify(birth), { qos: 1 });
    };
    await listen('disp-1', 'S1');
    await listen('disp-2', 'S2');
    await waitFor('identify to disp-1', () => cmds.find((c) => c.device === 'disp-1' && c.verb === 'identify'));
    assert.not.ok(cmds.some((c) => c.device === 'disp-2' && c.verb === 'identify'), 'disp-2 is not the device the node listens to');

    const board: ArrivalBoard = {
      stop: 'Velenje, avtobusna postaja',
      generatedAt: new Date(fleet.clock.now()).toISOString(),
      departures: [{ line: 'rumena', destination: 'Šalek', departsAt: new Date(fleet.clock.now() + 240_000).toISOString(), realtime: true }],
    };
    assert.ok(sender.send('disp-1', { ...board, departures: [{ ...board.departures[0]!, line: 'rdeča' }] }), 'S1 board sent');
    assert.ok(sender.send('disp-2', board), 'S2 board sent');
    const seen = await waitFor('ping to disp-2', () => cmds.find((c) => c.verb === 'ping'));
    assert.equal(seen, { device: 'disp-2', verb: 'ping', args: { line: 'rumena' } });
    await new Promise((r) => setTimeout(r, 200));
    assert.is(cmds.filter((c) => c.verb === 'ping').length, 1, 'the S1 board is filtered out');
    assert.is(fleet.metrics.get('tabla_node_red_errors_total', { node: 'tabla-command' }), 0);
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
});

test('a bad flows file is a usage error; a fleet without Node-RED says so', async () => {
  const dir = tmpDir('tabla-flows-');
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"nodes": 1}');
  const fleet = await startFleet({ engines: [occupancyEngine()] });
  try {
    const bad = await tabla(['flows', 'deploy', path.join(dir, 'bad.json')], { fleet });
    assert.is(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /not a flows export/);
    fs.writeFileSync(path.join(dir, 'ok.json'), JSON.stringify(FLOWS));
    const none = await tabla(['flows', 'deploy', path.join(dir, 'ok.json')], { fleet });
    assert.is(none.code, 1);
    assert.match(none.stderr, /without Node-RED \(start it with tabla-fleet --node-red, or TABLA_NODE_RED=1\)/);
  } finally {
    await fleet.stop();
  }
});

test('a function node that loops forever is stopped after a second, reported and counted; the fleet goes on', async () => {
  // Headless, after the tests above ran Node-RED with its editor in this process.
  const fleet = await startFleet({ engines: [nodeRedEngine({ editor: false })] });
  try {
    const flows = [
      { id: 'loopTab', type: 'tab', label: 'Loop' },
      { id: 'go', type: 'inject', z: 'loopTab', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: true, onceDelay: 0.1, wires: [['spin']] },
      { id: 'spin', type: 'function', z: 'loopTab', name: 'spins', func: 'while (true) {}\nreturn msg;', outputs: 1, timeout: 0, wires: [[]] },
    ];
    const started = Date.now();
    assert.is((await api(fleet, 'PUT', '/api/flows', flows)).status, 200);
    await waitFor(
      'the loop reported',
      async () => /^tabla_node_red_errors_total\{node="function"\} 1$/m.test(await (await fetch(`${fleet.httpUrl}/metrics`)).text()),
      15_000,
    );
    assert.ok(Date.now() - started < 10_000, 'stopped within seconds');
    assert.is((await fetch(`${fleet.httpUrl}/healthz`)).status, 200);
  } finally {
    await fleet.stop();
  }
});

test('the fleet loads Node-RED only when enabled', () => {
  const names = (list: { name: string }[]) => list.map((e) => e.name);
  const saved = process.env.TABLA_NODE_RED;
  try {
    delete process.env.TABLA_NODE_RED;
    assert.not.ok(names(defaultEngines()).includes('node-red'));
    process.env.TABLA_NODE_RED = '1';
    assert.ok(names(defaultEngines()).includes('node-red'));
    assert.not.ok(names(defaultEngines(new Timetables(), { nodeRed: false })).includes('node-red'));
  } finally {
    if (saved === undefined) delete process.env.TABLA_NODE_RED;
    else process.env.TABLA_NODE_RED = saved;
  }
});

test.run();
