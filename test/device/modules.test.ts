/**
 * The module host: a module's lifecycle, its restart with backoff after a failure (start throwing,
 * handlers throwing in a row, ctx.fail), its verbs answered end to end through the fleet API, verb
 * clashes, and identify reaching every module. A real fleet on loopback and real agents.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { CommandRejected } from '../../device/commands.js';
import type { AgentContext, AgentModule } from '../../device/module.js';
import { reconnectDelay } from '../../device/link.js';
import { api, provision, quiet, startFleet, waitFor } from '../helpers.js';

type Fleet = Awaited<ReturnType<typeof startFleet>>;

/** Runs a command through the fleet's HTTP API and waits for its final outcome. */
async function command(fleet: Fleet, id: string, verb: string, args: Record<string, unknown> = {}) {
  const res = await api(fleet, 'POST', `/api/devices/${id}/commands`, { verb, args });
  assert.is(res.status, 202, JSON.stringify(res.body));
  return waitFor(`${verb} answered`, async () => {
    const c = (await api(fleet, 'GET', `/api/devices/${id}/commands/${res.body.cmdId}`)).body;
    return ['succeeded', 'failed', 'rejected', 'expired'].includes(c.status) ? c : null;
  });
}

/** Restarts at exactly 200 ms, then 400 ms, … (random() = 1 takes the top of the jitter range). */
const FAST_RESTART = { minMs: 200, maxMs: 5000, random: () => 1 };

test('backoff: 1 s doubling to 5 min, jittered over most of the interval', () => {
  assert.is(reconnectDelay(0, 1000, 300_000, () => 1), 1000);
  assert.is(reconnectDelay(0, 1000, 300_000, () => 0), 500);
  assert.is(reconnectDelay(3, 1000, 300_000, () => 1), 8000);
  assert.is(reconnectDelay(40, 1000, 300_000, () => 1), 300_000);
});

