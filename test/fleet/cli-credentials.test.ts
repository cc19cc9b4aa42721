/**
 * `tabla credentials rotate <id>`: a new secret written into a fresh agent config; the old secret
 * stops working at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../protocols/index.js';
import { provision, startFleet, tabla, tmpDir } from '../helpers.js';

test('rotate writes a config with the new secret (0600, where -o says); the old secret stops working', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-cli-');
  try {
    const old = provision(fleet, 'bus-101', 'bus');
    const file = path.join(cwd, 'bus-101.agent.json');
    fs.writeFileSync(file, 'the old config\n');
    const refused = await tabla(['credentials', 'rotate', 'bus-101', '-o', file], { fleet, cwd });
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /exists; pass --force/);
    assert.ok(await fleet.registry.verify('bus-101', old.mqtt.password), 'nothing rotated when the file cannot be written');

    const r = await tabla(['credentials', 'rotate', 'bus-101', '-o', file, '--force', '--data-dir-on-device', '/srv/tabla'], { fleet, cwd });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^bus-101: new credentials; the old secret no longer works\nwrote /);
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
    const config = AgentConfig.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    assert.equal([config.deviceId, config.role, config.dataDir], ['bus-101', 'bus', '/srv/tabla']);
    assert.ok(await fleet.registry.verify('bus-101', config.mqtt.password), 'the new secret works');
    assert.not.ok(await fleet.registry.verify('bus-101', old.mqtt.password), 'the old one does not');

    const [json, unknown] = await Promise.all([
      tabla(['credentials', 'rotate', 'bus-101', '--json', '--force'], { fleet, cwd }),
      tabla(['credentials', 'rotate', 'bus-404'], { fleet, cwd }),
    ]);
    assert.is(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout), { id: 'bus-101', file: path.join(cwd, 'bus-101.agent.json'), mqttUrl: fleet.publicMqttUrl });
    assert.is(unknown.code, 1);
    assert.is(unknown.stderr, 'tabla: no device bus-404 (tabla devices lists them)\n');
  } finally {
    await fleet.stop();
  }
});

test.run();
