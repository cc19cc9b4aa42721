/**
 * Module settings inside cfg/desired: the fleet and the device validate each module's section with
 * the same schema; a bad section rejects the whole version with the field named and the old one
 * stays; a good one reaches the module (board-watch, on a board whose readings the test sets).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { boardWatch } from '../../device/modules/board-watch/index.js';
import { createBoard } from '../../hardware/board/board.js';
import { CfgDesired, DeviceSettings, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, fleetClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

const GiB = 1024 ** 3;

/** The simulated board (hardware/board/): readings the test sets. */
function simBoard(temperatureC: number) {
  return createBoard({ kind: 'simulated', initial: { serial: 'sim-panel-s1', diskFreeBytes: 10 * GiB, temperatureC } });
}

test("DeviceSettings validates each known module's section, naming the field; defaults fill a section in", () => {
  const ok = DeviceSettings.parse({ modules: { 'board-watch': { maxTemperatureC: 65 } } });
  assert.equal(ok.modules['board-watch'], { intervalS: 60, maxTemperatureC: 65, minFreeBytes: 64 * 1024 * 1024 });
  assert.equal(DeviceSettings.parse({}).modules, {});
  const bad = DeviceSettings.safeParse({ modules: { 'board-watch': { maxTemperatureC: 'hot' } } });
  assert.is(bad.success, false);
  assert.equal(bad.error!.issues[0]!.path, ['modules', 'board-watch', 'maxTemperatureC']);
  assert.is(DeviceSettings.safeParse({ modules: { 'board-wach': {} } }).success, false, 'a misspelt module is refused');
  assert.is(DeviceSettings.safeParse({ modules: { departures: { timeZone: 'Mars/Olympus' } } }).success, false);
});

test('a module section: a good one applied (onSettings), a bad one rejected naming the field with the old kept, across restarts', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const config = provision(fleet, 'panel-s1', 'parking-panel');
    const board = simBoard(70);
    let watch = boardWatch();
    let agent = (started = new Agent({ config, log: quiet, modules: [watch], drivers: { board } }));
    const fc = (opened = await fleetClient(fleet));
    const status = () => agent.state().modules!['board-watch'];
    await agent.start();
    assert.equal(status(), { status: 'ok' }, '70 °C is below the default 75 °C');
    await waitFor('online', () => fleet.presence.of('panel-s1') === 'online');

    const refused = await api(fleet, 'PUT', '/api/devices/panel-s1/config', { settings: { modules: { 'board-watch': { maxTemperatureC: 'hot' } } } });
    assert.is(refused.status, 400, 'the fleet checks the section with the same schema');
    assert.match(refused.body.error, /modules\.board-watch\.maxTemperatureC/);

    const put = await api(fleet, 'PUT', '/api/devices/panel-s1/config', { settings: { modules: { 'board-watch': { maxTemperatureC: 65, intervalS: 5 } } } });
    assert.equal(put.body, { version: 1 });
    await waitFor('reported v1', () => fleet.configs.get('panel-s1').reportedVersion === 1);
    await waitFor('judged by the new threshold at once', () => status()!.status === 'degraded');
    assert.equal(status(), { status: 'degraded', error: 'temperature 70 °C above 65 °C' });

    // A bad section that slipped past the API (an older fleet, a hand-made message): the whole version is refused.
    await fc.publishAsync(
      topic.cfgDesired('panel-s1'),
      encode(CfgDesired, { v: 1, version: 2, settings: { heartbeatS: 5, modules: { 'board-watch': { maxTemperatureC: 500 } } } }),
      { qos: 1, retain: true },
    );
    await waitFor('rejection reported', () => fleet.configs.get('panel-s1').reportedError);
    assert.match(fleet.configs.get('panel-s1').reportedError!, /^v2: modules\.board-watch\.maxTemperatureC: /);
    assert.is(fleet.configs.get('panel-s1').reportedVersion, 1, 'the old version stays in force');
    assert.is(agent.settings.heartbeatS, 30, 'none of v2 applied');
    assert.is(agent.settings.modules['board-watch']!.maxTemperatureC, 65);

    // The module's verb answers with its last reading.
    const cmd = await api(fleet, 'POST', '/api/devices/panel-s1/commands', { verb: 'board-status' });
    const done = await waitFor('board-status', async () => {
      const c = (await api(fleet, 'GET', `/api/devices/panel-s1/commands/${cmd.body.cmdId}`)).body;
      return c.status === 'succeeded' ? c : null;
    });
    assert.equal(done.result.problems, ['temperature 70 °C above 65 °C']);
    assert.is(done.result.health.temperatureC, 70);

    // Readings follow the board, every intervalS; the disk threshold too.
    board.set({ temperatureC: 60, diskFreeBytes: 10 * 1024 * 1024 });
    await waitFor('next reading', () => status()!.error === 'free disk 10.0 MiB below 64.0 MiB', 8000);

    await agent.stop();
    await fc.publishAsync(topic.cfgDesired('panel-s1'), '', { qos: 1, retain: true }); // clear the bad retained one
    board.set({ temperatureC: 70, diskFreeBytes: 10 * GiB });
    watch = boardWatch();
    agent = started = new Agent({ config, log: quiet, modules: [watch], drivers: { board } });
    assert.is(agent.settingsVersion, 1);
    await agent.start();
    assert.equal(status(), { status: 'degraded', error: 'temperature 70 °C above 65 °C' }, 'the applied section survived the restart');
  } finally {
    await opened?.endAsync();
    await started?.stop();
    await fleet.stop();
  }
});

test.run();
