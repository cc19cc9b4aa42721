/**
 * The logs engine with a real fleet on loopback and a real agent: a `logs` slice reaches
 * `GET /api/devices/:id/logs` with each line's module, asking twice keeps each line once, a long
 * poll wakes on a followed line, and a burst while following stays within the device's rate limit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Agent } from '../../device/agent.js';
import type { DeviceLogs } from '../../fleet/engines/logs/index.js';
import { parseSince } from '../../fleet/engines/logs/index.js';
import { api, onlineAgent, startFleet, waitFor } from '../helpers.js';

type Fleet = Awaited<ReturnType<typeof startFleet>>;

async function command(fleet: Fleet, id: string, verb: string, args: Record<string, unknown> = {}) {
  const res = await api(fleet, 'POST', `/api/devices/${id}/commands`, { verb, args });
  assert.is(res.status, 202, JSON.stringify(res.body));
  return waitFor(`${verb} answered`, async () => {
    const c = (await api(fleet, 'GET', `/api/devices/${id}/commands/${res.body.cmdId}`)).body;
    return ['succeeded', 'failed', 'rejected', 'expired'].includes(c.status) ? c : null;
  });
}

async function logs(fleet: Fleet, id: string, query: string): Promise<DeviceLogs> {
  const res = await api(fleet, 'GET', `/api/devices/${id}/logs?${query}`);
  assert.is(res.status, 200, JSON.stringify(res.body));
  return res.body as DeviceLogs;
}

test('since: ISO or ms, an hour back by default; anything else is a 400', () => {
  assert.is(parseSince('2026-11-27T05:10:00Z', 0), Date.parse('2026-11-27T05:10:00Z'));
  assert.is(parseSince('1800000000000', 0), 1_800_000_000_000);
  assert.is(parseSince(null, 7_200_000), 3_600_000);
  assert.throws(() => parseSince('yesterday', 0), /since: yesterday is not a time/);
});

test('a `logs` slice reaches the fleet with modules; asked again, each line is kept once', async () => {
  const fleet = await startFleet();
  let running: Agent | null = null;
  try {
    const agent = (running = await onlineAgent(fleet, 'stop-logs-1'));
    const since = Date.now() - 60_000;
    agent.log.child('departures').warn('no arrivals for Velenje AP; showing the timetable', { stop: 'Velenje AP' });
    agent.log.child('link').info('šolski avtobus: čez 3 min');
    const c = await command(fleet, 'stop-logs-1', 'logs', { since });
    assert.is(c.status, 'succeeded', JSON.stringify(c));
    assert.ok(c.result.lines >= 3, `the agent's own lines and ours: ${JSON.stringify(c.result)}`);
    const got = await waitFor('lines stored', async () => {
      const l = await logs(fleet, 'stop-logs-1', `since=${since}`);
      return l.lines.some((x) => x.line === c.result.lastLine) ? l : null;
    });
    const dep = got.lines.find((l) => l.msg.startsWith('no arrivals'));
    assert.is(dep?.module, 'departures');
    assert.equal(dep?.fields, { stop: 'Velenje AP' });
    assert.is(dep?.level, 'warn');
    assert.is(got.lines.find((l) => l.msg === 'šolski avtobus: čez 3 min')?.module, 'link');
    assert.is(got.lines.find((l) => l.msg === 'agent started')?.module, 'agent');
    const times = got.lines.map((l) => Date.parse(l.ts));
    assert.equal(times, [...times].sort((a, b) => a - b), 'oldest first');

    const again = await command(fleet, 'stop-logs-1', 'logs', { since });
    await waitFor('second slice stored', () => fleet.metrics.get('tabla_logs_lines_total') >= got.lines.length && again.result.lastLine);
    await new Promise((r) => setTimeout(r, 300));
    const after = await logs(fleet, 'stop-logs-1', `since=${since}`);
    const numbers = after.lines.flatMap((l) => (l.line === undefined ? [] : [l.line]));
    assert.is(new Set(numbers).size, numbers.length, 'no line twice');
    assert.ok(numbers.includes(again.result.lastLine), 'the lines of the second ask are there too');

    const few = await logs(fleet, 'stop-logs-1', `since=${since}&limit=2`);
    assert.is(few.lines.length, 2);
    assert.is(few.lines[1]!.id, Math.max(...after.lines.map((l) => l.id)), 'the newest');
    assert.is((await api(fleet, 'GET', '/api/devices/nobody/logs')).status, 404);
    assert.is((await api(fleet, 'GET', '/api/devices/stop-logs-1/logs?since=soon')).status, 400);
  } finally {
    await running?.stop();
    await fleet.stop();
  }
});

test('a long poll after the cursor wakes on a line logged while followed', async () => {
  const fleet = await startFleet();
  let running: Agent | null = null;
  try {
    const agent = (running = await onlineAgent(fleet, 'stop-logs-2'));
    const f = await command(fleet, 'stop-logs-2', 'logs-follow', { forS: 30 });
    assert.is(f.status, 'succeeded', JSON.stringify(f));
    // The follow's own answer is logged ("command done") and shipped: start after it.
    const { cursor } = await waitFor('the command line shipped', async () => {
      const l = await logs(fleet, 'stop-logs-2', `since=${Date.now() - 60_000}`);
      return l.lines.some((x) => x.msg === 'command done' && x.fields?.verb === 'logs-follow') ? l : null;
    });
    const started = Date.now();
    const poll = logs(fleet, 'stop-logs-2', `after=${cursor}&waitS=10`);
    await new Promise((r) => setTimeout(r, 300));
    agent.log.child('kiosk').warn('touch panel not answering');
    const got = await poll;
    assert.ok(Date.now() - started < 8000, 'woken, not timed out');
    const line = got.lines.find((l) => l.msg === 'touch panel not answering');
    assert.ok(line, JSON.stringify(got));
    assert.is(line!.module, 'kiosk');
    assert.ok(got.cursor > cursor);
    const empty = await logs(fleet, 'stop-logs-2', `after=${Number.MAX_SAFE_INTEGER - 1}&waitS=1`);
    assert.equal(empty.lines, []);
  } finally {
    await running?.stop();
    await fleet.stop();
  }
});

test('a burst while followed: the fleet gets what the rate limit allows and a note of the rest', async () => {
  const fleet = await startFleet();
  let running: Agent | null = null;
  try {
    const agent = (running = await onlineAgent(fleet, 'stop-logs-3', { logShip: { linesPerS: 20, burstS: 1 } }));
    const { cursor } = await logs(fleet, 'stop-logs-3', `since=${Date.now()}`);
    await command(fleet, 'stop-logs-3', 'logs-follow', { forS: 30 });
    const start = Date.now();
    const burst = agent.log.child('burst');
    for (let i = 0; i < 2000; i++) burst.info(`line ${i}`, { i });
    await new Promise((r) => setTimeout(r, 1500));
    burst.info('after the burst');
    const got = await waitFor('note arrived', async () => {
      const l = await logs(fleet, 'stop-logs-3', `after=${cursor}&limit=5000`);
      return l.lines.some((x) => x.msg === 'after the burst') ? l : null;
    });
    const elapsedS = (Date.now() - start) / 1000;
    const burstLines = got.lines.filter((l) => l.module === 'burst');
    // 20 at once, then 20 a second; the other lines of the agent share the bucket.
    assert.ok(burstLines.length <= 20 + 20 * elapsedS + 1, `${burstLines.length} burst lines in ${elapsedS.toFixed(1)} s`);
    assert.ok(burstLines.length >= 10, `some lines went through: ${burstLines.length}`);
    const notes = got.lines.filter((l) => l.module === 'log-ship');
    const dropped = notes.reduce((n, l) => n + (l.fields!.dropped as number), 0);
    assert.ok(notes.length >= 1 && /^… \d+ lines dropped/.test(notes[0]!.msg), JSON.stringify(notes));
    assert.ok(dropped >= 2000 - burstLines.length - 5, `dropped ${dropped} + shipped ${burstLines.length} account for the burst`);
    assert.ok(agent.logRing.slice({ since: start - 1, limit: 5000 }).lines.filter((l) => l.module === 'burst').length > 2000, 'the ring kept them all');
  } finally {
    await running?.stop();
    await fleet.stop();
  }
});

test.run();
