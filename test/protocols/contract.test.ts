import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DOWN_LEAVES,
  FLEET_SUBSCRIPTIONS,
  FLEET_USERNAME,
  LEAF_KINDS,
  LEAVES,
  MAX_PAYLOAD_BYTES,
  ROOT,
  TelemetryBatch,
  State,
  UP_LEAVES,
  decode,
  deviceSubscriptionQos,
  deviceSubscriptions,
  encode,
  encodeTelemetryBatch,
  fleetSubscriptionQos,
  leafFilter,
  leafKinds,
  type LeafKind,
  mayPublish,
  maySubscribe,
  mosquittoAcl,
  parseTopic,
  topic,
} from '../../protocols/index.js';

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

// The leaf table (protocols/mqtt/topics.ts LEAVES) and everything derived from it.

const forms = topic as unknown as Record<string, (id: string, name?: string) => string>;
/** A concrete topic of `kind` for device `id` (`gps` for a leaf's named level). */
const concrete = (kind: LeafKind, id: string) => forms[LEAVES[kind].form]!(id, 'gps');
/** MQTT filter matching ([MQTT-4.7.1-2], [MQTT-4.7.1-3]): `+` one level, `#` the rest. */
function matches(filter: string, t: string): boolean {
  const f = filter.split('/');
  const p = t.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= p.length || (f[i] !== '+' && f[i] !== p[i])) return false;
  }
  return f.length === p.length;
}
const matchedBy = (filters: readonly string[], t: string) => filters.some((f) => matches(f, t));

test('leaf table: every leaf has its topic.* form and round-trips through parseTopic', () => {
  assert.equal(LEAF_KINDS, ['birth', 'state', 'telemetry', 'cmd-ack', 'cfg-reported', 'frame', 'ack', 'cmd', 'cfg-desired', 'content', 'session']);
  for (const kind of LEAF_KINDS) {
    const { leaf, form, param }: { leaf: string; form: string; param?: string } = LEAVES[kind];
    assert.is(form, kind.replace(/-(.)/g, (_, c: string) => c.toUpperCase()), `${kind}: its form is its kind in camel case`);
    const t = concrete(kind, 'bus-1');
    assert.is(t, `${ROOT}/bus-1/${leaf.replace('+', 'gps')}`, kind);
    assert.is(leafFilter(kind, 'bus-1'), `${ROOT}/bus-1/${leaf}`, kind);
    assert.equal(parseTopic(t), param ? { kind, deviceId: 'bus-1', [param]: 'gps' } : { kind, deviceId: 'bus-1' }, kind);
    assert.is(leaf.includes('+'), !!param, `${kind}: a + level exactly where a name goes`);
    if (param) assert.is(parseTopic(leafFilter(kind, 'bus-1')), null, `${kind}: its filter is not a topic`);
    assert.equal(parseTopic(concrete(kind, '_fleet')), kind === 'state' ? { kind: 'fleet-state' } : null, `${kind} under _fleet`);
  }
  assert.equal(Object.keys(topic), [...LEAF_KINDS.map((k) => LEAVES[k].form), 'fleetState']);
  assert.equal([...UP_LEAVES], ['birth', 'state', 'cmd-ack', 'cfg/reported', 'frame']);
  assert.equal([...DOWN_LEAVES], ['ack', 'cfg/desired', 'content', 'session']);
  assert.equal(leafKinds('up').filter((k) => LEAVES[k].qos === 0), ['telemetry'], 'the fleet takes telemetry at QoS 0');
  assert.equal(leafKinds('down').filter((k) => LEAVES[k].qos === 0), ['ack'], 'a device takes acks at QoS 0');
  assert.equal(LEAF_KINDS.filter((k) => LEAVES[k].retained), ['state', 'cfg-reported', 'cfg-desired']);
});

test("the fleet's subscriptions cover every up leaf of every device and nothing down", () => {
  assert.equal([...FLEET_SUBSCRIPTIONS], leafKinds('up').map((k) => leafFilter(k, '+')));
  for (const kind of LEAF_KINDS) {
    for (const id of ['bus-1', 'stop-velenje-center']) {
      assert.is(matchedBy(FLEET_SUBSCRIPTIONS, concrete(kind, id)), LEAVES[kind].dir === 'up', `${kind} of ${id}`);
    }
  }
  const qos = fleetSubscriptionQos();
  assert.equal(Object.keys(qos), [...FLEET_SUBSCRIPTIONS]);
  for (const kind of leafKinds('up')) assert.equal(qos[leafFilter(kind, '+')], { qos: LEAVES[kind].qos }, kind);
});

