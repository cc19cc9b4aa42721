/**
 * The broker's bound on memory: the packet guard's fixed-header scanner and limits as pure code
 * (spec vectors, frames split at every byte), then the real embedded broker on loopback probed
 * with raw sockets writing real MQTT bytes — floods claiming huge packets before authentication,
 * a CONNECT and PUBLISH dribbled one byte at a time, oversize packets after authentication.
 */
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_PAYLOAD_BYTES, topic } from '../../protocols/index.js';
import { FixedHeaderScanner, PACKET_LIMITS, PacketGuard, type FixedHeader } from '../../fleet/packet-guard.js';
import type { FleetService } from '../../fleet/service.js';
import { deviceClient, fleetClient, startFleet, storedSeqs, waitFor } from '../helpers.js';

// ---- MQTT 3.1.1 bytes, built by hand -------------------------------------------------------------

/** Remaining Length, MQTT 3.1.1 §2.2.3: base 128, least significant digit first, top bit = more. */
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    out.push(digit);
  } while (n > 0);
  return out;
}

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
const frame = (first: number, body: Buffer) => Buffer.concat([Buffer.from([first, ...remainingLength(body.length)]), body]);

/** CONNECT, MQTT 3.1.1 §3.1: protocol "MQTT" level 4, clean session, keep-alive 60 s. */
function connectPacket(clientId: string, username?: string, password?: string): Buffer {
  const flags = 0x02 | (username !== undefined ? 0x80 : 0) | (password !== undefined ? 0x40 : 0);
  const parts = [str('MQTT'), Buffer.from([4, flags, 0, 60]), str(clientId)];
  if (username !== undefined) parts.push(str(username));
  if (password !== undefined) parts.push(str(password));
  return frame(0x10, Buffer.concat(parts));
}

/** PUBLISH, MQTT 3.1.1 §3.3: QoS 1 carries a packet identifier. */
function publishPacket(t: string, payload: Buffer | string, qos: 0 | 1 = 0, packetId = 1): Buffer {
  const id = qos > 0 ? Buffer.from([packetId >> 8, packetId & 0xff]) : Buffer.alloc(0);
  return frame(0x30 | (qos << 1), Buffer.concat([str(t), id, Buffer.from(payload)]));
}

const PINGREQ = Buffer.from([0xc0, 0x00]);
const batch = (seq: number) => JSON.stringify({ v: 1, epoch: 1, low: 1, records: [{ seq, ts: Date.now(), data: {} }] });

// ---- the pure scanner and guard ------------------------------------------------------------------

function headersOf(...chunks: Uint8Array[]): { headers: FixedHeader[]; refusal: unknown } {
  const headers: FixedHeader[] = [];
  const scanner = new FixedHeaderScanner((h) => (headers.push(h), null));
  let refusal: unknown = null;
  for (const c of chunks) refusal = scanner.scan(c) ?? refusal;
  return { headers, refusal };
}

// The examples of MQTT 3.1.1 §2.2.3, Table 2.4, at both ends of each length of the field.
const SPEC_LENGTHS: [number, number[]][] = [
  [0, [0x00]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [16_383, [0xff, 0x7f]],
  [16_384, [0x80, 0x80, 0x01]],
  [2_097_151, [0xff, 0xff, 0x7f]],
  [2_097_152, [0x80, 0x80, 0x80, 0x01]],
  [268_435_455, [0xff, 0xff, 0xff, 0x7f]],
];

test('remaining length: the spec examples decode to their values (and the test encoder agrees)', () => {
  for (const [value, bytes] of SPEC_LENGTHS) {
    assert.equal(remainingLength(value), bytes, `encoding ${value}`);
    const { headers, refusal } = headersOf(Buffer.from([0x32, ...bytes]));
    assert.is(refusal, null);
    assert.equal(headers, [{ type: 3, remainingLength: value, headerBytes: 1 + bytes.length, start: 0 }], `decoding ${bytes}`);
  }
});

test('remaining length: a fifth length byte is malformed, and the refusal is final', () => {
  const scanner = new FixedHeaderScanner(() => null);
  const refusal = scanner.scan(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]));
  assert.is(refusal?.kind, 'malformed');
  assert.is(scanner.scan(PINGREQ), refusal, 'nothing more is read');
  // Split before the fourth byte: the same verdict.
  const { refusal: split } = headersOf(Buffer.from([0x10, 0xff, 0xff]), Buffer.from([0xff, 0xff, 0x7f]));
  assert.is((split as { kind: string }).kind, 'malformed');
});