test('a module that throws at start twice is marked failed, restarted with growing backoff, then runs; the agent runs on', async () => {
  const fleet = await startFleet();
  const starts: number[] = [];
  let stops = 0;
  const flaky: AgentModule = {
    name: 'flaky',
    start() {
      starts.push(performance.now());
      if (starts.length <= 2) throw new Error(`boom ${starts.length}`);
    },
    stop() {
      stops++;
    },
  };
  const agent = new Agent({ config: provision(fleet, 'bus-m1'), log: quiet, modules: [flaky], moduleRestart: FAST_RESTART });
  try {
    await agent.start();
    assert.equal(agent.state().modules!.flaky, { status: 'failed', error: 'start: boom 1 (failure 1; restarting in 0.2 s)', failures: 1 });
    await waitFor('online', () => fleet.presence.of('bus-m1') === 'online');
    const ok = await waitFor('flaky running', () => (agent.state().modules!.flaky!.status === 'ok' ? agent.state().modules!.flaky : null));
    assert.is(starts.length, 3);
    assert.ok(starts[1]! - starts[0]! >= 190, `first restart after ~200 ms, was ${starts[1]! - starts[0]!}`);
    assert.ok(starts[2]! - starts[1]! >= 390, `second after ~400 ms, was ${starts[2]! - starts[1]!}`);
    assert.is(stops, 2, 'stop() released what each failed start held');
    assert.equal(ok, { status: 'ok', error: 'last failure: start: boom 2', failures: 2 }, 'the count rides in the heartbeat');
    // The fleet saw it too (a later heartbeat).
    await command(fleet, 'bus-m1', 'rebirth');
    await waitFor('heartbeat with flaky ok', () => fleet.registry.get('bus-m1')!.state?.modules?.flaky?.status === 'ok');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
  assert.equal(agent.state().modules!.flaky, { status: 'stopped', error: 'last failure: start: boom 2', failures: 2 });
  assert.is(stops, 3);
});

test("a module's verbs are answered like the core ones; three handler errors in a row fail it, and it comes back with its verbs", async () => {
  const fleet = await startFleet();
  let starts = 0;
  const seen: { signal?: AbortSignal } = {};
  const counter: AgentModule = {
    name: 'counter',
    start(ctx) {
      starts++;
      seen.signal = ctx.signal;
      let n = 0;
      ctx.commands.register('count', (args) => ({ n: (n += Number(args.by ?? 1)) }));
      ctx.commands.register('refuse', () => {
        throw new CommandRejected('not today');
      });
      ctx.commands.register('explode', () => {
        throw new Error('kaboom');
      });
    },
    stop() {},
  };
  const agent = new Agent({ config: provision(fleet, 'bus-m2'), log: quiet, modules: [counter], moduleRestart: FAST_RESTART });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-m2') === 'online');
    assert.equal((await command(fleet, 'bus-m2', 'count', { by: 2 })).result, { n: 2 });
    assert.equal((await command(fleet, 'bus-m2', 'count')).result, { n: 3 });
    const refused = await command(fleet, 'bus-m2', 'refuse');
    assert.is(refused.status, 'rejected');
    assert.is(refused.error, 'not today');
    for (let i = 1; i <= 2; i++) {
      const failed = await command(fleet, 'bus-m2', 'explode');
      assert.is(failed.status, 'failed');
      assert.is(failed.error, 'kaboom');
      assert.is(agent.state().modules!.counter!.status, 'ok', `${i} error(s) in a row: still running`);
    }
    assert.is((await command(fleet, 'bus-m2', 'explode')).status, 'failed');
    assert.is(agent.state().modules!.counter!.status, 'failed', 'the third in a row fails the module');
    assert.match(agent.state().modules!.counter!.error!, /^verb explode: kaboom \(failure 1; restarting in 0\.2 s\)$/);
    assert.ok(seen.signal!.aborted, "the failed run's signal is aborted");
    await waitFor('restarted', () => starts === 2 && agent.state().modules!.counter!.status === 'ok');
    assert.equal((await command(fleet, 'bus-m2', 'count')).result, { n: 1 }, 'a fresh start, its verbs registered again');
    assert.equal((await command(fleet, 'bus-m2', 'ping')).status, 'succeeded', 'the core verbs never stopped');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('ctx.fail and a timer that keeps throwing fail the module; it is restarted; a failing stop() is reported', async () => {
  const fleet = await startFleet();
  let starts = 0;
  const seen: { ctx?: AgentContext } = {};
  const quitter: AgentModule = {
    name: 'quitter',
    start(c) {
      starts++;
      seen.ctx = c;
      if (starts === 2) c.every(20, () => {
        throw new Error('sensor gone');
      });
    },
    stop() {
      if (starts >= 3) throw new Error('cannot let go');
    },
  };
  const agent = new Agent({ config: provision(fleet, 'bus-m3'), log: quiet, modules: [quitter], moduleRestart: FAST_RESTART });
  try {
    await agent.start();
    seen.ctx!.fail(new Error('gave up'));
    assert.match(agent.state().modules!.quitter!.error!, /^failed: gave up \(failure 1/);
    await waitFor('timer failures fail it', () => agent.state().modules!.quitter!.error?.startsWith('timer: sensor gone (failure 2'));
    await waitFor('third start', () => starts === 3 && agent.state().modules!.quitter!.status === 'ok');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
  assert.equal(agent.state().modules!.quitter, { status: 'failed', error: 'stop: cannot let go', failures: 2 });
});

test("a verb clash is an error at the second module's start; the core's verbs cannot be taken", async () => {
  const fleet = await startFleet();
  const registering = (name: string, verb: string): AgentModule => ({
    name,
    start: (ctx) => ctx.commands.register(verb, () => name),
    stop() {},
  });
  const agent = new Agent({
    config: provision(fleet, 'bus-m4'),
    log: quiet,
    modules: [registering('first', 'status'), registering('second', 'status'), registering('third', 'ping')],
    moduleRestart: { minMs: 60_000 },
  });
  try {
    await agent.start();
    const modules = agent.state().modules!;
    assert.is(modules.first!.status, 'ok');
    assert.match(modules.second!.error!, /^start: verb status is already registered by module first/);
    assert.match(modules.third!.error!, /^start: verb ping is one of the agent's own/);
    await waitFor('online', () => fleet.presence.of('bus-m4') === 'online');
    assert.is((await command(fleet, 'bus-m4', 'status')).result, 'first');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test("identify: every module's identify() runs, one that throws does not stop the others or the command", async () => {
  const fleet = await startFleet();
  const shown: string[] = [];
  let onIdentify = 0;
  const mod = (name: string, fails = false): AgentModule => ({
    name,
    start() {},
    stop() {},
    identify() {
      shown.push(name);
      if (fails) throw new Error('no lamp');
    },
  });
  const agent = new Agent({
    config: provision(fleet, 'stop-m5', 'stop-display'),
    log: quiet,
    modules: [mod('lamp', true), mod('panel'), { name: 'mute', start() {}, stop() {} }],
    onIdentify: () => void onIdentify++,
  });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('stop-m5') === 'online');
    const done = await command(fleet, 'stop-m5', 'identify');
    assert.is(done.status, 'succeeded');
    assert.equal(done.result, { deviceId: 'stop-m5' });
    assert.equal(shown, ['lamp', 'panel']);
    assert.is(onIdentify, 1);
    assert.is(agent.state().modules!.lamp!.status, 'ok', 'one error is not a failure');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
