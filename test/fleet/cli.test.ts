/**
 * The technicians' CLI as a technician runs it: a child process against a real fleet on loopback,
 * with a real agent started from the config file the CLI wrote.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { loadAgentConfig } from '../../device/config.js';
import type { FleetService } from '../../fleet/service.js';
import { AgentConfig } from '../../protocols/index.js';
import { type CliRun, quiet, startFleet, tabla, tmpDir, waitFor } from '../helpers.js';

type Run = CliRun;

function expectExit(r: Run, code: number, what: string): void {
  assert.is(r.code, code, `${what}: exit ${r.code}, wanted ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** Provisions through the CLI and starts a real agent from the file it wrote. */
async function provisionAndStart(fleet: FleetService, id: string, cwd: string): Promise<Agent> {
  const r = await tabla(['provision', id, '--role', 'stop-display', '--data-dir-on-device', tmpDir(`tabla-${id}-`)], { fleet, cwd });
  expectExit(r, 0, 'provision');
  const config = loadAgentConfig(path.join(cwd, `${id}.agent.json`));
  config.mqtt.reconnectMinMs = 100;
  const agent = new Agent({ config, log: quiet });
  await agent.start();
  return agent;
}

test('provision writes a 0600 agent config that loads and holds the secret; it never overwrites', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-cli-');
  try {
    const r = await tabla(['provision', 'stop-velenje-1', '--role', 'stop-display', '--site', 'Velenje AP'], { fleet, cwd });
    expectExit(r, 0, 'provision');
    const file = path.join(cwd, 'stop-velenje-1.agent.json');
    assert.match(r.stdout, file);
    assert.match(r.stdout, 'tabla-agent --config /etc/tabla/agent.json');
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
    const config = AgentConfig.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    assert.is(config.deviceId, 'stop-velenje-1');
    assert.is(config.site, 'Velenje AP');
    assert.is(config.mqtt.url, fleet.publicMqttUrl);
    assert.ok(await fleet.registry.verify('stop-velenje-1', config.mqtt.password), 'the written password is the device secret');
    assert.not.ok(await fleet.registry.verify('stop-velenje-1', 'not-the-secret'));

    const before = fs.readFileSync(file, 'utf8');
    const again = await tabla(['provision', 'stop-velenje-2', '--role', 'stop-display', '--out', file], { fleet, cwd });
    expectExit(again, 1, 'provision over an existing file');
    assert.match(again.stderr, /^tabla: .*exists.*--force/);
    assert.is(fs.readFileSync(file, 'utf8'), before);
    assert.not.ok(fleet.registry.exists('stop-velenje-2'), 'nothing provisioned when the file cannot be written');
  } finally {
    await fleet.stop();
  }
});

test('an agent started from the written config is online in `tabla devices`; `cmd ping --wait` succeeds', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-cli-');
  let agent: Agent | null = null;
  try {
    agent = await provisionAndStart(fleet, 'stop-celje-1', cwd);
    await waitFor('agent online', () => fleet.presence.of('stop-celje-1') === 'online');
    const [json, table, ping] = await Promise.all([
      tabla(['devices', '--json'], { fleet }),
      // FORCE_COLOR asks colour libraries to colour into a pipe: the CLI itself must choose not to.
      tabla(['devices'], { fleet, env: { FORCE_COLOR: '1' } }),
      tabla(['cmd', 'stop-celje-1', 'ping', '--wait', '--timeout', '10'], { fleet }),
    ]);
    expectExit(json, 0, 'devices --json');
    const devices = JSON.parse(json.stdout) as { id: string; presence: string; versions: Record<string, string> }[];
    assert.is(devices.length, 1);
    assert.is(devices[0]!.id, 'stop-celje-1');
    assert.is(devices[0]!.presence, 'online');
    assert.is(devices[0]!.versions.agent, '0.1.0');

    expectExit(table, 0, 'devices');
    assert.match(table.stdout, /^id +role +site +presence +last seen +outbox +agent +config +faults\n/);
    assert.match(table.stdout, /\nstop-celje-1  stop-display  -     online    \d+s ago/);
    assert.not.match(table.stdout, /[│┌─]/, 'plain columns, no borders');
    assert.not.match(table.stdout, '\x1b[', 'no colours when stdout is not a terminal');

    expectExit(ping, 0, 'cmd ping --wait');
    assert.match(ping.stdout, /ping → stop-celje-1: succeeded/);

    const view = await tabla(['device', 'stop-celje-1'], { fleet });
    expectExit(view, 0, 'device');
    for (const heading of ['Identity', 'Presence', 'Health', 'Outbox', 'Streams', 'Recent commands', 'Config']) assert.match(view.stdout, `${heading}\n`);
    assert.match(view.stdout, /\n[0-9a-f]{8}  ping  succeeded  /);
  } finally {
    await agent?.stop();
    await fleet.stop();
  }
});