test('frames split at every byte offset, and byte by byte, give the same headers', () => {
  const packets = [
    connectPacket('bus-1', 'bus-1', 'secret'),
    publishPacket(topic.telemetry('bus-1', 'gps'), 'x'.repeat(200), 1, 9),
    PINGREQ,
    publishPacket(topic.telemetry('bus-1', 'gps'), 'y'.repeat(20_000)),
    Buffer.from([0xe0, 0x00]),
  ];
  const stream = Buffer.concat(packets);
  const whole = headersOf(stream);
  let start = 0;
  const expected = packets.map((p) => {
    const field = [2, 3, 4, 5].find((n) => n - 1 === remainingLength(p.length - n).length)!;
    const h = { type: p[0]! >> 4, remainingLength: p.length - field, start };
    start += p.length;
    return h;
  });
  assert.equal(
    whole.headers.map(({ type, remainingLength: rl, start: s }) => ({ type, remainingLength: rl, start: s })),
    expected,
  );
  for (let k = 0; k <= stream.length; k++) {
    assert.equal(headersOf(stream.subarray(0, k), stream.subarray(k)).headers, whole.headers, `split at ${k}`);
  }
  const bytes = [...stream].map((b) => Buffer.from([b]));
  assert.equal(headersOf(...bytes).headers, whole.headers, 'byte by byte');
});

test('guard: the first packet must be a CONNECT of at most 16 KiB', () => {
  assert.is(new PacketGuard().inspect(PINGREQ)?.kind, 'preauth', 'PINGREQ first');
  assert.is(new PacketGuard().inspect(publishPacket('a/b', 'x'))?.kind, 'preauth', 'PUBLISH first');
  // Judged on the header alone: 200 MB claimed, 5 bytes sent.
  assert.is(new PacketGuard().inspect(Buffer.from([0x10, ...remainingLength(200 * 1024 * 1024)]))?.kind, 'oversize');
  const limit = PACKET_LIMITS.maxFirstPacketBytes;
  assert.is(new PacketGuard().inspect(Buffer.from([0x10, ...remainingLength(limit - 3)])), null, 'exactly 16 KiB');
  assert.is(new PacketGuard().inspect(Buffer.from([0x10, ...remainingLength(limit - 2)]))?.kind, 'oversize', 'one byte more');
  assert.is(new PacketGuard().inspect(connectPacket('bus-1', 'bus-1', 'secret')), null);
});

test('guard: at most 64 KiB before authentication, by claim and by count; afterwards only the packet size', () => {
  const connect = connectPacket('bus-1', 'bus-1', 'secret');
  const claim100k = Buffer.from([0x30, ...remainingLength(100 * 1024)]);
  const early = new PacketGuard();
  assert.is(early.inspect(Buffer.concat([connect, claim100k]))?.kind, 'preauth', 'a 100 KiB claim before authentication');
  assert.is(early.inspect(PINGREQ)?.kind, 'preauth', 'final');

  const pings = new PacketGuard();
  assert.is(pings.inspect(connect), null);
  let refusal = null;
  for (let i = 0; i < 40_000 && !refusal; i++) refusal = pings.inspect(PINGREQ);
  assert.is(refusal?.kind, 'preauth', 'many small packets add up');

  const late = new PacketGuard();
  assert.is(late.inspect(connect), null);
  late.authenticate();
  assert.is(late.inspect(claim100k), null, 'the same claim after authentication');
  assert.is(late.inspect(Buffer.alloc(100 * 1024)), null, 'its body');
  const max = PACKET_LIMITS.maxPacketBytes;
  assert.is(max, MAX_PAYLOAD_BYTES + 4096);
  const header = (size: number) => Buffer.from([0x30, ...remainingLength(size - 4)]); // 4-byte header up to 256 MB
  assert.is(late.inspect(header(max)), null, 'exactly the largest packet');
  assert.is(late.inspect(Buffer.alloc(max - 4)), null);
  assert.is(late.inspect(header(max + 1))?.kind, 'oversize', 'one byte more');
});

