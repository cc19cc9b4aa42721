/**
 * Tabla on a real Mosquitto (Debian's 2.0.x), configured only by the files the fleet exports
 * (fleet/mosquitto.ts): the `$7$` password file, the ACL and the tabla.conf fragment. The fleet runs
 * against it by URL (no embedded broker), a real agent does the whole round trip through it, and
 * the exported ACL refuses what the embedded broker refuses. Mosquitto drops an unauthorised
 * MQTT 3.1.1 publish silently (it even PUBACKs it), so the proof is that the fleet never got it.
 */
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { Agent } from '../../device/agent.js';
import { AgentConfig as AgentConfigSchema, ROOT, topic } from '../../protocols/index.js';
import { FleetService } from '../../fleet/service.js';
import { mosquittoAcl, mosquittoPasswd, writeMosquittoFiles } from '../../fleet/mosquitto.js';
import { hashMosquitto } from '../../fleet/credentials.js';

const SPY_PASSWORD = 'observer-only-in-tests';
import { agentConfigFor } from '../../fleet/provision.js';
import { api, freePort, quiet, storedSeqs, tmpDir, waitFor } from '../helpers.js';
import {
  type RunningMosquitto,
  grantMosquittoAccess,
  healthz,
  metricFromText,
  pub,
  scrape,
  startMosquitto,
  telemetryBatch,
  telemetryRows,
} from '../mosquitto-helpers.js';

const A = 'dev-a';
const B = 'dev-b';
const BUS = 'bus-1';

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

let port = 0;
let fleet: FleetService;
let mosquitto: RunningMosquitto | null = null;
const secrets: Record<string, string> = {};
let spy: MqttClient | null = null;
const spySaw: Seen[] = [];
let barriers = 0;

const record = (into: Seen[]) => (t: string, payload: Buffer, packet: { retain?: boolean }) =>
  into.push({ topic: t, payload: payload.toString('utf8'), retain: !!packet.retain });

async function mqttConnect(username: string, password: string, clientId: string): Promise<MqttClient> {
  const mqtt = (await import('mqtt')).default;
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, username, password, protocolVersion: 4, reconnectPeriod: 0 });
}

/** The spy (fleet account, tabla/v1/#) publishes a marker and waits for it: everything before it has arrived. */
async function barrier(also: Seen[][] = []): Promise<void> {
  const marker = `barrier-${++barriers}`;
  const t = topic.cmd(A, 'barrier');
  await spy!.publishAsync(t, marker, { qos: 1 });
  await waitFor(marker, () => [spySaw, ...also].every((saw) => saw.some((m) => m.topic === t && m.payload === marker)));
}

// uvu reports a throwing `before` hook as failed tests without its error: keep it, and fail each test with it.
let setupError: unknown = null;

test.before(async () => {
  try {
    port = await freePort();
    const dataDir = tmpDir('tabla-fleet-');
    // Constructing the fleet creates its secrets (fleet.json) and database; it connects only on start().
    fleet = new FleetService({ dataDir, httpPort: 0, mqttUrl: `mqtt://127.0.0.1:${port}`, log: quiet });
    for (const id of [BUS, A, B]) secrets[id] = fleet.registry.provision({ id, role: 'bus', site: 'test' }).secret;
    const brokerDir = tmpDir('tabla-mosquitto-');
    // A test-only observer account (`_spy`, reads and writes everything) beside the exported ones:
    // the fleet's own account cannot be borrowed, since each client id is its username.
    const paths = writeMosquittoFiles(
      brokerDir,
      {
        passwd: mosquittoPasswd(fleet.registry.mosquittoHashes(), fleet.local.mqttPassword) + `_spy:${hashMosquitto(SPY_PASSWORD)}\n`,
        acl: mosquittoAcl() + `user _spy\ntopic readwrite ${ROOT}/#\n`,
      },
      { host: '127.0.0.1', port },
    );
    assert.is(fs.statSync(paths.passwd!).mode & 0o777, 0o600, 'the password file is private');
    const conf = fs.readFileSync(paths.conf!, 'utf8');
    assert.match(conf, `listener ${port} 127.0.0.1`);
    assert.match(conf, 'allow_anonymous false');
    // Mosquitto started as root reads these as user mosquitto: see grantMosquittoAccess.
    grantMosquittoAccess(paths);
    mosquitto = await startMosquitto(paths.conf!, port);
    await fleet.start();
    assert.is(fleet.broker, null, 'no embedded broker: the fleet is a client of mosquitto');
    spy = await mqttConnect('_spy', SPY_PASSWORD, '_spy');
    spy.on('message', record(spySaw));
    await spy.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    await waitFor('the fleet state, retained', () => spySaw.some((m) => m.topic === topic.fleetState() && JSON.parse(m.payload).status === 'online'));
  } catch (err) {
    setupError = err;
  }
});