test('a command that does not succeed, or to an unknown device, exits 1', async () => {
  const fleet = await startFleet();
  try {
    fleet.registry.provision({ id: 'bus-3', role: 'bus' }); // never connects
    const [unknown, silent] = await Promise.all([
      tabla(['cmd', 'bus-404', 'ping'], { fleet }),
      tabla(['cmd', 'bus-3', 'ping', '--wait', '--timeout', '0.5'], { fleet }),
    ]);
    expectExit(unknown, 1, 'cmd to an unknown device');
    assert.is(unknown.stderr, 'tabla: no device bus-404 (tabla devices lists them)\n');
    expectExit(silent, 1, 'cmd --wait to a device that never answers');
    assert.match(silent.stdout, 'bus-3: queued');
    assert.match(silent.stderr, /^tabla: ping on bus-3: still queued after 0.5 s/);
  } finally {
    await fleet.stop();
  }
});

test('usage errors exit 2: unknown subcommand, bad --args JSON, missing argument, bad role', async () => {
  // No fleet: a command that got past its usage check would exit 1 ("no fleet found") instead.
  const [unknown, badArgs, notObject, goodArgs, missing, badRole] = await Promise.all([
    tabla(['reboot-everything']),
    tabla(['cmd', 'bus-1', 'ping', '--args', '{level: debug}']),
    tabla(['cmd', 'bus-1', 'ping', '--args', '[1]']),
    tabla(['cmd', 'bus-1', 'ping', '--args', '{"level":"debug"}']),
    tabla(['cmd', 'bus-1']),
    tabla(['provision', 'bus-1', '--role', 'tram']),
  ]);
  expectExit(unknown, 2, 'unknown subcommand');
  assert.match(unknown.stderr, "tabla: unknown command 'reboot-everything'");
  expectExit(badArgs, 2, 'bad --args JSON');
  assert.match(badArgs.stderr, /--args.*not JSON/);
  expectExit(notObject, 2, '--args not an object');
  expectExit(missing, 2, 'missing verb');
  expectExit(badRole, 2, 'unknown role');
  expectExit(goodArgs, 1, 'valid --args but no fleet');
});

test('no fleet found: says what to set and exits 1', async () => {
  const r = await tabla(['devices']);
  expectExit(r, 1, 'devices without a fleet');
  for (const name of ['TABLA_URL', 'TABLA_TOKEN', 'TABLA_DATA_DIR']) assert.match(r.stderr, name);
});

test('TABLA_URL and TABLA_TOKEN win over fleet.json: a wrong token exits 1 with the reason', async () => {
  const fleet = await startFleet();
  try {
    // fleet.json in the data dir holds the right token; the env must be what is used.
    const wrong = await tabla(['devices'], { fleet, env: { TABLA_URL: fleet.httpUrl, TABLA_TOKEN: 'not-the-admin-token' } });
    expectExit(wrong, 1, 'wrong token');
    assert.is(wrong.stderr, `tabla: the fleet at ${fleet.httpUrl} rejected the token (401) from TABLA_TOKEN: the right one is adminToken in the fleet's fleet.json (its TABLA_DATA_DIR)\n`);
    const right = await tabla(['devices', '--json'], { fleet, env: { TABLA_URL: fleet.httpUrl, TABLA_TOKEN: fleet.local.adminToken } });
    expectExit(right, 0, 'right token');
    assert.equal(JSON.parse(right.stdout), []);
  } finally {
    await fleet.stop();
  }
});

