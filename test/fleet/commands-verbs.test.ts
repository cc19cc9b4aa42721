/**
 * The fleet's verb check: the static table in protocols/verbs.ts equals what a real agent of each
 * role registers (and says in its birth); a verb or arguments the agent would reject are refused
 * by the API with the nearest verb, before anything is queued.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { modulesFor } from '../../device/roles.js';
import { type AgentConfigInput, ROLES, type Role } from '../../protocols/index.js';
import { checkVerb, closest, editDistance, verbsForRole } from '../../protocols/verbs.js';
import { api, provision, quiet, startFleet, waitFor } from '../helpers.js';

/** Simulated hardware for each role, so that every module of it runs (one without its hardware registers no verbs). */
const HARDWARE: Partial<Record<Role, AgentConfigInput['hardware']>> = {
  bus: {
    gnss: { kind: 'simulated', route: [[46.36, 15.11], [46.37, 15.11]], speedMps: 10 },
    doors: { kind: 'simulated' },
  },
  'car-park-counter': { loops: { kind: 'simulated', lanes: [{ lane: 'entry-1', kind: 'entry' }] } },
};

test('the static table of each role equals the verbs its real agent registers and sends in its birth', async () => {
  const fleet = await startFleet();
  const agents: Agent[] = [];
  try {
    for (const role of ROLES) {
      const id = `verbs-${role}`;
      const agent = new Agent({ config: provision(fleet, id, role, { hardware: HARDWARE[role] ?? {} }), log: quiet, modules: modulesFor(role) });
      agents.push(agent);
      await agent.start();
      assert.equal([...agent.commands.verbs()].sort(), verbsForRole(role).sort(), `${role}: registered verbs`);
      const birth = await waitFor(`${role} birth`, () => fleet.registry.get(id)?.birth);
      assert.equal([...(birth.verbs ?? [])].sort(), verbsForRole(role).sort(), `${role}: verbs in the birth`);
    }
  } finally {
    for (const a of agents) await a.stop();
    await fleet.stop();
  }
});

test('checkVerb: unknown verbs get the nearest known one; bad arguments say which', () => {
  const bus = verbsForRole('bus');
  assert.equal(checkVerb('ping', {}, bus), { ok: true });
  const typo = checkVerb('pign', {}, bus);
  assert.ok(!typo.ok && typo.reason.startsWith('unknown verb pign; did you mean ping?'), JSON.stringify(typo));
  const far = checkVerb('reboot-everything', {}, bus);
  assert.ok(!far.ok && !far.reason.includes('did you mean'), JSON.stringify(far));
  const counterOnly = checkVerb('adjust', {}, bus);
  assert.ok(!counterOnly.ok && counterOnly.reason.startsWith('unknown verb adjust'), 'a counter verb on a bus');
  const level = checkVerb('set-log-level', { level: 'loud' }, bus);
  assert.ok(!level.ok && level.reason.startsWith('set-log-level: args.level'), JSON.stringify(level));
  assert.equal(checkVerb('set-log-level', { level: 'debug' }, bus), { ok: true });
  assert.is(closest('gps-stat', bus), 'gps-status');
  assert.is(editDistance('apc-rest', 'apc-reset'), 1);
  assert.is(editDistance('pnig', 'ping'), 1, 'a swap of neighbours is one edit');
});

test('the API refuses a verb the device lacks (by its birth, else its role) and queues nothing; --force queues it', async () => {
  const fleet = await startFleet();
  let agent: Agent | null = null;
  try {
    fleet.registry.provision({ id: 'count-1', role: 'car-park-counter' }); // never seen: the static table
    const never = await api(fleet, 'POST', '/api/devices/count-1/commands', { verb: 'apc-reset' });
    assert.is(never.status, 400);
    assert.match(JSON.stringify(never.body), 'count-1 (car-park-counter): unknown verb apc-reset');
    const ok = await api(fleet, 'POST', '/api/devices/count-1/commands', { verb: 'counter-status' });
    assert.is(ok.status, 202);

    // A stop display whose birth says it has only the core verbs (its board-watch is gone).
    agent = new Agent({ config: provision(fleet, 'stop-1', 'stop-display'), log: quiet, modules: [] });
    await agent.start();
    await waitFor('birth', () => fleet.registry.get('stop-1')?.birth);
    const byBirth = await api(fleet, 'POST', '/api/devices/stop-1/commands', { verb: 'board-status' });
    assert.is(byBirth.status, 400, 'the birth, not the table, decides');
    const badArgs = await api(fleet, 'POST', '/api/devices/stop-1/commands', { verb: 'set-log-level', args: { level: 'loud' } });
    assert.is(badArgs.status, 400);
    assert.is(fleet.commands.ofDevice('stop-1').length, 0, 'nothing queued');
    const forced = await api(fleet, 'POST', '/api/devices/stop-1/commands', { verb: 'board-status', force: true });
    assert.is(forced.status, 202);
    const answered = await waitFor('rejected by the agent', () => {
      const c = fleet.commands.get((forced.body as { cmdId: string }).cmdId)!;
      return c.status === 'rejected' ? c : null;
    });
    assert.match(answered.error ?? '', 'unknown verb board-status');
  } finally {
    await agent?.stop();
    await fleet.stop();
  }
});

test.run();
