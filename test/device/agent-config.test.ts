import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadAgentConfig } from '../../device/config.js';
import { tmpDir } from '../helpers.js';

const good = { deviceId: 'stop-1', role: 'stop-display', dataDir: 'state', mqtt: { url: 'mqtt://127.0.0.1:1883', password: 's3cret' } };

function write(content: string) {
  const file = path.join(tmpDir(), 'agent.json');
  fs.writeFileSync(file, content);
  return file;
}

function errorOf(file: string): string {
  try {
    loadAgentConfig(file);
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('a valid config gets its defaults and paths relative to the file', () => {
  const file = write(JSON.stringify(good));
  const c = loadAgentConfig(file);
  assert.is(c.dataDir, path.join(path.dirname(file), 'state'));
  assert.is(c.settings.heartbeatS, 30);
  assert.is(c.outbox.drain.batchSize, 500);
  assert.is(c.mqtt.keepaliveS, 30);
});

test('errors name the file and the field', () => {
  let file = write(JSON.stringify({ ...good, role: 'tram' }));
  let msg = errorOf(file);
  assert.ok(msg.startsWith(file), msg);
  assert.match(msg, /role: Invalid option/);
  file = write(JSON.stringify({ ...good, mqtt: { url: 'http://x', password: '' } }));
  msg = errorOf(file);
  assert.match(msg, /mqtt\.url: must be an mqtt:\/\//);
  assert.match(msg, /mqtt\.password/);
  file = write(JSON.stringify({ ...good, outbox: { streams: { gps: { whenFull: 'panic' } } } }));
  assert.match(errorOf(file), /outbox\.streams\.gps\.whenFull/);
  file = write(JSON.stringify({ ...good, colour: 'red' }));
  assert.match(errorOf(file), /Unrecognized key: "colour"/);
  assert.match(errorOf(write('{ "deviceId": ')), /not valid JSON/);
  assert.match(errorOf(path.join(tmpDir(), 'missing.json')), /cannot read/);
});

test.run();
