/**
 * Content routing and frames: a module gets only the kinds it declared, each body checked against
 * its kind's schema first; a module that (re)starts gets the latest body; the departures module
 * keeps its board in its own table across restarts and reports it as the frame the fleet shows.
 */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import type { AgentModule } from '../../device/module.js';
import { departures } from '../../device/modules/departures/index.js';
import { boardSummary } from '../../device/modules/departures/summary.js';
import type { ArrivalBoard, ContentBody, ContentKind } from '../../protocols/index.js';
import { Content, createLogger, decodeContent, encode, topic } from '../../protocols/index.js';
import { api, fleetClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

/** In schema key order, so that its JSON is the hash's input as the module sees it. */
const BOARD: ArrivalBoard = {
  stop: 'Center',
  generatedAt: '2026-03-02T13:00:00Z',
  departures: [
    { line: 'rumena', colour: '#f5c400', destination: 'Center', departsAt: '2026-03-02T13:05:00Z', realtime: true },
    { line: 'rdeča', destination: 'Konovo', departsAt: '2026-03-02T13:12:00Z', realtime: false },
    { line: 'modra', destination: 'Gorica', departsAt: '2026-03-02T13:20:00+00:00', realtime: true, load: 'standing' },
  ],
};

const COUNTS: ContentBody<'parking-counts'> = {
  rows: [{ carParkId: 'glazija', label: 'GLAZIJA', free: 12, state: 'spacesAvailable' }],
  validUntil: '2026-03-02T13:05:00Z',
};

type FleetClient = Awaited<ReturnType<typeof fleetClient>>;

const send = (fc: FleetClient, id: string, kind: string, body: unknown) =>
  fc.publishAsync(topic.content(id), encode(Content, { v: 1, ts: Date.now(), kind, body }), { qos: 1 });

test('the content schemas: decodeContent names the field, or the unknown kind', () => {
  assert.ok(decodeContent('arrival-board', BOARD).ok);
  assert.ok(decodeContent('parking-counts', COUNTS).ok);
  const bad = decodeContent('arrival-board', { ...BOARD, departures: [{ ...BOARD.departures[0], departsAt: 'soon' }] });
  assert.equal(bad, { ok: false, reason: 'schema: departures.0.departsAt: Invalid ISO datetime' });
  assert.equal(decodeContent('weather', {}), { ok: false, reason: 'unknown content kind weather' });
});

test('the frame summary: count, next departure in local time, scheduled marked, the message', () => {
  assert.is(boardSummary(BOARD, 'Europe/Ljubljana'), '3 departures; next 14:05 rumena → Center');
  assert.is(boardSummary(BOARD, 'UTC'), '3 departures; next 13:05 rumena → Center');
  const one = { ...BOARD, departures: [BOARD.departures[1]!], message: 'Obvoz zaradi del' };
  assert.is(boardSummary(one, 'Europe/Ljubljana'), '1 departure; next 14:12 rdeča → Konovo (scheduled) — Obvoz zaradi del');
  assert.is(boardSummary({ ...BOARD, departures: [] }, 'Europe/Ljubljana'), 'no departures');
});

test('content reaches only the modules that declared its kind, only when its body passes; a module that starts late gets the latest', async () => {
  const fleet = await startFleet();
  const got: Record<string, [ContentKind, unknown][]> = { boards: [], counts: [], late: [] };
  const gate = { open: false };
  const taker = <K extends ContentKind>(name: string, kinds: K[], gated = false): AgentModule<unknown, K> => {
    return {
      name,
      contentKinds: kinds,
      start() {
        if (gated && !gate.open) throw new Error('not yet');
      },
      stop() {},
      onContent(kind, body) {
        got[name]!.push([kind, body]);
      },
    };
  };
  const agent = new Agent({
    config: provision(fleet, 'stop-c1', 'stop-display'),
    log: quiet,
    modules: [taker('boards', ['arrival-board']), taker('counts', ['parking-counts']), taker('late', ['arrival-board'], true)],
    moduleRestart: { minMs: 200, maxMs: 400, random: () => 1 },
  });
  let fc: FleetClient | null = null;
  try {
    fc = await fleetClient(fleet);
    await agent.start();
    await waitFor('agent ready', () => agent.link.fleetOnline);
    await send(fc, 'stop-c1', 'parking-counts', COUNTS);
    await send(fc, 'stop-c1', 'arrival-board', { ...BOARD, departures: [{ ...BOARD.departures[0], realtime: 'yes' }] });
    await send(fc, 'stop-c1', 'weather', { sunny: true });
    await send(fc, 'stop-c1', 'arrival-board', BOARD);
    await waitFor('the good board delivered', () => got.boards!.length === 1);
    assert.equal(got.boards, [['arrival-board', BOARD]], 'neither the parking counts nor the bad board reached it');
    assert.equal(got.counts, [['parking-counts', COUNTS]]);
    assert.is(agent.refused, 1, 'the bad board was refused at the border (counted); a kind nobody takes is not');
    assert.equal(got.late, [], 'not running yet');
    assert.is(agent.state().modules!.late!.status, 'failed');
    gate.open = true;
    await waitFor('late module restarted and given the latest board', () => got.late!.length === 1);
    assert.equal(got.late, [['arrival-board', BOARD]]);
  } finally {
    await fc?.endAsync();
    await agent.stop();
    await fleet.stop();
  }
});

test('departures: the board is kept in its own table, reported as the frame (summary, hash), again after a restart; identify logs', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-c2', 'stop-display');
  const lines: string[] = [];
  const log = createLogger('stop-c2', { level: 'info', sink: (l) => lines.push(l) });
  let module = departures();
  let agent = new Agent({ config, log, modules: [module] });
  const frame = async () => (await api(fleet, 'GET', '/api/devices/stop-c2')).body.frame;
  let fc: FleetClient | null = null;
  try {
    fc = await fleetClient(fleet);
    await agent.start();
    assert.equal(agent.state().modules!.departures, { status: 'degraded', error: 'no arrival board yet' });
    await waitFor('agent ready', () => agent.link.fleetOnline);
    await send(fc, 'stop-c2', 'arrival-board', BOARD);
    const first = await waitFor('frame at the fleet', frame);
    assert.is(first.kind, 'arrival-board');
    assert.is(first.summary, '3 departures; next 14:05 rumena → Center');
    assert.is(first.hash, createHash('sha256').update(JSON.stringify(BOARD)).digest('hex'));
    assert.equal(agent.state().modules!.departures, { status: 'ok' });

    const id = await api(fleet, 'POST', '/api/devices/stop-c2/commands', { verb: 'identify' });
    await waitFor('identify done', async () => (await api(fleet, 'GET', `/api/devices/stop-c2/commands/${id.body.cmdId}`)).body.status === 'succeeded');
    assert.ok(lines.some((l) => l.includes('stop-c2/departures: IDENTIFY: departures of Center (stop-c2)')), 'identify logged by the module');

    // Its time zone is a setting: the summary follows it.
    const put = await api(fleet, 'PUT', '/api/devices/stop-c2/config', { settings: { modules: { departures: { timeZone: 'UTC' } } } });
    assert.is(put.status, 200, JSON.stringify(put.body));
    await waitFor('frame in UTC', async () => (await frame()).summary === '3 departures; next 13:05 rumena → Center');

    await agent.stop();
    module = departures();
    agent = new Agent({ config, log, modules: [module] });
    await agent.start();
    assert.equal(module.latest()?.board, BOARD, 'the board came back from its table');
    assert.equal(agent.state().modules!.departures, { status: 'ok' });
    const before = (await frame()).ts;
    await waitFor('frame sent again on the new session', async () => (await frame()).ts > before);
    assert.is((await frame()).summary, '3 departures; next 13:05 rumena → Center');
  } finally {
    await fc?.endAsync();
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
