/**
 * The embedded broker's authentication and ACL, probed from outside with Debian's mosquitto_pub and
 * mosquitto_sub against a real fleet. Every refusal must (1) be visible to the client, (2) let
 * nothing through — a spy on the fleet's account subscribed to tabla/v1/# and the victim device's
 * own subscriptions see nothing, the fleet stores nothing — (3) be counted in
 * tabla_broker_refusals_total with the right kind, and (4) leave the service healthy.
 *
 * "Saw nothing" is decided by a barrier, not a sleep: after each attempt the spy publishes a marker
 * on the victim's cmd topic and waits until both the spy and the victim received it; the broker
 * forwards in order, so anything the attempt had let through would have arrived first.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { ROOT, deviceSubscriptions, topic } from '../../protocols/index.js';
import type { FleetService } from '../../fleet/service.js';
import { deviceClient, fleetClient, startFleet, storedSeqs, waitFor } from '../helpers.js';
import { MOSQUITTO_SUB, type CliResult, cli, healthz, metricFromText, pub, scrape, telemetryBatch, telemetryRows } from '../mosquitto-helpers.js';

const A = 'dev-a';
const B = 'dev-b';
const REFUSALS = 'tabla_broker_refusals_total';
type Kind = 'connect' | 'publish' | 'subscribe';

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

let fleet: FleetService;
let port: number;
let secretA = '';
let secretB = '';
let spy: MqttClient;
let victim: MqttClient;
const spySaw: Seen[] = [];
const victimSaw: Seen[] = [];
let victimCloses = 0;
let barriers = 0;

const record = (into: Seen[]) => (t: string, payload: Buffer, packet: { retain?: boolean }) =>
  into.push({ topic: t, payload: payload.toString('utf8'), retain: !!packet.retain });

/** Credentials of device A for mosquitto_pub / mosquitto_sub. */
const asA = (clientId = A) => ['-i', clientId, '-u', A, '-P', secretA];

async function barrier(): Promise<void> {
  const marker = `barrier-${++barriers}`;
  const t = topic.cmd(B, 'barrier');
  await spy.publishAsync(t, marker, { qos: 1 });
  await waitFor(`${marker} at the spy and the victim`, () =>
    [spySaw, victimSaw].every((saw) => saw.some((m) => m.topic === t && m.payload === marker)),
  );
}

const notBarrier = (m: Seen) => m.topic !== topic.cmd(B, 'barrier');

/** Refusal counters by kind, read both from the registry and from GET /metrics (they must agree). */
async function refusals(): Promise<Record<Kind, number>> {
  const text = await scrape(fleet);
  const out = {} as Record<Kind, number>;
  for (const kind of ['connect', 'publish', 'subscribe'] as const) {
    const fromText = metricFromText(text, REFUSALS, { kind });
    assert.is(fromText, fleet.metrics.get(REFUSALS, { kind }), `/metrics and the registry agree on ${kind}`);
    out[kind] = fromText;
  }
  return out;
}

/**
 * Runs `attempt` and checks everything a refusal must leave behind: exactly `expected` more
 * refusals of each kind (and no other kind), nothing new at the spy or the victim, no telemetry
 * stored, the victim still connected, the fleet healthy.
 */
async function refused(expected: Partial<Record<Kind, number>>, attempt: () => Promise<void>): Promise<void> {
  const before = await refusals();
  const spyMark = spySaw.length;
  const victimMark = victimSaw.length;
  const rowsBefore = telemetryRows(fleet);
  const closesBefore = victimCloses;
  await attempt();
  await barrier();
  const after = await refusals();
  for (const kind of ['connect', 'publish', 'subscribe'] as const) {
    assert.is(after[kind] - before[kind], expected[kind] ?? 0, `${REFUSALS}{kind="${kind}"} went up by ${expected[kind] ?? 0}`);
  }
  assert.equal(spySaw.slice(spyMark).filter(notBarrier), [], 'the fleet account saw nothing of it');
  assert.equal(victimSaw.slice(victimMark).filter(notBarrier), [], 'the victim device saw nothing of it');
  assert.is(telemetryRows(fleet), rowsBefore, 'no telemetry stored');
  assert.is(victimCloses, closesBefore, 'the victim device was not disconnected');
  assert.ok(victim.connected, 'the victim device is still connected');
  const h = await healthz(fleet);
  assert.is(h.status, 200, `GET /healthz: ${JSON.stringify(h.body)}`);
  assert.ok(fleet.mqttConnected, "the fleet's own MQTT session is up");
}

