import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MAX_PAYLOAD_BYTES,
  TelemetryBatch,
  State,
  decode,
  encode,
  encodeTelemetryBatch,
  mayPublish,
  maySubscribe,
  mosquittoAcl,
  parseTopic,
  topic,
} from '../protocols/index.js';

test('topics: built and parsed under tabla/v1/{deviceId}/…', () => {
  assert.is(topic.telemetry('bus-1', 'gps'), 'tabla/v1/bus-1/t/gps');
  assert.equal(parseTopic('tabla/v1/bus-1/t/gps'), { kind: 'telemetry', deviceId: 'bus-1', stream: 'gps' });
  assert.equal(parseTopic('tabla/v1/bus-1/cmd/set-log-level'), { kind: 'cmd', deviceId: 'bus-1', verb: 'set-log-level' });
  assert.equal(parseTopic('tabla/v1/bus-1/cfg/desired'), { kind: 'cfg-desired', deviceId: 'bus-1' });
  assert.equal(parseTopic('tabla/v1/_fleet/state'), { kind: 'fleet-state' });
  for (const bad of ['tabla/v2/bus-1/state', 'tabla/v1/Bus-1/state', 'tabla/v1/bus-1/t/GPS', 'tabla/v1/bus-1/t/a/b', 'tabla/v1/bus-1/nope', 'tabla/v1/_x/state']) {
    assert.is(parseTopic(bad), null, bad);
  }
});

test('ACL: a device writes only its own upward topics and reads only its own downward ones', () => {
  const ok = (d: { ok: boolean }) => d.ok;
  assert.ok(ok(mayPublish('bus-1', 'tabla/v1/bus-1/t/gps')));
  assert.ok(ok(mayPublish('bus-1', 'tabla/v1/bus-1/state')));
  assert.ok(ok(mayPublish('bus-1', 'tabla/v1/bus-1/frame')));
  assert.not.ok(ok(mayPublish('bus-1', 'tabla/v1/bus-2/t/gps')));
  for (const leaf of ['ack', 'cmd/ping', 'cfg/desired', 'content']) assert.not.ok(ok(mayPublish('bus-1', `tabla/v1/bus-1/${leaf}`)), leaf);
  assert.not.ok(ok(mayPublish('bus-1', 'tabla/v1/_fleet/state')));
  assert.not.ok(ok(mayPublish('bus-1', 'elsewhere')));
  assert.ok(ok(mayPublish('_fleet', 'tabla/v1/bus-1/cmd/ping')));
  assert.ok(ok(maySubscribe('bus-1', 'tabla/v1/bus-1/cmd/+')));
  assert.ok(ok(maySubscribe('bus-1', 'tabla/v1/bus-1/cmd/ping')));
  assert.ok(ok(maySubscribe('bus-1', 'tabla/v1/_fleet/state')));
  assert.not.ok(ok(maySubscribe('bus-1', 'tabla/v1/bus-2/cmd/+')));
  assert.not.ok(ok(maySubscribe('bus-1', 'tabla/v1/#')));
  assert.not.ok(ok(maySubscribe('bus-1', 'tabla/v1/bus-1/#')));
  assert.not.ok(ok(maySubscribe('bus-1', 'tabla/v1/bus-1/t/gps')), 'not even its own upward traffic');
  assert.match(mosquittoAcl(), /pattern write tabla\/v1\/%u\/t\/\+/);
});

test('decode refuses oversize, non-JSON and schema failures with a reason naming the field', () => {
  const big = decode(State, 'x'.repeat(MAX_PAYLOAD_BYTES + 1));
  assert.equal(big.ok, false);
  assert.match((big as { reason: string }).reason, /^oversize/);
  assert.match((decode(State, '{oops') as { reason: string }).reason, /^not JSON/);
  const wrong = decode(State, JSON.stringify({ v: 1, epoch: 1, ts: 1, status: 'sleepy' }));
  assert.match((wrong as { reason: string }).reason, /^schema: status/);
  const order = decode(TelemetryBatch, JSON.stringify({ v: 1, epoch: 1, low: 1, records: [{ seq: 2, ts: 0, data: 1 }, { seq: 2, ts: 0, data: 1 }] }));
  assert.match((order as { reason: string }).reason, /records: records must be in increasing seq order/);
});

test('a batch encoded from stored JSON equals the schema encoding', () => {
  const records = [
    { seq: 7, ts: 1700000000000, data: { lat: 46.3592, lon: 15.1103, name: 'Velenje, Avtobusno postajališče' } },
    { seq: 8, ts: 1700000001000, data: null },
  ];
  const raw = encodeTelemetryBatch(3, 7, records.map((r) => ({ ...r, data: JSON.stringify(r.data) })));
  assert.is(raw, encode(TelemetryBatch, { v: 1, epoch: 3, low: 7, records }));
  const back = decode(TelemetryBatch, raw);
  assert.ok(back.ok);
});

test.run();