test('--url and --token win over the environment, before or after the command', async () => {
  const fleet = await startFleet();
  try {
    const env = { TABLA_URL: 'http://127.0.0.1:9', TABLA_TOKEN: 'not-the-admin-token' };
    const flags = ['--url', fleet.httpUrl, '--token', fleet.local.adminToken];
    const [before, after, noToken] = await Promise.all([
      tabla([...flags, 'devices', '--json'], { fleet, env }),
      tabla(['devices', '--json', ...flags], { fleet, env }),
      tabla(['devices', '--url', fleet.httpUrl]),
    ]);
    expectExit(before, 0, 'flags before the command');
    assert.equal(JSON.parse(before.stdout), []);
    expectExit(after, 0, 'flags after the command');
    assert.equal(JSON.parse(after.stdout), []);
    expectExit(noToken, 1, '--url without a token');
    assert.is(noToken.stderr, `tabla: no token for ${fleet.httpUrl}: set TABLA_TOKEN (or pass --token)\n`);
  } finally {
    await fleet.stop();
  }
});

test('--help lists every command group', async () => {
  const r = await tabla(['--help']);
  expectExit(r, 0, '--help');
  for (const name of ['provision', 'devices', 'device', 'cmd', 'config', 'broker']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
});

test('config set (literal and @file) then get: versions, and the agent reports it applied', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-cli-');
  let agent: Agent | null = null;
  try {
    agent = await provisionAndStart(fleet, 'panel-glazija', cwd);
    await waitFor('agent online', () => fleet.presence.of('panel-glazija') === 'online');
    const set1 = await tabla(['config', 'set', 'panel-glazija', '{"heartbeatS":7}'], { fleet });
    expectExit(set1, 0, 'config set literal');
    assert.match(set1.stdout, 'config v1 set');
    fs.writeFileSync(path.join(cwd, 'settings.json'), JSON.stringify({ heartbeatS: 9, logLevel: 'debug' }));
    const set2 = await tabla(['config', 'set', 'panel-glazija', '@settings.json', '--json'], { fleet, cwd });
    expectExit(set2, 0, 'config set @file');
    assert.equal(JSON.parse(set2.stdout), { version: 2, changes: ['~ logLevel: "info" → "debug"', '~ heartbeatS: 7 → 9'] }, 'merged into v1, with what changed');
    await waitFor('agent applied v2', () => agent!.settingsVersion === 2 && fleet.configs.get('panel-glazija').reportedVersion === 2);
    assert.is(agent.settings.heartbeatS, 9);

    const [json, text, bad] = await Promise.all([
      tabla(['config', 'get', 'panel-glazija', '--json'], { fleet }),
      tabla(['config', 'get', 'panel-glazija'], { fleet }),
      tabla(['config', 'set', 'panel-glazija', '{"heartbeatS":0}'], { fleet }),
    ]);
    expectExit(json, 0, 'config get --json');
    const c = JSON.parse(json.stdout);
    assert.is(c.desiredVersion, 2);
    assert.is(c.reportedVersion, 2);
    assert.is(c.desired.heartbeatS, 9);
    expectExit(text, 0, 'config get');
    assert.match(text.stdout, 'v2 applied');
    expectExit(bad, 1, 'settings the fleet refuses');
    assert.match(bad.stderr, /^tabla: invalid settings: .*heartbeatS/);
  } finally {
    await agent?.stop();
    await fleet.stop();
  }
});

test('broker export-mosquitto writes passwd, acl and tabla.conf', async () => {
  const fleet = await startFleet();
  const cwd = tmpDir('tabla-cli-');
  try {
    fleet.registry.provision({ id: 'counter-celeiapark', role: 'car-park-counter' });
    const r = await tabla(['broker', 'export-mosquitto', 'mosquitto', '--listener', '0.0.0.0:1883'], { fleet, cwd });
    expectExit(r, 0, 'export-mosquitto');
    const dir = path.join(cwd, 'mosquitto');
    assert.match(r.stdout, `mosquitto -c ${path.join(dir, 'tabla.conf')}`);
    const passwd = fs.readFileSync(path.join(dir, 'passwd'), 'utf8');
    assert.match(passwd, /^_fleet:\$7\$/m);
    assert.match(passwd, /^counter-celeiapark:\$7\$/m);
    assert.is(fs.statSync(path.join(dir, 'passwd')).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(dir, 'acl'), 'utf8'), 'tabla/v1/');
    const conf = fs.readFileSync(path.join(dir, 'tabla.conf'), 'utf8');
    assert.match(conf, 'listener 1883 0.0.0.0');
    assert.match(conf, `password_file ${path.join(dir, 'passwd')}`);

    const bad = await tabla(['broker', 'export-mosquitto', 'x', '--listener', '1883'], { fleet, cwd });
    expectExit(bad, 2, 'bad --listener');
  } finally {
    await fleet.stop();
  }
});

test.run();