function assertConnectRefused(r: CliResult, message: RegExp): void {
  assert.is.not(r.code, 0, `mosquitto_pub must fail: ${JSON.stringify(r)}`);
  assert.is(r.signal, null, `mosquitto_pub ended by itself: ${JSON.stringify(r)}`);
  assert.match(r.stderr, /Connection Refused/);
  assert.match(r.stderr, message);
  assert.not.match(r.stdout, /received PUBACK/);
}

/** A QoS 1 publish the broker refuses: it closes the connection (3.1.1 has no negative PUBACK). */
function assertPublishCut(r: CliResult): void {
  assert.is(r.signal, null, `mosquitto_pub ended by itself: ${JSON.stringify(r)}`);
  assert.is.not(r.code, 0, `mosquitto_pub must fail: ${JSON.stringify(r)}`);
  assert.match(r.stdout, /received CONNACK \(0\)/, 'it was connected');
  assert.not.match(r.stdout, /received PUBACK/, 'no PUBACK');
  assert.match(r.stderr, /The connection was lost/);
}

// uvu reports a throwing `before` hook as failed tests without its error: keep it, and fail each test with it.
let setupError: unknown = null;

test.before(async () => {
  try {
    fleet = await startFleet();
    port = fleet.broker!.port;
    secretA = fleet.registry.provision({ id: A, role: 'bus', site: 'test' }).secret;
    secretB = fleet.registry.provision({ id: B, role: 'bus', site: 'test' }).secret;
    spy = await fleetClient(fleet, 'spy');
    spy.on('message', record(spySaw));
    await spy.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    victim = await deviceClient(fleet, B, secretB);
    victim.on('message', record(victimSaw));
    victim.on('close', () => victimCloses++);
    const granted = await victim.subscribeAsync(deviceSubscriptions(B), { qos: 1 });
    assert.equal(
      granted.map((g) => g.qos),
      deviceSubscriptions(B).map(() => 1),
      'the victim may subscribe to its own downward topics',
    );
    // The retained fleet state arrives on subscribing: the victim is really listening.
    await waitFor('retained fleet state at the victim', () => victimSaw.some((m) => m.topic === topic.fleetState() && m.retain));
    await barrier();
  } catch (err) {
    setupError = err;
  }
});

test.before.each(() => {
  if (setupError) throw setupError;
});

test.after(async () => {
  await spy?.endAsync().catch(() => {});
  await victim?.endAsync().catch(() => {});
  await fleet?.stop();
});

