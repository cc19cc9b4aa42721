/**
 * The display-fallback rule end to end: a real stop-display agent (departures module, the
 * simulated e-paper panel) with no arrival board shows its timetable fallback and says so in its
 * heartbeat (`display.live: false`); the fleet raises the alert and counts it in
 * `tabla_displays_fallback`. A board arrives: the display is live, the alert clears.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { departures } from '../../device/modules/departures/index.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import { Content, encode, topic } from '../../protocols/index.js';
import { alertsEngine } from '../../fleet/engines/alerts/index.js';
import type { MqttClient } from 'mqtt';
import { fleetClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

test('a stop display on its timetable raises display-fallback; a live board clears it', async () => {
  const alerts = alertsEngine({ config: { tickS: 0.1 } });
  const fleet = await startFleet({ engines: [alerts] });
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const config = provision(fleet, 'stop-fb1', 'stop-display', { settings: { heartbeatS: 1 } });
    const agent = (started = new Agent({ config, log: quiet, modules: [departures()], drivers: { epaper: new SimulatedEpaper({ speed: 400, temperatureC: 21 }) } }));
    const fc = (opened = await fleetClient(fleet));
    await agent.start();
    await waitFor('the display reports its fallback', () => agent.state().modules?.departures?.display?.live === false, 15_000);
    const raised = await waitFor('display-fallback raised', () => alerts.open().find((a) => a.rule === 'display-fallback'), 15_000);
    assert.is(raised.deviceId, 'stop-fb1');
    assert.match(await (await fetch(`${fleet.httpUrl}/metrics`)).text(), /^tabla_displays_fallback 1$/m);

    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    const board = { stop: 'Avtobusno postajališče Velenje', generatedAt: new Date().toISOString(), departures: [{ line: 'rumena', destination: 'Center', departsAt: soon, realtime: true }] };
    await fc.publishAsync(topic.content('stop-fb1'), encode(Content, { v: 1, ts: Date.now(), kind: 'arrival-board', body: board }), { qos: 1 });
    await waitFor('the display reports live', () => agent.state().modules?.departures?.display?.live === true, 15_000);
    await waitFor('display-fallback cleared', () => !alerts.open().some((a) => a.rule === 'display-fallback'), 15_000);
    assert.match(await (await fetch(`${fleet.httpUrl}/metrics`)).text(), /^tabla_displays_fallback 0$/m);
  } finally {
    await started?.stop();
    await opened?.endAsync();
    await fleet.stop();
  }
});

test.run();