// ---- the real broker ------------------------------------------------------------------------------

const REFUSALS = 'tabla_broker_refusals_total';
let fleet: FleetService;
let port = 0;
const refusals = (kind: string) => fleet.metrics.get(REFUSALS, { kind });

/** A raw TCP client: everything it received, and whether the other side closed. */
class Raw {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  closed = false;
  readonly ready: Promise<void>;
  constructor() {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => this.socket.once('connect', resolve).once('error', reject));
    this.socket.on('data', (d) => (this.received = Buffer.concat([this.received, d])));
    this.socket.on('error', () => {}); // EPIPE / ECONNRESET once the broker has cut it
    this.socket.on('close', () => (this.closed = true));
  }
  /** Writes one byte per event-loop turn, so the broker reads the packets in pieces. */
  async dribble(bytes: Buffer): Promise<void> {
    for (const b of bytes) {
      this.socket.write(Buffer.from([b]));
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  async expect(bytes: number[], what: string): Promise<void> {
    await waitFor(what, () => this.received.includes(Buffer.from(bytes)));
  }
  /** Writes `total` bytes of `chunk` repeatedly, with backpressure, until done or cut off. */
  async stream(chunk: Buffer, total: number): Promise<void> {
    for (let sent = 0; sent < total && !this.socket.destroyed; sent += chunk.length) {
      if (!this.socket.write(chunk)) await new Promise((r) => (this.socket.once('drain', r), this.socket.once('close', r)));
    }
  }
}

test.before(async () => {
  fleet = await startFleet();
  port = fleet.broker!.port;
});

test.after(async () => {
  await fleet?.stop();
});

test('8 unauthenticated connections claiming a 200 MB CONNECT and streaming 8 MB each: cut at once, counted, memory bounded', async () => {
  const N = 8;
  const PER = 8 * 1024 * 1024;
  const before = refusals('oversize');
  const chunk = Buffer.alloc(64 * 1024, 0x41); // one buffer, written again and again: the sender holds nothing
  const base = process.memoryUsage();
  const peak = { rss: base.rss, arrayBuffers: base.arrayBuffers };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  const sampler = setInterval(sample, 5);
  const clients = Array.from({ length: N }, () => new Raw());
  try {
    await Promise.all(
      clients.map(async (c) => {
        await c.ready;
        c.socket.write(Buffer.from([0x10, ...remainingLength(200 * 1024 * 1024)]));
        await c.stream(chunk, PER);
      }),
    );
    sample();
  } finally {
    clearInterval(sampler);
  }
  const MB = 1024 * 1024;
  const growth = { rss: (peak.rss - base.rss) / MB, arrayBuffers: (peak.arrayBuffers - base.arrayBuffers) / MB };
  if (process.env.TABLA_TEST_LOG) process.stderr.write(`flood: peak growth rss ${growth.rss.toFixed(1)} MB, arrayBuffers ${growth.arrayBuffers.toFixed(1)} MB\n`);
  // Without the guard, the parser keeps all 64 MB until the connect timeout: both bounds fail.
  assert.ok(growth.arrayBuffers < 16, `buffers grew ${growth.arrayBuffers.toFixed(1)} MB while ${(N * PER) / MB} MB were sent`);
  assert.ok(growth.rss < 32, `rss grew ${growth.rss.toFixed(1)} MB while ${(N * PER) / MB} MB were sent`);
  // Cut by the guard, long before the connect timeout (10 s) would have dropped them.
  await waitFor('every flooding socket closed by the fleet', () => clients.every((c) => c.closed), 8000);
  assert.is(refusals('oversize') - before, N, `${N} oversize refusals counted`);
  assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200);
});

