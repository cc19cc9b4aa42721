/**
 * The fleet keeps each desired version's settings (the last HISTORY_KEEP per device, and always the
 * one the device reports), so `tabla config diff` shows what changes from the version the device
 * runs to the desired one, and `GET /api/devices/:id/config` says what the device runs.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { HISTORY_KEEP } from '../../fleet/device-config.js';
import { FleetService } from '../../fleet/service.js';
import { CfgReported, encode, topic } from '../../protocols/index.js';
import { type CliRun, api, deviceClient, provision, quiet, startFleet, tabla, tmpDir, waitFor } from '../helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function ok(r: CliRun, what: string): CliRun {
  assert.is(r.code, 0, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Speaks as the device over MQTT with its own credentials: reports a version applied (or one refused). */
async function report(fleet: FleetService, id: string, password: string, version: number, rejected?: CfgReported['rejected']) {
  const client = await deviceClient(fleet, id, password);
  try {
    const body = encode(CfgReported, { v: 1, ts: Date.now(), version, ...(rejected ? { rejected } : {}) });
    await client.publishAsync(topic.cfgReported(id), body, { qos: 1, retain: true });
  } finally {
    await client.endAsync();
  }
  const want = rejected ? `v${rejected.version}: ${rejected.error}` : null;
  await waitFor(`v${version} reported`, () => {
    const c = fleet.configs.get(id);
    return c.reportedVersion === version && c.reportedError === want;
  });
}

test('a device behind: diff shows what changes from the version it runs to the desired one, and a rejection', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-rudarska', 'stop-display');
  const agent = new Agent({ config, log: quiet });
  let agentRunning = false;
  try {
    await agent.start();
    agentRunning = true;
    await waitFor('online', () => fleet.presence.of('stop-rudarska') === 'online');
    ok(await tabla(['config', 'set', 'stop-rudarska', 'heartbeatS=15', 'labels.zone=center'], { fleet }), 'set v1');
    await waitFor('the agent applied v1', () => agent.settingsVersion === 1 && fleet.configs.get('stop-rudarska').reportedVersion === 1);
    await agent.stop();
    agentRunning = false;
    await waitFor('offline', () => fleet.presence.of('stop-rudarska') === 'offline');
    ok(await tabla(['config', 'set', 'stop-rudarska', 'logLevel=debug'], { fleet }), 'set v2 while offline');

    const [text, json, answer] = await Promise.all([
      tabla(['config', 'diff', 'stop-rudarska'], { fleet }),
      tabla(['config', 'diff', 'stop-rudarska', '--json'], { fleet }),
      api(fleet, 'GET', '/api/devices/stop-rudarska/config'),
    ]);
    assert.is(
      ok(text, 'diff').stdout,
      'stop-rudarska: desired v2, reported v1\nchanges from v1 (what the device runs) to v2 (desired):\n  ~ logLevel: "info" → "debug"\n',
      'exactly the change from v1 to v2, not everything v2 sets',
    );
    assert.equal(JSON.parse(ok(json, 'diff --json').stdout), {
      desired: 2,
      reported: 1,
      error: null,
      inSync: false,
      changes: ['~ logLevel: "info" → "debug"'],
      from: 1,
    });
    assert.is(answer.status, 200);
    const c = answer.body;
    assert.equal(
      Object.keys(c),
      ['desiredVersion', 'desired', 'desiredAt', 'reportedVersion', 'reportedError', 'reportedAt', 'reportedSettings', 'reportedSetAt', 'reportedSettingsNote'],
      'the existing fields stay, the new ones are added',
    );
    assert.equal([c.desiredVersion, c.reportedVersion, c.desired.logLevel, typeof c.desiredAt, typeof c.reportedAt], [2, 1, 'debug', 'number', 'number']);
    assert.equal([c.reportedSettings.heartbeatS, c.reportedSettings.logLevel, c.reportedSettings.labels], [15, 'info', { zone: 'center' }]);
    assert.match(c.reportedSetAt, ISO);
    assert.is(c.reportedSettingsNote, null);

    // The device comes back and refuses v2: it still runs v1.
    await report(fleet, 'stop-rudarska', config.mqtt.password, 1, { version: 2, error: 'logLevel: not on this build' });
    const [rejected, rejectedJson] = await Promise.all([
      tabla(['config', 'diff', 'stop-rudarska'], { fleet }),
      tabla(['config', 'diff', 'stop-rudarska', '--json'], { fleet }),
    ]);
    assert.is(
      ok(rejected, 'diff after a rejection').stdout,
      'stop-rudarska: desired v2, reported v1 (rejected: v2: logLevel: not on this build)\n' +
        'changes from v1 (what the device runs) to v2 (desired):\n  ~ logLevel: "info" → "debug"\n',
    );
    const j = JSON.parse(rejectedJson.stdout);
    assert.equal([j.inSync, j.from, j.error, j.changes], [false, 1, 'v2: logLevel: not on this build', ['~ logLevel: "info" → "debug"']]);

    await report(fleet, 'stop-rudarska', config.mqtt.password, 2);
    const synced = ok(await tabla(['config', 'diff', 'stop-rudarska', '--json'], { fleet }), 'diff in sync');
    assert.equal(JSON.parse(synced.stdout), { desired: 2, reported: 2, error: null, inSync: true, changes: [], from: null });
  } finally {
    if (agentRunning) await agent.stop();
    await fleet.stop();
  }
});

