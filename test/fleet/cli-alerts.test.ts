/**
 * `tabla alerts` on a real fleet: a device whose connection dies (its last will) is offline past
 * the rule's afterS → the alert is raised, the loopback webhook receives it and `tabla alerts`
 * lists it (device, rule, since, detail); it comes back → cleared, the webhook told, `--all` shows
 * it among the recently cleared, `--json` gives the API's answer, `alerts rules` the rules.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Birth, State, encode, topic } from '../../protocols/index.js';
import { alertsEngine } from '../../fleet/engines/alerts/index.js';
import { alertsText } from '../../fleet/cli/commands/alerts.js';
import { deviceClient, startFleet, tabla, waitFor } from '../helpers.js';

const birth = (epoch: number) => encode(Birth, { v: 1, epoch, ts: Date.now(), role: 'stop-display', versions: { agent: 'test' }, heartbeatS: 60, configVersion: 0 });
const state = (epoch: number, status: 'online' | 'offline') => encode(State, { v: 1, epoch, ts: Date.now(), status });

test('alertsText: open alerts aligned; --all adds the recently cleared', () => {
  const now = Date.parse('2026-11-28T10:00:00Z');
  const style = { colour: false, now, headers: true };
  const a = { id: 1, deviceId: 'stop-velenje-1', rule: 'device-offline' as const, detail: 'offline, last heard 2026-11-28T09:50:00Z', raisedAt: '2026-11-28T09:55:00.000Z', clearedAt: null, clearedDetail: null };
  const b = { ...a, id: 2, deviceId: 'park-3', rule: 'panel-stale' as const, detail: 'panel: parking counts stale', raisedAt: '2026-11-28T08:00:00.000Z', clearedAt: '2026-11-28T09:00:00.000Z' };
  assert.is(
    alertsText({ open: [a], recent: [b] }, false, style),
    'DEVICE          RULE            SINCE   DETAIL\nstop-velenje-1  device-offline  5m ago  offline, last heard 2026-11-28T09:50:00Z',
  );
  assert.match(alertsText({ open: [], recent: [b] }, true, style), /^no open alerts\n\nrecently cleared:\nDEVICE\s+RULE\s+RAISED\s+CLEARED\s+DETAIL\npark-3\s+panel-stale\s+2h ago\s+60m ago\s+panel: parking counts stale$/);
  assert.match(alertsText({ open: [], recent: [] }, true, style), /none cleared recently/);
});

test('a device offline past afterS: raised, sent to the webhook, listed by tabla alerts; back: cleared and sent', async () => {
  const received: { event: string; alert: { deviceId: string; rule: string; clearedAt: string | null } }[] = [];
  const hook = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/tabla`;
  const fleet = await startFleet({ engines: [alertsEngine({ config: { tickS: 0.1, rules: { 'device-offline': { afterS: 1 } }, webhook: { url, backoffMs: 20 } } })] });
  try {
    const { secret } = fleet.registry.provision({ id: 'stop-velenje-1', role: 'stop-display', site: 'velenje' });
    const will = { topic: topic.state('stop-velenje-1'), payload: Buffer.from(state(1, 'offline')), qos: 1 as const, retain: true };
    const first = await deviceClient(fleet, 'stop-velenje-1', secret, { will });
    await first.publishAsync(topic.birth('stop-velenje-1'), birth(1), { qos: 1 });
    await first.publishAsync(topic.state('stop-velenje-1'), state(1, 'online'), { qos: 1, retain: true });
    await waitFor('online', () => fleet.presence.of('stop-velenje-1') === 'online');

    const none = await tabla(['alerts'], { fleet });
    assert.is(none.code, 0, none.stderr);
    assert.is(none.stdout.trim(), 'no open alerts');

    first.stream.destroy(); // the connection dies: the broker publishes the will
    await waitFor('offline', () => fleet.presence.of('stop-velenje-1') === 'offline');
    const goneAt = Date.now();
    await waitFor('the webhook got the alert', () => received.length >= 1, 5000);
    assert.ok(Date.now() - goneAt >= 900, `not before afterS: ${Date.now() - goneAt} ms ${JSON.stringify(received)}`);
    assert.equal([received[0]!.event, received[0]!.alert.deviceId, received[0]!.alert.rule], ['raised', 'stop-velenje-1', 'device-offline']);

    const listed = await tabla(['alerts'], { fleet });
    assert.is(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^DEVICE\s+RULE\s+SINCE\s+DETAIL$/);
    assert.match(lines[1]!, /^stop-velenje-1\s+device-offline\s+\d+s ago\s+offline since \d{4}-\d\d-\d\dT[\d:]+Z, last heard \d{4}-\d\d-\d\dT[\d:]+Z$/);
    assert.is(lines.length, 2);
    assert.is(fleet.metrics.get('tabla_alerts_open', { rule: 'device-offline' }), 0, 'gauges are set at scrape time');
    const metrics = await (await fetch(`${fleet.httpUrl}/metrics`)).text();
    assert.match(metrics, /^tabla_alerts_open\{rule="device-offline"\} 1$/m);
    assert.match(metrics, /^tabla_alerts_raised_total\{rule="device-offline"\} 1$/m);

    // It comes back in a new session.
    const second = await deviceClient(fleet, 'stop-velenje-1', secret, { will: { ...will, payload: Buffer.from(state(2, 'offline')) } });
    await second.publishAsync(topic.birth('stop-velenje-1'), birth(2), { qos: 1 });
    await second.publishAsync(topic.state('stop-velenje-1'), state(2, 'online'), { qos: 1, retain: true });
    await waitFor('the webhook got the clearing', () => received.length >= 2, 5000);
    assert.equal([received[1]!.event, received[1]!.alert.rule], ['cleared', 'device-offline']);
    assert.ok(received[1]!.alert.clearedAt);

    const after = await tabla(['alerts'], { fleet });
    assert.is(after.stdout.trim(), 'no open alerts');
    const all = await tabla(['alerts', '--all'], { fleet });
    assert.is(all.code, 0, all.stderr);
    assert.match(all.stdout, /recently cleared:\nDEVICE\s+RULE\s+RAISED\s+CLEARED\s+DETAIL\nstop-velenje-1\s+device-offline\s+\d+s ago\s+\d+s ago\s+offline since/);
    const json = JSON.parse((await tabla(['alerts', '--all', '--json'], { fleet })).stdout);
    assert.equal(json.open, []);
    assert.equal(json.recent.map((a: { deviceId: string; rule: string; clearedDetail: string }) => [a.deviceId, a.rule, a.clearedDetail]), [['stop-velenje-1', 'device-offline', 'no longer holds']]);
    const other = JSON.parse((await tabla(['alerts', '--all', '--json', '--device', 'nobody'], { fleet })).stdout);
    assert.equal(other.recent, [], '--device filters');

    const rules = await tabla(['alerts', 'rules'], { fleet });
    assert.is(rules.code, 0, rules.stderr);
    assert.match(rules.stdout, /^device-offline\s+yes\s+afterS=1\s+/m);
    assert.match(rules.stdout, /^outbox-backlog\s+yes\s+depth=1000\s+/m);
    assert.match(rules.stdout, new RegExp(`webhook http://127\\.0\\.0\\.1:\\d+: 2 sent, 0 queued, 0 failed, 0 dropped`));
    assert.not.match(rules.stdout, /\/tabla/, 'the hook path is not shown');
    await second.endAsync();
  } finally {
    await fleet.stop();
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
  }
});

test('without a fleet: exit 1 with the reason', async () => {
  const run = await tabla(['alerts']);
  assert.is(run.code, 1);
  assert.match(run.stderr, /tabla: /);
});

test.run();
