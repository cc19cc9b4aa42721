/**
 * `tabla provision`: a batch from CSV, the config written where asked (-o), --json, a warning for a
 * loopback broker URL, a "exists already" error that names `tabla credentials rotate`, and the
 * written files git-ignored.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loopbackWarning, parseBatch } from '../../fleet/cli/commands/provision.js';
import { AgentConfig } from '../../protocols/index.js';
import { startFleet, tabla, tmpDir } from '../helpers.js';

const CSV = 'id,role,site,stop\nstop-tomsiceva,stop-display,velenje,LV12\nbus-101,bus,velenje,\n';

test('a batch CSV: id and role, an optional site, any other column a label (an empty cell: none)', () => {
  assert.equal(parseBatch(CSV), [
    { id: 'stop-tomsiceva', role: 'stop-display', site: 'velenje', labels: { stop: 'LV12' } },
    { id: 'bus-101', role: 'bus', site: 'velenje', labels: {} },
  ]);
  assert.throws(() => parseBatch('id,role\nbus-1,tram\n'), /line 2: role "tram" must be one of/);
  assert.throws(() => parseBatch('id,role\nBus 1,bus\n'), /line 2: id "Bus 1"/);
  assert.throws(() => parseBatch('id,role,Stop Id\nbus-1,bus,x\n'), /column "Stop Id"/);
});

test('a loopback broker URL is warned about; a reachable one is not', () => {
  assert.match(loopbackWarning('mqtt://127.0.0.1:1883', 'x.agent.json') ?? '', /loopback.*--public-mqtt-url/);
  assert.match(loopbackWarning('mqtt://localhost:1883', 'x.agent.json') ?? '', 'loopback');
  assert.match(loopbackWarning('mqtt://[::1]:1883', 'x.agent.json') ?? '', 'loopback');
  assert.is(loopbackWarning('mqtts://fleet.lokalc.si:8883', 'x.agent.json'), null);
});

test('provision --from <csv> -o <dir> --json writes one 0600 config per row; a second run names credentials rotate', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-cli-');
  try {
    fs.writeFileSync(path.join(cwd, 'devices.csv'), CSV);
    fs.mkdirSync(path.join(cwd, 'configs'));
    const r = await tabla(['provision', '--from', 'devices.csv', '-o', 'configs', '--json'], { fleet, cwd });
    assert.is(r.code, 0, r.stderr);
    const done = JSON.parse(r.stdout) as { id: string; file: string }[];
    assert.equal(done.map((d) => d.id), ['stop-tomsiceva', 'bus-101']);
    assert.not.match(r.stdout, /password|secret/, 'the secret is only in the file');
    for (const d of done) {
      assert.is(d.file, path.join(cwd, 'configs', `${d.id}.agent.json`));
      assert.is(fs.statSync(d.file).mode & 0o777, 0o600);
      const config = AgentConfig.parse(JSON.parse(fs.readFileSync(d.file, 'utf8')));
      assert.ok(await fleet.registry.verify(d.id, config.mqtt.password));
    }
    assert.equal(fleet.registry.get('stop-tomsiceva')?.labels, { stop: 'LV12' });
    assert.match(r.stderr, /^tabla: warning: mqtt\.url in .*stop-tomsiceva\.agent\.json is mqtt:\/\/127\.0\.0\.1:\d+, a loopback address/);

    const again = await tabla(['provision', 'bus-101', '--role', 'bus', '-o', 'again.agent.json'], { fleet, cwd });
    assert.is(again.code, 1);
    assert.is(again.stderr, 'tabla: device bus-101 exists already: to give it new credentials (a new SD card, a lost config), run tabla credentials rotate bus-101\n');

    const [both, neither, noRole] = await Promise.all([
      tabla(['provision', 'bus-9', '--from', 'devices.csv'], { fleet, cwd }),
      tabla(['provision'], { fleet, cwd }),
      tabla(['provision', 'bus-9'], { fleet, cwd }),
    ]);
    for (const [run, what] of [[both, 'deviceId and --from'], [neither, 'no deviceId'], [noRole, 'no --role']] as const) assert.is(run.code, 2, `${what}: ${run.stderr}`);
    assert.match(noRole.stderr, '--role');
    assert.not.ok(fleet.registry.exists('bus-9'));
  } finally {
    await fleet.stop();
  }
});

test('*.agent.json is git-ignored', () => {
  const r = spawnSync('git', ['check-ignore', '-q', 'configs/stop-1.agent.json'], { cwd: path.resolve(import.meta.dirname, '../..') });
  assert.is(r.status, 0, 'git check-ignore says it is ignored');
});

test.run();