test('v0 (nothing pushed) is the defaults; a device never heard from falls back to the defaults and says why', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'panel-glazija', 'parking-panel');
  provision(fleet, 'panel-kocbekova', 'parking-panel');
  try {
    await report(fleet, 'panel-glazija', config.mqtt.password, 0);
    for (const id of ['panel-glazija', 'panel-kocbekova']) ok(await tabla(['config', 'set', id, 'heartbeatS=15'], { fleet }), `set ${id}`);

    const v0 = (await api(fleet, 'GET', '/api/devices/panel-glazija/config')).body;
    assert.equal([v0.reportedVersion, v0.reportedSettings, v0.reportedSetAt], [0, null, null]);
    assert.match(v0.reportedSettingsNote, /^v0: no settings pushed; the agent runs its own file/);
    const text = ok(await tabla(['config', 'diff', 'panel-glazija'], { fleet }), 'diff from v0').stdout;
    assert.match(text, /^panel-glazija: desired v1, reported v0\nchanges from v0 \(what the device runs: no settings pushed, .*\) to v1 \(desired\):\n  ~ heartbeatS: 30 → 15\n$/);
    assert.is(JSON.parse(ok(await tabla(['config', 'diff', 'panel-glazija', '--json'], { fleet }), 'json').stdout).from, 0);

    const never = (await api(fleet, 'GET', '/api/devices/panel-kocbekova/config')).body;
    assert.equal([never.reportedVersion, never.reportedSettings, never.reportedSettingsNote], [null, null, 'the device has reported no version yet']);
    const fallback = ok(await tabla(['config', 'diff', 'panel-kocbekova'], { fleet }), 'diff, nothing reported').stdout;
    assert.match(fallback, 'v1 sets, against the defaults (what the device runs is unknown: the device has reported no version yet):\n  ~ heartbeatS: 30 → 15\n');
    assert.is(JSON.parse(ok(await tabla(['config', 'diff', 'panel-kocbekova', '--json'], { fleet }), 'json').stdout).from, null);
  } finally {
    await fleet.stop();
  }
});