test("a device's subscriptions cover its own down leaves and the fleet state, nothing up, nothing of another", () => {
  const subs = deviceSubscriptions('bus-1');
  assert.equal(subs, [...leafKinds('down').map((k) => leafFilter(k, 'bus-1')), topic.fleetState()]);
  for (const kind of LEAF_KINDS) {
    assert.is(matchedBy(subs, concrete(kind, 'bus-1')), LEAVES[kind].dir === 'down', kind);
    assert.not.ok(matchedBy(subs, concrete(kind, 'bus-2')), `${kind} of another device`);
  }
  assert.ok(matchedBy(subs, topic.fleetState()));
  const qos = deviceSubscriptionQos('bus-1');
  assert.equal(Object.keys(qos), subs);
  for (const kind of leafKinds('down')) assert.equal(qos[leafFilter(kind, 'bus-1')], { qos: LEAVES[kind].qos }, kind);
  assert.equal(qos[topic.fleetState()], { qos: 1 });
});

test('mayPublish and maySubscribe agree with the leaf table, for a device and for the fleet', () => {
  for (const kind of LEAF_KINDS) {
    const up = LEAVES[kind].dir === 'up';
    const own = concrete(kind, 'bus-1');
    const other = concrete(kind, 'bus-2');
    assert.is(mayPublish('bus-1', own).ok, up, `bus-1 publishes its ${kind}`);
    assert.is(maySubscribe('bus-1', own).ok, !up, `bus-1 subscribes to its ${kind}`);
    assert.is(maySubscribe('bus-1', leafFilter(kind, 'bus-1')).ok, !up, `bus-1 subscribes to its ${kind} filter`);
    assert.not.ok(mayPublish('bus-1', other).ok, `bus-1 publishes bus-2's ${kind}`);
    assert.not.ok(maySubscribe('bus-1', other).ok, `bus-1 subscribes to bus-2's ${kind}`);
    assert.not.ok(maySubscribe('bus-1', leafFilter(kind, '+')).ok, `bus-1 subscribes to every device's ${kind}`);
    for (const t of [own, other, leafFilter(kind, '+')]) {
      assert.ok(mayPublish(FLEET_USERNAME, t).ok, `fleet publishes ${t}`);
      assert.ok(maySubscribe(FLEET_USERNAME, t).ok, `fleet subscribes to ${t}`);
    }
  }
  assert.not.ok(mayPublish('bus-1', topic.fleetState()).ok);
  assert.ok(maySubscribe('bus-1', topic.fleetState()).ok);
});

test('the Mosquitto ACL: one line per leaf and direction, then the fleet state; the same text as ever', () => {
  const acl = mosquittoAcl();
  const patterns = acl.split('\n').filter((l) => l.startsWith('pattern '));
  assert.equal(patterns, [
    ...LEAF_KINDS.map((k) => `pattern ${LEAVES[k].dir === 'up' ? 'write' : 'read'} ${ROOT}/%u/${LEAVES[k].leaf}`),
    `pattern read ${topic.fleetState()}`,
  ]);
  assert.is(
    acl,
    [
      '# Tabla broker ACL: generated by `tabla broker export-mosquitto`. Do not edit by hand.',
      'user _fleet',
      'topic readwrite tabla/v1/#',
      '',
      '# Every device: its own upward topics to write, its own downward topics and the fleet state to read.',
      'pattern write tabla/v1/%u/birth',
      'pattern write tabla/v1/%u/state',
      'pattern write tabla/v1/%u/t/+',
      'pattern write tabla/v1/%u/cmd-ack',
      'pattern write tabla/v1/%u/cfg/reported',
      'pattern write tabla/v1/%u/frame',
      'pattern read tabla/v1/%u/ack',
      'pattern read tabla/v1/%u/cmd/+',
      'pattern read tabla/v1/%u/cfg/desired',
      'pattern read tabla/v1/%u/content',
      'pattern read tabla/v1/%u/session',
      'pattern read tabla/v1/_fleet/state',
      '',
    ].join('\n'),
  );
});

test.run();
