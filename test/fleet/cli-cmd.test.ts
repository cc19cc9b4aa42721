/**
 * `tabla cmd` as a technician runs it (a child process against a real fleet on loopback, real
 * agents): offline devices said at once, --wait following status changes, the verb check's
 * "did you mean", `cmd status`, and one command to many devices with its summary.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { progressLine, selectTargets } from '../../fleet/cli/commands/cmd-many.js';
import type { FleetService } from '../../fleet/service.js';
import { type CliRun, provision, quiet, startFleet, tabla, waitFor } from '../helpers.js';

function expectExit(r: CliRun, code: number, what: string): void {
  assert.is(r.code, code, `${what}: exit ${r.code}, wanted ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

async function startAgent(fleet: FleetService, id: string): Promise<Agent> {
  const agent = new Agent({ config: provision(fleet, id, 'stop-display'), log: quiet });
  await agent.start();
  await waitFor(`${id} online`, () => fleet.presence.of(id) === 'online' && fleet.registry.get(id)?.birth);
  return agent;
}

test('an offline device is said at once, with when the command expires; --wait says it stays queued', async () => {
  const fleet = await startFleet();
  try {
    fleet.registry.provision({ id: 'bus-7', role: 'bus' }); // never connects
    const [sent, waited] = await Promise.all([
      tabla(['cmd', 'bus-7', 'ping'], { fleet }),
      tabla(['cmd', 'bus-7', 'identify', '--wait', '--timeout', '0.5', '--ttl', '600'], { fleet }),
    ]);
    expectExit(sent, 0, 'cmd to an offline device');
    assert.match(sent.stdout, /bus-7 is offline \(never seen\): ping stays queued until \d\d:\d\d:\d\d \(in 15m\)/);
    expectExit(waited, 1, 'cmd --wait to an offline device');
    assert.match(waited.stdout, /bus-7 is offline \(never seen\): identify stays queued until \d\d:\d\d:\d\d \(in 10m\)/);
    assert.match(waited.stderr, /^tabla: identify on bus-7: still queued after 0.5 s; it stays queued until \d\d:\d\d:\d\d \(in 10m\) \(tabla cmd status [0-9a-f-]{36}\)\n$/);
  } finally {
    await fleet.stop();
  }
});

test('a verb the device lacks is refused with "did you mean", nothing queued; bad args are refused too', async () => {
  const fleet = await startFleet();
  try {
    fleet.registry.provision({ id: 'bus-8', role: 'bus' });
    const [typo, otherRole, badArgs, forced] = await Promise.all([
      tabla(['cmd', 'bus-8', 'gps-stauts'], { fleet }),
      tabla(['cmd', 'bus-8', 'counter-status'], { fleet }),
      tabla(['cmd', 'bus-8', 'set-log-level', '--args', '{"level":"loud"}'], { fleet }),
      tabla(['cmd', 'bus-8', 'gps-reset', '--force'], { fleet }),
    ]);
    expectExit(typo, 1, 'typo');
    assert.match(typo.stderr, /^tabla: bus-8 \(bus\): unknown verb gps-stauts; did you mean gps-status\? \(known: .*apc-reset.*\)/);
    expectExit(otherRole, 1, 'a verb of another role');
    assert.match(otherRole.stderr, 'unknown verb counter-status');
    expectExit(badArgs, 1, 'bad args');
    assert.match(badArgs.stderr, 'set-log-level: args.level');
    expectExit(forced, 0, '--force');
    assert.equal(fleet.commands.ofDevice('bus-8').map((c) => c.verb), ['gps-reset'], 'only the forced one queued');
  } finally {
    await fleet.stop();
  }
});

test('--wait shows each status change; `cmd status` shows a command by its id or the start of it', async () => {
  const fleet = await startFleet();
  let agent: Agent | null = null;
  try {
    agent = await startAgent(fleet, 'stop-1');
    const ping = await tabla(['cmd', 'stop-1', 'ping', '--wait', '--timeout', '10'], { fleet });
    expectExit(ping, 0, 'ping --wait');
    assert.match(ping.stdout, /^[0-9a-f-]{36} {2}ping → stop-1: queued\n/);
    assert.match(ping.stdout, /\n\d\d:\d\d:\d\d {2}succeeded\n/);
    assert.match(ping.stdout, /ping → stop-1: succeeded\nresult: \{"pong"/);
    assert.not.match(ping.stdout, 'is offline');
    const cmdId = /^([0-9a-f-]{36})/.exec(ping.stdout)![1]!;

    const [full, short, none, missing] = await Promise.all([
      tabla(['cmd', 'status', cmdId], { fleet }),
      tabla(['cmd', 'status', cmdId.slice(0, 8), '--json'], { fleet }),
      tabla(['cmd', 'status', '00000000-0000-0000-0000-000000000000'], { fleet }),
      tabla(['cmd', 'status']),
    ]);
    expectExit(full, 0, 'cmd status');
    assert.match(full.stdout, `${cmdId}  ping → stop-1: succeeded\nresult: {"pong"`);
    assert.match(full.stdout, /issued \d\d:\d\d:\d\d, updated \d\d:\d\d:\d\d/);
    expectExit(short, 0, 'cmd status by prefix');
    assert.is((JSON.parse(short.stdout) as { cmdId: string }).cmdId, cmdId);
    expectExit(none, 1, 'cmd status of no command');
    assert.match(none.stderr, 'tabla: no command 00000000');
    expectExit(missing, 2, 'cmd status without an id');
  } finally {
    await agent?.stop();
    await fleet.stop();
  }
});

test('--role, --site, --all: one command to many, with who succeeded, failed or is offline', async () => {
  const fleet = await startFleet();
  const agents: Agent[] = [];
  try {
    agents.push(await startAgent(fleet, 'stop-a'), await startAgent(fleet, 'stop-b'));
    fleet.registry.provision({ id: 'bus-1', role: 'bus', site: 'garage' }); // never connects
    const [byRole, all, json, nowhere, badArgs] = await Promise.all([
      tabla(['cmd', '--role', 'stop-display', 'ping', '--timeout', '10'], { fleet }),
      tabla(['cmd', '--all', 'ping', '--timeout', '10'], { fleet }),
      tabla(['cmd', '--site', 'garage', 'ping', '--json', '--timeout', '1'], { fleet }),
      tabla(['cmd', '--site', 'nowhere', 'ping'], { fleet }),
      tabla(['cmd', '--all', 'set-log-level', '--args', '{"level":"loud"}'], { fleet }),
    ]);
    expectExit(byRole, 0, '--role');
    assert.match(byRole.stdout, /^device +outcome +status +result \/ error\n/);
    assert.match(byRole.stdout, /\nstop-a +succeeded +succeeded +\{"pong"/);
    assert.match(byRole.stdout, /\nping on 2 devices: 2 succeeded\n$/);
    assert.is(byRole.stderr, '', 'no progress bar when stderr is not a terminal');

    expectExit(all, 1, '--all with an offline device');
    assert.match(all.stdout, /\nbus-1 +offline +queued +queued until \d\d:\d\d:\d\d \(in 15m\)/);
    assert.match(all.stdout, /\nping on 3 devices: 2 succeeded, 1 offline\n$/);
    assert.match(all.stderr, 'tabla: ping: 1 of 3 devices did not succeed');

    expectExit(json, 1, '--site --json');
    const out = JSON.parse(json.stdout) as { summary: Record<string, number>; results: { deviceId: string; outcome: string }[] };
    assert.equal(out.results.map((r) => [r.deviceId, r.outcome]), [['bus-1', 'offline']]);
    assert.is(out.summary.offline, 1);

    expectExit(nowhere, 1, 'a site with no devices');
    assert.match(nowhere.stderr, 'tabla: no device has site nowhere');
    expectExit(badArgs, 1, 'refused everywhere');
    assert.match(badArgs.stdout, /\nset-log-level on 3 devices: 3 refused\n$/);
    assert.match(badArgs.stdout, /\nbus-1 +refused +- +bus-1 \(bus\): set-log-level: args.level/);
  } finally {
    for (const a of agents) await a.stop();
    await fleet.stop();
  }
});

test('usage: with --role/--site/--all only the verb; without them an id and a verb', async () => {
  const runs = await Promise.all([tabla(['cmd', '--all']), tabla(['cmd', '--all', 'bus-1', 'ping']), tabla(['cmd', 'bus-1'])]);
  for (const r of runs) expectExit(r, 2, 'usage error');
  assert.match(runs[1]!.stderr, 'tabla: with --role, --site or --all give only the verb');
});

test('progress line and device selection', () => {
  assert.is(progressLine(0, 4, 8), '[········] 0/4 answered');
  assert.is(progressLine(3, 4, 8), '[██████··] 3/4 answered');
  assert.is(progressLine(4, 4, 8), '[████████] 4/4 answered');
  const devices = [
    { id: 'bus-1', role: 'bus', site: 'garage', presence: 'online', lastSeen: null },
    { id: 'bus-2', role: 'bus', site: 'depot', presence: 'offline', lastSeen: null },
    { id: 'stop-1', role: 'stop-display', site: 'garage', presence: 'online', lastSeen: null },
  ];
  assert.equal(selectTargets(devices, { role: 'bus', site: 'garage' }).map((d) => d.id), ['bus-1']);
  assert.equal(selectTargets(devices, { all: true }).length, 3);
  assert.throws(() => selectTargets(devices, { role: 'bus', site: 'nowhere' }), /no device has role bus and site nowhere/);
  assert.throws(() => selectTargets([], { all: true }), /no devices are provisioned/);
});

test.run();