test(`the history keeps the last ${HISTORY_KEEP} versions and always the one the device reports`, async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'bus-07', 'bus');
  const set = async (heartbeatS: number) => {
    const r = await api(fleet, 'PUT', '/api/devices/bus-07/config', { settings: { heartbeatS } });
    assert.is(r.status, 200, JSON.stringify(r.body));
    return r.body.version as number;
  };
  try {
    await set(10);
    await report(fleet, 'bus-07', config.mqtt.password, 1);
    for (let v = 2; v <= HISTORY_KEEP + 2; v++) await set(10 + v);
    const last = HISTORY_KEEP + 2;
    const window = Array.from({ length: HISTORY_KEEP }, (_, i) => last - HISTORY_KEEP + 1 + i);
    assert.equal(fleet.configs.keptVersions('bus-07'), [1, ...window], 'v1 stays (reported), v2 is dropped, the last ones stay');

    const text = ok(await tabla(['config', 'diff', 'bus-07'], { fleet }), 'diff from a version far behind').stdout;
    assert.is(text, `bus-07: desired v${last}, reported v1\nchanges from v1 (what the device runs) to v${last} (desired):\n  ~ heartbeatS: 10 → ${10 + last}\n`);

    await report(fleet, 'bus-07', config.mqtt.password, last);
    assert.equal(fleet.configs.keptVersions('bus-07'), window, 'no longer reported, v1 goes too');

    // A device that reports a version whose document is gone: the defaults, and why.
    await report(fleet, 'bus-07', config.mqtt.password, 2);
    const c = (await api(fleet, 'GET', '/api/devices/bus-07/config')).body;
    assert.is(c.reportedSettings, null);
    assert.match(c.reportedSettingsNote, `v2's settings are not kept (the fleet keeps the last ${HISTORY_KEEP} versions and the one a device reports)`);
    const fallback = ok(await tabla(['config', 'diff', 'bus-07', '--json'], { fleet }), 'diff, v2 not kept');
    assert.equal(JSON.parse(fallback.stdout).from, null);
  } finally {
    await fleet.stop();
  }
});

test('the history survives a restart of the fleet; a database from before it starts with each current version', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const start = async () => {
    const f = new FleetService({ dataDir, httpPort: 0, mqttPort: 0, log: quiet });
    await f.start();
    return f;
  };
  let fleet: FleetService | null = await startFleet({ dataDir });
  try {
    const config = provision(fleet, 'counter-celeiapark', 'car-park-counter');
    ok(await tabla(['config', 'set', 'counter-celeiapark', 'heartbeatS=15'], { fleet }), 'set v1');
    await report(fleet, 'counter-celeiapark', config.mqtt.password, 1);
    ok(await tabla(['config', 'set', 'counter-celeiapark', 'heartbeatS=20'], { fleet }), 'set v2');
    await fleet.stop();
    fleet = null;

    fleet = await start();
    const c = (await api(fleet, 'GET', '/api/devices/counter-celeiapark/config')).body;
    assert.equal([c.desiredVersion, c.reportedVersion, c.reportedSettings?.heartbeatS], [2, 1, 15], 'v1 is still known after the restart');
    const text = ok(await tabla(['config', 'diff', 'counter-celeiapark'], { fleet }), 'diff after restart').stdout;
    assert.match(text, 'changes from v1 (what the device runs) to v2 (desired):\n  ~ heartbeatS: 15 → 20\n');
    await fleet.stop();
    fleet = null;

    // As a fleet from before the history left its file: no history table, the schema one version older.
    const db = new Database(path.join(dataDir, 'fleet.db'));
    db.exec('DROP TABLE device_config_history');
    db.pragma(`user_version = ${(db.pragma('user_version', { simple: true }) as number) - 1}`);
    db.close();
    fleet = await start();
    assert.equal(fleet.configs.keptVersions('counter-celeiapark'), [2], 'the current desired document is kept from the start');
    assert.match((await api(fleet, 'GET', '/api/devices/counter-celeiapark/config')).body.reportedSettingsNote, /^v1's settings are not kept/);
  } finally {
    await fleet?.stop();
  }
});

test.run();
