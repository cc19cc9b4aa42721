import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { CfgDesired, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, fleetClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

test('desired config: applied, reported, kept across restarts; a bad one is rejected with its reason and the old one stays', async () => {
  const fleet = await startFleet();
  let agent: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const config = provision(fleet, 'panel-1', 'parking-panel');
    agent = new Agent({ config, log: quiet });
    const fc = (opened = await fleetClient(fleet));
    await agent.start();
    await waitFor('online', () => fleet.presence.of('panel-1') === 'online');

    const bad = await api(fleet, 'PUT', '/api/devices/panel-1/config', { settings: { heartbeatS: 0 } });
    assert.is(bad.status, 400);
    assert.match(bad.body.error, /heartbeatS/);

    const put = await api(fleet, 'PUT', '/api/devices/panel-1/config', { settings: { heartbeatS: 7, logLevel: 'debug', labels: { street: 'Mariborska' } } });
    assert.equal(put.body, { version: 1 });
    await waitFor('reported v1', () => fleet.configs.get('panel-1').reportedVersion === 1);
    assert.is(agent.settings.heartbeatS, 7);
    assert.is(agent.settingsVersion, 1);

    // A bad desired config that slipped past the API (an older fleet, a hand-made message).
    await fc.publishAsync(topic.cfgDesired('panel-1'), encode(CfgDesired, { v: 1, version: 2, settings: { heartbeatS: 'often' } }), { qos: 1, retain: true });
    await waitFor('rejection reported', () => fleet.configs.get('panel-1').reportedError);
    assert.match(fleet.configs.get('panel-1').reportedError!, /v2: heartbeatS/);
    assert.is(fleet.configs.get('panel-1').reportedVersion, 1, 'the old config stays in force');
    assert.is(agent.settings.heartbeatS, 7);

    await agent.stop();
    await fc.publishAsync(topic.cfgDesired('panel-1'), '', { qos: 1, retain: true }); // clear the bad retained one
    agent = new Agent({ config, log: quiet });
    assert.is(agent.settingsVersion, 1, 'applied settings survive a restart');
    assert.is(agent.settings.labels.street, 'Mariborska');
    await agent.start();
    await waitFor('online again', () => fleet.presence.of('panel-1') === 'online' && fleet.registry.get('panel-1')!.birth?.configVersion === 1);
  } finally {
    await opened?.endAsync();
    await agent?.stop();
    await fleet.stop();
  }
});

test.run();
