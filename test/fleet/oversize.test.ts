/**
 * Commands and settings too big for the wire are refused before they are stored, and rows an older
 * version stored anyway never block what is queued behind them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { CommandBook } from '../../fleet/commands.js';
import { openFleetDatabase } from '../../fleet/db.js';
import { Registry } from '../../fleet/registry.js';
import type { FleetService } from '../../fleet/service.js';
import { MAX_PAYLOAD_BYTES, PayloadTooLarge } from '../../protocols/index.js';
import { api, provision, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

const LIMIT_ERROR = /^(command|desired config) is \d+ bytes encoded; the limit is 262144 \(MAX_PAYLOAD_BYTES\)$/;

const final = (fleet: FleetService, cmdId: string) =>
  waitFor(`command ${cmdId} final`, () => {
    const c = fleet.commands.get(cmdId)!;
    return ['succeeded', 'failed', 'rejected', 'expired'].includes(c.status) ? c : null;
  });

/** About `bytes` of device labels (each value at most 100 characters, as the schema wants). */
function labels(bytes: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i * 110 < bytes; i++) out[`l${i}`] = 'x'.repeat(100);
  return out;
}

test('the command limit is exact: MAX_PAYLOAD_BYTES encoded is accepted, one byte more is refused unstored', async () => {
  const db = openFleetDatabase(tmpDir('tabla-fleet-'));
  try {
    new Registry(db).provision({ id: 'bus-20', role: 'bus' });
    const now = 1_700_000_000_000;
    const book = new CommandBook(db, () => now);
    // Everything but the padding: a cmdId is always a 36-character UUID.
    const wire = { v: 1, cmdId: 'x'.repeat(36), issuedAt: now, expiresAt: now + 60_000, sentAt: now, args: { pad: '' } };
    const pad = MAX_PAYLOAD_BYTES - Buffer.byteLength(JSON.stringify(wire));

    const fits = book.issue('bus-20', 'ping', { pad: 'p'.repeat(pad) }, 60);
    assert.is(Buffer.byteLength(book.payload(fits)), MAX_PAYLOAD_BYTES);
    try {
      book.issue('bus-20', 'ping', { pad: 'p'.repeat(pad + 1) }, 60);
      assert.unreachable('one byte over was stored');
    } catch (err) {
      assert.instance(err, PayloadTooLarge);
      assert.is((err as PayloadTooLarge).bytes, MAX_PAYLOAD_BYTES + 1);
    }
    assert.equal(
      book.ofDevice('bus-20').map((c) => c.cmdId),
      [fits.cmdId],
      'only the one that fits is stored',
    );
  } finally {
    db.close();
  }
});

test('the API answers 413 for a command or a config too big to send, and stores neither; one just under the limit works end to end', async () => {
  const fleet = await startFleet();
  const agent = new Agent({ config: provision(fleet, 'bus-21'), log: quiet });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-21') === 'online');

    const big = await api(fleet, 'POST', '/api/devices/bus-21/commands', { verb: 'ping', args: { blob: 'b'.repeat(300_000) } });
    assert.is(big.status, 413);
    assert.match(big.body.error, LIMIT_ERROR);
    assert.match(big.body.error, /^command is 300\d{3} bytes/);
    assert.equal((await api(fleet, 'GET', '/api/devices/bus-21/commands')).body, [], 'nothing stored');

    const ok = await api(fleet, 'PUT', '/api/devices/bus-21/config', { settings: { heartbeatS: 20 } });
    assert.is(ok.status, 200);
    await waitFor('v1 applied', () => agent.settingsVersion === 1);
    const huge = await api(fleet, 'PUT', '/api/devices/bus-21/config', { settings: { labels: labels(300_000) } });
    assert.is(huge.status, 413);
    assert.match(huge.body.error, LIMIT_ERROR);
    assert.is((await api(fleet, 'GET', '/api/devices/bus-21/config')).body.desiredVersion, 1, 'desired version unchanged');
    assert.is(fleet.configs.get('bus-21').desired!.heartbeatS, 20);

    const under = await api(fleet, 'POST', '/api/devices/bus-21/commands', { verb: 'ping', args: { blob: 'u'.repeat(MAX_PAYLOAD_BYTES - 1000) } });
    assert.is(under.status, 202);
    const done = await final(fleet, under.body.cmdId);
    assert.is(done.status, 'succeeded', done.error);
    assert.is(agent.settingsVersion, 1);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('a poisoned command and config stored by an older version fail on delivery without blocking the ping behind them or later configs', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'bus-22');
  const agent = new Agent({ config, log: quiet });
  try {
    const t = Date.now() - 1000;
    fleet.db
      .prepare(
        'INSERT INTO commands (cmd_id, device_id, verb, args, issued_at, expires_at, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run('poisoned-1', 'bus-22', 'ping', JSON.stringify({ blob: 'z'.repeat(300_000) }), t, t + 3600_000, 'queued', t);
    fleet.db
      .prepare('INSERT INTO device_config (device_id, desired_version, desired, desired_at) VALUES (?, ?, ?, ?)')
      .run('bus-22', 1, JSON.stringify({ labels: labels(300_000) }), t);
    const ping = fleet.issueCommand('bus-22', 'ping'); // offline: queued behind the poisoned one
    assert.is(ping.status, 'queued');

    await agent.start();
    const pinged = await final(fleet, ping.cmdId);
    assert.is(pinged.status, 'succeeded', 'delivered after the poisoned command');
    const poisoned = fleet.commands.get('poisoned-1')!;
    assert.is(poisoned.status, 'failed');
    assert.match(poisoned.error!, /^cannot be sent: command is 300\d{3} bytes encoded; the limit is 262144 \(MAX_PAYLOAD_BYTES\)$/);
    assert.is(fleet.metrics.get('tabla_publish_errors_total', { kind: 'cmd' }), 1);
    await waitFor('poisoned config counted', () => fleet.metrics.get('tabla_publish_errors_total', { kind: 'cfg' }) >= 1);
    assert.match(fleet.metrics.render(), /tabla_publish_errors_total\{kind="cmd"\} 1/);
    assert.is(agent.settingsVersion, 0, 'the poisoned config never reached the device');

    const next = await api(fleet, 'PUT', '/api/devices/bus-22/config', { settings: { heartbeatS: 15 } });
    assert.is(next.status, 200);
    assert.is(next.body.version, 2);
    await waitFor('v2 applied', () => agent.settingsVersion === 2);
    await waitFor('v2 reported', () => fleet.configs.get('bus-22').reportedVersion === 2);

    // A later birth meets the failed command as final: it is not tried (nor counted) again.
    const rebirth = fleet.issueCommand('bus-22', 'rebirth');
    assert.is((await final(fleet, rebirth.cmdId)).status, 'succeeded');
    const again = fleet.issueCommand('bus-22', 'ping');
    assert.is((await final(fleet, again.cmdId)).status, 'succeeded');
    assert.is(fleet.metrics.get('tabla_publish_errors_total', { kind: 'cmd' }), 1);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