test.before.each(() => {
  if (setupError) throw setupError;
});

test.after(async () => {
  try {
    await spy?.endAsync().catch(() => {});
    await fleet?.stop().catch(() => {});
  } finally {
    await mosquitto?.stop();
    if (process.env.TABLA_TEST_LOG && mosquitto) process.stderr.write(`--- mosquitto log ---\n${mosquitto.log}\n`);
  }
});

test('provision → connect → birth → telemetry → stored once → ack → outbox empty, through mosquitto', async () => {
  const input = agentConfigFor({ deviceId: BUS, role: 'bus', secret: secrets[BUS]!, mqttUrl: `mqtt://127.0.0.1:${port}`, dataDir: tmpDir(`tabla-${BUS}-`) });
  input.mqtt = { ...input.mqtt, reconnectMinMs: 100, reconnectMaxMs: 1000 };
  const agent = new Agent({ config: AgentConfigSchema.parse(input), log: quiet });
  try {
    assert.is(fleet.presence.of(BUS), 'unknown');
    await agent.start();
    await waitFor('birth', () => fleet.presence.of(BUS) === 'online');
    assert.ok(fleet.registry.get(BUS)!.birth, 'birth stored');
    const seqs = await Promise.all([1, 2, 3, 4, 5].map((i) => agent.record('gps', { lat: 46.36, lon: 15.11, i })));
    assert.equal(seqs, [1, 2, 3, 4, 5]);
    await waitFor('outbox drained (acked)', () => agent.outbox.depth() === 0);
    assert.equal(storedSeqs(fleet, BUS, 'gps'), [1, 2, 3, 4, 5]);
    assert.equal(fleet.ingest.records(BUS, 'gps', 2, 1)[0]!.data, { lat: 46.36, lon: 15.11, i: 3 });
    // The ack went over mosquitto to the device's own ack topic (the spy on the fleet account saw it).
    const acks = spySaw.filter((m) => m.topic === topic.ack(BUS)).map((m) => JSON.parse(m.payload).streams.gps as number);
    assert.ok(acks.length > 0 && Math.max(...acks) === 5, `acks ${JSON.stringify(acks)}`);
    const { body } = await api(fleet, 'GET', `/api/devices/${BUS}`);
    assert.is(body.presence, 'online');
    assert.equal(body.streams[0], { stream: 'gps', hwm: 5, maxSeq: 5, stored: 5, duplicates: 0, lost: 0, gaps: 0 });
    assert.is((await healthz(fleet)).status, 200);
  } finally {
    await agent.stop();
  }
  await waitFor('offline after a clean stop', () => fleet.presence.of(BUS) === 'offline');
});

