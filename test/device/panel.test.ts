/**
 * The parking guidance panel end to end: a real fleet on loopback sends `parking-counts` to a real
 * parking-panel agent running the panel module, which drives the simulated sign (the real Alpha
 * driver on the sign emulator's in-memory port). The module's wall clock is stepped by the test;
 * the agent, broker and sign run in real time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { panel } from '../../device/modules/panel/index.js';
import { modulesFor } from '../../device/roles.js';
import type { GuidanceSign } from '../../hardware/sign/sign.js';
import { SimulatedSign } from '../../hardware/sign/simulated.js';
import type { ParkingCounts } from '../../protocols/index.js';
import { Content, decodeFrameImage, encode, frameImageHash, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, collectFrames, fleetClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

const T0 = Date.parse('2026-03-03T14:00:00+01:00');
const iso = (ms: number) => new Date(ms).toISOString();

const SETTINGS = {
  modules: {
    panel: {
      rows: [
        { carParkId: 'glazija', arrow: 'left' as const },
        { carParkId: 'celeiapark', arrow: 'right' as const },
      ],
      staleAfterS: 300,
      dayFrom: '06:30',
      nightFrom: '20:00',
      dayBrightness: 100,
      nightBrightness: 44,
      tickS: 1,
    },
  },
};

const counts = (now: number, glazija: number | 'full', celeiapark: number): ParkingCounts => ({
  rows: [
    glazija === 'full' ? { carParkId: 'glazija', label: 'GLAZIJA', free: 0, state: 'full' } : { carParkId: 'glazija', label: 'GLAZIJA', free: glazija, state: 'spacesAvailable' },
    { carParkId: 'celeiapark', label: 'CELEIAPARK', free: celeiapark, state: 'spacesAvailable' },
  ],
  validUntil: iso(now + 600_000),
});

const stringWrites = (sign: SimulatedSign) => sign.emulator.heard.filter((h) => h.startsWith('G'));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

test('the parking-panel role runs the panel module', () => {
  assert.equal(
    modulesFor('parking-panel').map((m) => m.name),
    ['board-watch', 'panel'],
  );
});

test('a guidance panel: counts from the fleet on the sign, only changed rows written, frame with the picture, brightness by the clock, -- when stale without the fleet, -- on stop', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  let fleetUp = true;
  try {
    const config = provision(fleet, 'panel-c1', 'parking-panel', { settings: SETTINGS });
    const sign = new SimulatedSign({ columns: 20, lines: 2 });
    let now = T0;
    const module = panel({ now: () => now });
    const agent = (started = new Agent({ config, log: quiet, modules: [module], drivers: { sign } }));
    const fc = (opened = await fleetClient(fleet));
    const frames = await collectFrames(fc, 'panel-c1');
    const status = () => agent.state().modules!.panel!;
    await agent.start();
    await waitFor('the layout on the sign, every count --', () => sign.emulator.file('1') === '< GLAZIJA         --' && sign.emulator.file('2') === 'CELEIAPARK      -- >');
    assert.equal(status(), { status: 'degraded', error: 'no parking counts yet' });
    await waitFor('day brightness', () => sign.health().inSync);
    assert.is(sign.emulator.brightness, 0, 'level 0: 100 %');
    await waitFor('agent online', () => agent.link.fleetOnline);

    // The fleet sends the rows (as its occupancy engine does): they reach the sign.
    assert.ok(fleet.outgoing.content('panel-c1', 'parking-counts', counts(now, 'full', 123)));
    await waitFor('the counts on the sign', () => sign.emulator.file('1') === '< GLAZIJA   ZASEDENO' && sign.emulator.file('2') === 'CELEIAPARK     123 >');
    assert.equal(sign.emulator.picture().lines, ['< GLAZIJA   ZASEDENO', 'CELEIAPARK     123 >']);
    await waitFor('status ok', () => status().status === 'ok');

    // The frame: kind, summary, and the sign's picture as its image (what the fleet shows as frame.png).
    const frame = await waitFor('the frame with the counts', () => frames.find((f) => f.summary === 'GLAZIJA ZASEDENO · CELEIAPARK 123'));
    assert.is(frame.kind, 'parking-counts');
    const bits = decodeFrameImage(frame.image!);
    assert.ok(same(bits, sign.emulator.picture().bits), 'the frame’s image is what the sign shows');
    assert.is(frame.hash, frameImageHash(bits));
    assert.equal([frame.image!.width, frame.image!.height], [20 * 6 - 1, 2 * 8 - 1]);
    const atFleet = await waitFor('the frame at the fleet', async () => {
      const f = (await api(fleet, 'GET', '/api/devices/panel-c1')).body.frame;
      return f?.summary === frame.summary ? f : null;
    });
    assert.is(atFleet.kind, 'parking-counts');
    const png = await fetch(`${fleet.httpUrl}/api/devices/panel-c1/frame.png`, { headers: { authorization: `Bearer ${fleet.local.adminToken}` } });
    assert.is(png.status, 200);
    assert.is(png.headers.get('content-type'), 'image/png');

    // The same rows again (the fleet re-sends before validUntil): nothing written. One count changes: one row written.
    const writes = stringWrites(sign).length;
    assert.ok(fleet.outgoing.content('panel-c1', 'parking-counts', counts(now, 'full', 123)));
    await waitFor('the re-sent content taken', () => module.latest() && Date.parse(module.latest()!.body.validUntil) >= now + 600_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.is(stringWrites(sign).length, writes, 'no row rewritten');
    now += 20_000;
    await fc.publishAsync(topic.content('panel-c1'), encode(Content, { v: 1, ts: Date.now(), kind: 'parking-counts', body: counts(now, 'full', 122) }), { qos: 1 });
    await waitFor('the new count on the sign', () => sign.emulator.file('2') === 'CELEIAPARK     122 >');
    assert.equal(stringWrites(sign).slice(writes), ['G2CELEIAPARK     122 >'], 'only the row that changed');
    await waitFor('its frame', () => frames.some((f) => f.summary === 'GLAZIJA ZASEDENO · CELEIAPARK 122'));

    // Evening: the night brightness.
    now = Date.parse('2026-03-03T20:00:05+01:00');
    assert.ok(fleet.outgoing.content('panel-c1', 'parking-counts', counts(now, 40, 122)));
    await waitFor('night brightness (level 4: 44 %)', () => sign.emulator.brightness === 4);
    await waitFor('glazija free again', () => sign.emulator.file('1') === '< GLAZIJA         40');

    // The fleet goes away: the counts stay while fresh, then the panel blanks them by itself.
    await fleet.stop();
    fleetUp = false;
    await waitFor('link down', () => !agent.link.fleetOnline);
    now += 200_000;
    module.update();
    await new Promise((r) => setTimeout(r, 200));
    assert.is(sign.emulator.file('1'), '< GLAZIJA         40', 'fresh counts stay up without the fleet');
    now += 101_000; // 301 s after the last content
    module.update();
    await waitFor('stale counts blanked', () => sign.emulator.file('1') === '< GLAZIJA         --' && sign.emulator.file('2') === 'CELEIAPARK      -- >');
    assert.is(status().status, 'degraded');
    assert.match(status().error!, /^parking counts stale: 301 s old/);

    // New content could not come; a clean stop leaves -- (it already is), and the driver is stopped.
    await agent.stop();
    assert.is(sign.emulator.file('1'), '< GLAZIJA         --');
    assert.is(sign.health().connected, false);
  } finally {
    await opened?.endAsync().catch(() => {});
    await started?.stop().catch(() => {});
    if (fleetUp) await fleet.stop().catch(() => {});
  }
});

test('a clean stop blanks live counts; a restart without the fleet shows the kept counts while fresh', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'panel-c2', 'parking-panel', { settings: SETTINGS });
  const sign = new SimulatedSign({ columns: 20, lines: 2 });
  let now = T0;
  let agent = new Agent({ config, log: quiet, modules: [panel({ now: () => now })], drivers: { sign } });
  let fleetUp = true;
  try {
    await agent.start();
    await waitFor('agent online', () => agent.link.fleetOnline);
    fleet.outgoing.content('panel-c2', 'parking-counts', counts(now, 12, 340));
    await waitFor('the counts on the sign', () => sign.emulator.file('1') === '< GLAZIJA         12');
    await agent.stop();
    assert.equal([sign.emulator.file('1'), sign.emulator.file('2')], ['< GLAZIJA         --', 'CELEIAPARK      -- >'], 'no numbers left up by a stopped agent');

    await fleet.stop();
    fleetUp = false;
    now += 60_000;
    agent = new Agent({ config, log: quiet, modules: [panel({ now: () => now })], drivers: { sign } });
    await agent.start();
    await waitFor('the kept counts back on the sign', () => sign.emulator.file('1') === '< GLAZIJA         12' && sign.emulator.file('2') === 'CELEIAPARK     340 >');
  } finally {
    await agent.stop().catch(() => {});
    if (fleetUp) await fleet.stop().catch(() => {});
  }
});

test('a sign that stops answering: degraded with the reason, the agent runs on, recovered by itself', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'panel-c3', 'parking-panel', { settings: SETTINGS });
  const sign = new SimulatedSign({ columns: 20, lines: 2, ackTimeoutMs: 100, responseTimeoutMs: 100, retryDelayMs: 20 });
  const now = T0;
  const module = panel({ now: () => now });
  const agent = new Agent({ config, log: quiet, modules: [module], drivers: { sign } });
  const status = () => agent.state().modules!.panel!;
  try {
    await agent.start();
    await waitFor('agent online', () => agent.link.fleetOnline);
    fleet.outgoing.content('panel-c3', 'parking-counts', counts(now, 50, 60));
    await waitFor('the counts on the sign', () => sign.emulator.file('1') === '< GLAZIJA         50');
    await waitFor('ok', () => status().status === 'ok');

    sign.emulator.silent = true;
    fleet.outgoing.content('panel-c3', 'parking-counts', counts(now, 49, 60));
    const bad = await waitFor('the fault reported', () => (status().status === 'degraded' ? status() : null));
    assert.match(bad.error!, /^sign: no-response/);
    assert.ok(agent.link.fleetOnline, 'the agent runs on');

    sign.emulator.silent = false;
    await waitFor('the new count on the sign once it answers', () => sign.emulator.file('1') === '< GLAZIJA         49', 15_000);
    await waitFor('ok again', () => status().status === 'ok', 5_000);
    assert.equal(status(), { status: 'ok' });
  } finally {
    await agent.stop().catch(() => {});
    await fleet.stop().catch(() => {});
  }
});

test('a sign whose start throws: degraded with the reason, tried again later, the agent runs on; stop is quick', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'panel-c5', 'parking-panel', { settings: SETTINGS });
  const sim = new SimulatedSign({ columns: 20, lines: 2 });
  let starts = 0;
  const sign: GuidanceSign = {
    start: () => {
      starts++;
      return Promise.reject(new Error('EACCES: permission denied, open /dev/ttyUSB0'));
    },
    stop: () => sim.stop(),
    configure: (layout) => sim.configure(layout),
    writeString: (label, text) => sim.writeString(label, text),
    setBrightness: (percent) => sim.setBrightness(percent),
    health: () => sim.health(),
    picture: () => sim.picture(),
  };
  const module = panel({ now: () => T0 });
  const agent = new Agent({ config, log: quiet, modules: [module], drivers: { sign } });
  try {
    await agent.start();
    await waitFor('agent online', () => agent.link.fleetOnline);
    const s = await waitFor('the fault reported', () => (agent.state().modules!.panel!.error?.startsWith('sign:') ? agent.state().modules!.panel : null));
    assert.equal(s, { status: 'degraded', error: 'sign: not started: EACCES: permission denied, open /dev/ttyUSB0' });
    assert.is(starts, 1, 'not hammered: the next try is 5 s later');
    fleet.outgoing.content('panel-c5', 'parking-counts', counts(T0, 3, 4));
    await waitFor('the content kept all the same', () => module.latest()?.body.rows[0]?.free === 3);
    assert.equal(module.plan()!.rows.map((r) => r.value), ['3', '4']);
    const t = Date.now();
    await agent.stop();
    assert.ok(Date.now() - t < 3000, 'stop does not wait for a sign that never started');
  } finally {
    await agent.stop().catch(() => {});
    await fleet.stop().catch(() => {});
  }
});

test('without a sign: degraded, the summary still reported as the frame', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'panel-c4', 'parking-panel', { settings: SETTINGS });
  const agent = new Agent({ config, log: quiet, modules: [panel({ now: () => T0 })] });
  try {
    await agent.start();
    await waitFor('agent online', () => agent.link.fleetOnline);
    assert.equal(agent.state().modules!.panel, { status: 'degraded', error: 'no sign configured (hardware.sign)' });
    fleet.outgoing.content('panel-c4', 'parking-counts', counts(T0, 'full', 7));
    const f = await waitFor('the frame at the fleet', async () => {
      const x = (await api(fleet, 'GET', '/api/devices/panel-c4')).body.frame;
      return x?.summary === 'GLAZIJA ZASEDENO · CELEIAPARK 7' ? x : null;
    });
    assert.is(f.kind, 'parking-counts');
  } finally {
    await agent.stop().catch(() => {});
    await fleet.stop().catch(() => {});
  }
});

test.run();
