import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, tmpDir, waitFor } from '../helpers.js';

test('npm start: the fleet and a town of eight agents come up, show online, and stop cleanly on Ctrl-C', async () => {
  const dataDir = tmpDir('tabla-demo-');
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const demo = spawn(process.execPath, ['scripts/demo.mjs'], {
    env: { ...process.env, TABLA_DATA_DIR: dataDir, TABLA_HTTP_PORT: String(httpPort), TABLA_MQTT_PORT: String(mqttPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stdout!.on('data', (d) => (out += d));
  demo.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
  try {
    await waitFor('the demo prints its URLs', () => out.includes('Ctrl-C stops everything'), 60_000, 100);
    assert.match(out, `http://127.0.0.1:${httpPort}/api/devices`);
    assert.match(out, `mqtt://127.0.0.1:${mqttPort}`);
    const { adminToken } = JSON.parse(fs.readFileSync(path.join(dataDir, 'fleet.json'), 'utf8'));
    const devices = await waitFor(
      'eight agents online',
      async () => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/api/devices`, { headers: { authorization: `Bearer ${adminToken}` } });
        const list = (await res.json()) as { id: string; role: string; presence: string }[];
        return list.length === 8 && list.every((d) => d.presence === 'online') ? list : null;
      },
      30_000,
      200,
    );
    assert.equal(new Set(devices.map((d) => d.role)), new Set(['bus', 'stop-display', 'parking-panel', 'car-park-counter']));
    for (const d of devices) assert.ok(fs.existsSync(path.join(dataDir, 'agents', d.id, 'state', 'agent.db')), `${d.id} has its own outbox`);
    demo.kill('SIGINT');
    assert.is(await exited, 0, 'clean exit');
    assert.match(out, /stopped\./);
    // The agents said goodbye before the fleet went: every device's last word is `offline`.
    assert.is((out.match(/device offline/g) ?? []).length, 8);
  } finally {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    await exited;
  }
});

test.run();