test('wrong password: CONNACK 4, nothing published, counted as a connect refusal', async () => {
  await refused({ connect: 1 }, async () => {
    const r = await pub(port, ['-d', '-q', '1', '-i', A, '-u', A, '-P', `${secretA}x`, '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1)]);
    assertConnectRefused(r, /bad user name or password/);
  });
});

test('unknown user, and the fleet account with a wrong password: refused', async () => {
  await refused({ connect: 2 }, async () => {
    const ghost = await pub(port, ['-q', '1', '-i', 'ghost', '-u', 'ghost', '-P', secretA, '-t', topic.telemetry('ghost', 'gps'), '-m', telemetryBatch(1)]);
    assertConnectRefused(ghost, /bad user name or password/);
    // A device's valid secret is no key to the fleet's account (and -i _fleet.x would be its own id).
    const fleetUser = await pub(port, ['-q', '1', '-i', '_fleet.x', '-u', '_fleet', '-P', secretA, '-t', topic.cmd(B, 'ping'), '-m', '{}']);
    assertConnectRefused(fleetUser, /bad user name or password/);
  });
});

test('no credentials, and a username without a password: refused', async () => {
  await refused({ connect: 2 }, async () => {
    const none = await pub(port, ['-q', '1', '-i', A, '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1)]);
    assertConnectRefused(none, /bad user name or password/);
    const noPassword = await pub(port, ['-q', '1', '-i', A, '-u', A, '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1)]);
    assertConnectRefused(noPassword, /bad user name or password/);
  });
});

test("the client id of another device (or of the fleet): refused, CONNACK 5, the owner's session survives", async () => {
  await refused({ connect: 2 }, async () => {
    // The victim is connected as client id dev-b: a takeover would disconnect it.
    const asB = await pub(port, ['-q', '1', ...asA(B), '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1)]);
    assertConnectRefused(asB, /not authorised/);
    // The fleet's own session is client id _fleet: a takeover would cut the service off its broker.
    const asFleet = await pub(port, ['-q', '1', ...asA('_fleet'), '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1)]);
    assertConnectRefused(asFleet, /not authorised/);
  });
});

test("device A publishing on device B's telemetry: connection closed at QoS 1, dropped silently at QoS 0, nothing stored", async () => {
  await refused({ publish: 2 }, async () => {
    const q1 = await pub(port, ['-d', '-q', '1', ...asA(), '-t', topic.telemetry(B, 'gps'), '-m', telemetryBatch(1)]);
    assertPublishCut(q1);
    // At QoS 0 the client cannot tell: it sent and disconnected. The broker still refused and counted it.
    const q0 = await pub(port, ['-d', '-q', '0', ...asA(), '-t', topic.telemetry(B, 'gps'), '-m', telemetryBatch(2)]);
    assert.is(q0.code, 0, JSON.stringify(q0));
    assert.match(q0.stdout, /sending PUBLISH/);
  });
  assert.equal(storedSeqs(fleet, B, 'gps'), []);
});

test('device A publishing fleet-only topics (cmd, cfg/desired, content, ack on its own subtree; the fleet state): each refused', async () => {
  const attempts: [string, string, string[]][] = [
    [topic.cmd(A, 'ping'), JSON.stringify({ v: 1, cmdId: 'c1', verb: 'ping', args: {}, issuedAt: Date.now(), expiresAt: Date.now() + 60_000 }), []],
    [topic.cfgDesired(A), JSON.stringify({ v: 1, version: 99, settings: {} }), ['-r']],
    [topic.content(A), JSON.stringify({ v: 1, ts: Date.now() }), []],
    [topic.ack(A), JSON.stringify({ v: 1, ts: Date.now(), streams: { gps: 1_000_000 } }), []],
    [topic.fleetState(), JSON.stringify({ v: 1, ts: Date.now(), status: 'offline' }), ['-r']],
  ];
  await refused({ publish: attempts.length }, async () => {
    for (const [t, payload, extra] of attempts) {
      const r = await pub(port, ['-d', '-q', '1', ...extra, ...asA(), '-t', t, '-m', payload]);
      assertPublishCut(r);
    }
  });
  // Nothing was retained in the fleet's name: a fresh subscriber still gets the fleet online.
  const fresh = await fleetClient(fleet, 'fresh');
  try {
    const retained: Seen[] = [];
    fresh.on('message', record(retained));
    await fresh.subscribeAsync([topic.fleetState(), topic.cfgDesired(A)], { qos: 1 });
    await waitFor('retained fleet state', () => retained.some((m) => m.topic === topic.fleetState()));
    assert.equal(
      retained.map((m) => [m.topic, JSON.parse(m.payload).status]),
      [[topic.fleetState(), 'online']],
      'only the fleet\'s own retained "online"; no retained cfg/desired for A',
    );
  } finally {
    await fresh.endAsync();
  }
});

test("device A subscribing to B's cmd/+ and to tabla/v1/#: SUBACK 0x80, mosquitto_sub gives up at once, nothing delivered", async () => {
  const intruder = await deviceClient(fleet, A, secretA, { clientId: `${A}.intruder` });
  const intruderSaw: Seen[] = [];
  intruder.on('message', record(intruderSaw));
  try {
    await refused({ subscribe: 4 }, async () => {
      for (const filter of [`${ROOT}/${B}/cmd/+`, `${ROOT}/#`]) {
        // mosquitto_sub 2.0.11 on an all-refused SUBACK: "All subscription requests were denied." and
        // exit status 0 straight away, without waiting out -W.
        const sub = cli(MOSQUITTO_SUB, port, ['-d', ...asA(), '-t', filter, '-W', '5']);
        const r = await sub.done;
        assert.is(r.signal, null, JSON.stringify(r));
        assert.match(r.stdout, /Subscribed \(mid: 1\): 128/, `SUBACK 0x80 for ${filter}: ${r.stdout}`);
        assert.match(r.stderr, /All subscription requests were denied/);
        assert.ok(r.ms < 4000, `it did not wait for -W 5 (${r.ms} ms)`);
        assert.is(r.code, 0, JSON.stringify(r));
        // The same through mqtt.js, which stays connected: the refusal is an error carrying 128.
        const err = await intruder.subscribeAsync(filter, { qos: 1 }).then(
          () => null,
          (e: Error & { packet?: { granted?: unknown } }) => e,
        );
        assert.ok(err, `subscribing ${filter} must fail`);
        assert.equal(err.packet?.granted, [128], `SUBACK for ${filter}: ${err.message}`);
      }
    });
    // The fleet commands B: B gets it, the intruder (connected, with its refused filters) does not.
    await spy.publishAsync(topic.cmd(B, 'ping'), 'for-b-only', { qos: 1 });
    await waitFor('B got its command', () => victimSaw.some((m) => m.topic === topic.cmd(B, 'ping') && m.payload === 'for-b-only'));
    await barrier();
    assert.ok(intruder.connected, 'a refused subscription does not cost the connection');
    assert.equal(intruderSaw, [], 'the intruder received nothing: not the command, not the barriers');
  } finally {
    await intruder.endAsync();
  }
});

test("positive control: A's own t/gps is accepted (PUBACK), stored once and acked; nothing refused", async () => {
  const before = await refusals();
  const inBefore = fleet.metrics.get('tabla_messages_in_total', { kind: 'telemetry' });
  const mark = spySaw.length;
  const r = await pub(port, ['-d', '-q', '1', ...asA(), '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1, { lat: 46.36, lon: 15.11 })]);
  assert.is(r.code, 0, JSON.stringify(r));
  assert.match(r.stdout, /received PUBACK \(Mid: 1, RC:0\)/);
  await waitFor('stored', () => storedSeqs(fleet, A, 'gps').length === 1);
  assert.equal(storedSeqs(fleet, A, 'gps'), [1]);
  assert.equal(fleet.ingest.records(A, 'gps')[0]!.data, { lat: 46.36, lon: 15.11 });
  assert.is(fleet.metrics.get('tabla_messages_in_total', { kind: 'telemetry' }), inBefore + 1);
  // The fleet commits and acks the high-water mark on A's ack topic.
  const ack = await waitFor('ack for A', () => spySaw.slice(mark).find((m) => m.topic === topic.ack(A)));
  assert.equal(JSON.parse(ack.payload).streams, { gps: 1 });
  assert.equal(await refusals(), before, 'no refusal counted');
  assert.is((await healthz(fleet)).status, 200);
});

test("positive control: A may subscribe to its own cmd/+ and gets the fleet's command", async () => {
  const before = await refusals();
  // mosquitto_sub's stdout is a pipe, fully buffered: its "Subscribed" line shows only at exit. So
  // the fleet repeats its command until the subscriber, which takes one message (-C 1), has it.
  const sub = cli(MOSQUITTO_SUB, port, ['-d', ...asA(), '-t', `${ROOT}/${A}/cmd/+`, '-C', '1', '-W', '8', '-F', '%t %p']);
  let exited = false;
  const repeat = (async () => {
    while (!exited) {
      await spy.publishAsync(topic.cmd(A, 'ping'), 'hello-a', { qos: 1 });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const r = await sub.done;
    assert.match(r.stdout, /Subscribed \(mid: 1\): 0/, 'SUBACK granted QoS 0');
    assert.is(r.code, 0, JSON.stringify(r));
    assert.match(r.stdout, new RegExp(`^${topic.cmd(A, 'ping')} hello-a$`, 'm'));
    assert.not.match(r.stderr, /denied/);
  } finally {
    exited = true;
    sub.proc.kill('SIGKILL');
    await repeat;
  }
  assert.equal(await refusals(), before, 'no refusal counted');
});

test.run();