test("the exported ACL: A's publish on B's telemetry is PUBACKed but dropped; A's own is stored", async () => {
  const inBefore = fleet.metrics.get('tabla_messages_in_total', { kind: 'telemetry' });
  const refusedBefore = fleet.metrics.total('tabla_messages_refused_total');
  const mark = spySaw.length;
  const forged = await pub(port, ['-d', '-q', '1', '-i', A, '-u', A, '-P', secrets[A]!, '-t', topic.telemetry(B, 'gps'), '-m', telemetryBatch(1, { forged: true })]);
  // Mosquitto 2 answers an unauthorised 3.1.1 publish like any other: the client cannot tell.
  assert.is(forged.code, 0, JSON.stringify(forged));
  assert.match(forged.stdout, /received PUBACK/);
  // The control, after it: A's own telemetry on the same broker reaches the fleet and is stored.
  const own = await pub(port, ['-q', '1', '-i', A, '-u', A, '-P', secrets[A]!, '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(1, { own: true })]);
  assert.is(own.code, 0, JSON.stringify(own));
  await waitFor("A's own telemetry stored", () => storedSeqs(fleet, A, 'gps').length === 1);
  await barrier();
  assert.equal(storedSeqs(fleet, B, 'gps'), [], 'nothing stored under B');
  assert.is(telemetryRows(fleet, B), 0);
  assert.equal(
    spySaw.slice(mark).filter((m) => m.topic.startsWith(`${ROOT}/${B}/`) && !m.topic.endsWith('/barrier')),
    [],
    "the fleet account never saw anything on B's topics",
  );
  assert.is(fleet.metrics.get('tabla_messages_in_total', { kind: 'telemetry' }), inBefore + 1, 'only the control arrived');
  assert.is(fleet.metrics.total('tabla_messages_refused_total'), refusedBefore, 'the fleet did not even have to refuse it');
  assert.is((await healthz(fleet)).status, 200);
});

test("the exported ACL: A reads only its own downward topics and the fleet state; its forged command is dropped", async () => {
  const intruder = await mqttConnect(A, secrets[A]!, A);
  const got: Seen[] = [];
  intruder.on('message', record(got));
  try {
    // Mosquitto 2.0 grants these SUBACKs and applies the read ACL on delivery.
    await intruder.subscribeAsync([`${ROOT}/${A}/cmd/+`, `${ROOT}/${B}/cmd/+`, `${ROOT}/#`], { qos: 1 });
    await waitFor('the retained fleet state (pattern read tabla/v1/_fleet/state)', () => got.some((m) => m.topic === topic.fleetState()));
    // A forges a command to itself: fleet-only, dropped (mosquitto still PUBACKs it under 3.1.1).
    await intruder.publishAsync(topic.cmd(A, 'restart'), 'forged', { qos: 1 });
    // The fleet's side (here the observer account) commands B, then A.
    await spy!.publishAsync(topic.cmd(B, 'ping'), 'for-b', { qos: 1 });
    await spy!.publishAsync(topic.cmd(A, 'ping'), 'for-a', { qos: 1 });
    await waitFor("A's own command", () => got.some((m) => m.topic === topic.cmd(A, 'ping') && m.payload === 'for-a'));
    await barrier([got]);
    const topics = [...new Set(got.map((m) => m.topic))].sort();
    assert.equal(topics, [topic.fleetState(), topic.cmd(A, 'barrier'), topic.cmd(A, 'ping')].sort(), 'what A could read');
    assert.ok(!got.some((m) => m.payload === 'for-b' || m.payload === 'forged'), 'neither B\'s command nor the forgery');
    assert.ok(spySaw.some((m) => m.payload === 'for-b'), "B's command did pass the broker (the fleet account reads everything)");
    assert.ok(!spySaw.some((m) => m.payload === 'forged'), 'the forgery reached nobody');
  } finally {
    await intruder.endAsync();
  }
});

test('wrong password, unknown user, no credentials: "not authorised", nothing stored', async () => {
  const rows = telemetryRows(fleet);
  const mark = spySaw.length;
  const attempts = [
    ['-i', A, '-u', A, '-P', `${secrets[A]}x`],
    ['-i', 'ghost', '-u', 'ghost', '-P', secrets[A]!],
    ['-i', A],
    ['-i', '_fleet.x', '-u', '_fleet', '-P', secrets[A]!],
  ];
  for (const who of attempts) {
    const r = await pub(port, ['-q', '1', ...who, '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(2)]);
    assert.is.not(r.code, 0, `${who.join(' ')}: ${JSON.stringify(r)}`);
    assert.match(r.stderr, /Connection Refused: not authorised/, `${who.join(' ')}: ${r.stderr}`);
  }
  await barrier();
  assert.is(telemetryRows(fleet), rows, 'nothing stored');
  assert.equal(spySaw.slice(mark).filter((m) => !m.topic.endsWith('/barrier')), [], 'nothing published');
  assert.match(mosquitto!.log, /not authorised/);
  assert.ok(fleet.mqttConnected);
  const text = await scrape(fleet);
  assert.is(metricFromText(text, 'tabla_broker_refusals_total', { kind: 'connect' }), 0, 'mosquitto refuses, not the fleet: nothing counted here');
  assert.is((await healthz(fleet)).status, 200);
});



test("the exported conf: a device using another device's client id cannot take over its session", async () => {
  const victim = await mqttConnect(B, secrets[B]!, B);
  let closed = false;
  victim.on('close', () => (closed = true));
  try {
    const r = await pub(port, ['-q', '1', '-i', B, '-u', A, '-P', secrets[A]!, '-t', topic.telemetry(A, 'gps'), '-m', telemetryBatch(50)]);
    assert.is(r.code, 0, JSON.stringify(r));
    await new Promise((res) => setTimeout(res, 300));
    assert.not.ok(closed, 'B keeps its session');
    assert.ok(victim.connected);
    assert.match(mosquitto!.log, new RegExp(`as ${A} `), 'mosquitto named the client after its username');
  } finally {
    await victim.endAsync();
  }
});

test.run();