test('a CONNECT and a PUBLISH sent one byte at a time are accepted, and the telemetry is stored', async () => {
  const id = 'bus-dribble';
  const { secret } = fleet.registry.provision({ id, role: 'bus', site: 'test' });
  const counted = fleet.metrics.total(REFUSALS);
  const raw = new Raw();
  try {
    await raw.ready;
    await raw.dribble(connectPacket(id, id, secret));
    await raw.expect([0x20, 0x02, 0x00, 0x00], 'CONNACK accepted');
    await raw.dribble(publishPacket(topic.telemetry(id, 'gps'), batch(1), 1, 7));
    await raw.expect([0x40, 0x02, 0x00, 0x07], 'PUBACK 7');
    await waitFor('stored', () => storedSeqs(fleet, id, 'gps').length === 1);
    assert.equal(storedSeqs(fleet, id, 'gps'), [1]);
    assert.ok(!raw.closed, 'still connected');
    assert.is(fleet.metrics.total(REFUSALS), counted, 'nothing refused');
  } finally {
    raw.socket.destroy();
  }
});

test('before authentication: a second packet claiming 100 KiB, a first packet that is not CONNECT, a malformed length', async () => {
  const attempts: [string, Buffer][] = [
    ['preauth', Buffer.concat([connectPacket('nobody', 'nobody', 'x'), Buffer.from([0x30, ...remainingLength(100 * 1024)])])],
    ['preauth', PINGREQ],
    ['malformed', Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])],
  ];
  for (const [kind, bytes] of attempts) {
    const before = refusals(kind);
    const raw = new Raw();
    await raw.ready;
    raw.socket.write(bytes);
    await waitFor(`closed after ${kind}`, () => raw.closed);
    assert.is(refusals(kind) - before, 1, `${kind} counted`);
    assert.equal(raw.received.length, 0, 'no CONNACK: nothing was parsed');
  }
});

test('after authentication: an oversize packet cuts that device (and the fleet account) off; the fleet and other devices carry on', async () => {
  const big = 'big-1';
  const other = 'other-1';
  const bigSecret = fleet.registry.provision({ id: big, role: 'bus', site: 'test' }).secret;
  const otherSecret = fleet.registry.provision({ id: other, role: 'bus', site: 'test' }).secret;
  const bystander = await deviceClient(fleet, other, otherSecret);
  const offender = await deviceClient(fleet, big, bigSecret);
  const intruder = await fleetClient(fleet, 'big');
  try {
    const oversize = refusals('oversize');
    const publish = refusals('publish');
    let closes = 0;
    offender.on('close', () => closes++);
    intruder.on('close', () => closes++);
    offender.publish(topic.telemetry(big, 'gps'), Buffer.alloc(PACKET_LIMITS.maxPacketBytes, 0x7b), { qos: 0 });
    intruder.publish(topic.cmd(other, 'ping'), Buffer.alloc(PACKET_LIMITS.maxPacketBytes, 0x7b), { qos: 0 });
    await waitFor('both cut off', () => closes >= 2);
    await waitFor('both counted', () => refusals('oversize') - oversize === 2);
    assert.is(refusals('publish'), publish, 'Aedes never saw them');
    assert.equal(storedSeqs(fleet, big, 'gps'), []);

    assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200);
    assert.ok(fleet.mqttConnected, "the fleet's own session is untouched");
    assert.ok(bystander.connected, 'the other device is still connected');
    await bystander.publishAsync(topic.telemetry(other, 'gps'), batch(1), { qos: 1 });
    await waitFor('the other device stored', () => storedSeqs(fleet, other, 'gps').length === 1);
    // The largest payload the contract allows still passes the guard and reaches the fleet.
    const counted = fleet.metrics.total('tabla_messages_refused_total');
    await bystander.publishAsync(topic.telemetry(other, 'gps'), Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20), { qos: 1 });
    await waitFor('refused by the schema, not the broker', () => fleet.metrics.total('tabla_messages_refused_total') === counted + 1);
    assert.is(refusals('oversize') - oversize, 2);
  } finally {
    await Promise.all([bystander, offender, intruder].map((c) => c.endAsync(true)));
  }
});

test.run();
