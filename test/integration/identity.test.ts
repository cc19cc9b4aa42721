/**
 * Outbox identities and session epochs on a bad day: an old SD card put back, two boards cloned
 * from one image running at once, a replaced card that starts counting sessions at 1 again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from '../../device/agent.js';
import { deviceView, devicesTable } from '../../fleet/cli/format.js';
import { topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, burstAgent, deviceClient, provision, quiet, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

const batch = (outbox: string, low: number, seqs: number[], tag: string) =>
  JSON.stringify({ v: 1, epoch: 1, outbox, low, records: seqs.map((seq) => ({ seq, ts: Date.now(), data: { tag, seq } })) });

test('an outbox identity that comes back (old card put back, clones alternating) is filed apart without a crash, and raised as a fault', async () => {
  const fleet = await startFleet();
  let opened: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'bus-20', role: 'bus' });
    const client = (opened = await deviceClient(fleet, 'bus-20', secret));
    const acks: Record<string, number>[] = [];
    client.on('message', (_t, p) => acks.push(JSON.parse(p.toString()).streams));
    await client.subscribeAsync(topic.ack('bus-20'), { qos: 0 });
    const t = topic.telemetry('bus-20', 'gps');
    const send = async (outbox: string, low: number, seqs: number[]) => {
      const before = acks.length;
      await client.publishAsync(t, batch(outbox, low, seqs, outbox), { qos: 1 });
      await waitFor(`ack for ${outbox} ${seqs}`, () => acks.length > before);
      return acks[acks.length - 1]!.gps;
    };
    assert.is(await send('cardA', 1, [1, 2, 3]), 3);
    assert.is(await send('cardB', 1, [1, 2]), 2, 'a new card: its own marks from 1');
    assert.is(await send('cardA', 4, [4, 5]), 5, 'card A back: acked on its own marks');
    assert.is(await send('cardB', 3, [3]), 3);
    assert.is(await send('cardA', 6, [6]), 6);
    assert.is(await send('cardA', 7, [7]), 7, 'a second batch in a row from the returning card');
    assert.is(await send('cardB', 4, [4, 5, 6]), 6, 'the same seqs from the two cards are not duplicates of each other');

    const tags = (stream: string) =>
      fleet.ingest.records('bus-20', stream).map((r) => (r.data as { tag: string }).tag);
    assert.equal(storedSeqs(fleet, 'bus-20', 'gps'), [1, 2, 3, 4, 5, 6]);
    assert.ok(tags('gps').every((x) => x === 'cardB'), 'the current card keeps the stream');
    assert.equal(storedSeqs(fleet, 'bus-20', 'gps~cardA'), [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(tags('gps~cardA').every((x) => x === 'cardA'), 'the returning card is kept apart, old and new records together');
    assert.is(fleet.metrics.get('tabla_telemetry_duplicates_total'), 0);
    assert.is(fleet.metrics.get('tabla_outbox_replaced_total'), 3, 'the takeover and each return counted once, not each batch');

    const device = (await api(fleet, 'GET', '/api/devices/bus-20')).body;
    const fault = device.faults.find((f: { code: string }) => f.code === 'outbox-conflict');
    assert.ok(fault, 'a fault on the device');
    assert.match(fault.message, /re-provision one board/);
    const style = { colour: false, now: Date.now() };
    assert.match(deviceView(device, style), /^FAULTS\n  outbox-conflict  outbox cardA came back/, 'the CLI shows it first');
    assert.match(devicesTable((await api(fleet, 'GET', '/api/devices')).body, style), /outbox-conflict/);
    assert.match(await (await fetch(fleet.httpUrl + '/metrics')).text(), /tabla_device_faults\{device="bus-20",code="outbox-conflict"\} 1/);
    assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200, 'the fleet is fine');
  } finally {
    await opened?.endAsync(true);
    await fleet.stop();
  }
});

test('two agent processes from one cloned data directory: both run, the fleet keeps their records apart and says so', async () => {
  const fleet = await startFleet();
  // Every agent process started here, killed in the finally however the test ends.
  const bursts: ReturnType<typeof burstAgent>[] = [];
  const burst = (file: string, count: number) => {
    const started = burstAgent(file, count);
    bursts.push(started);
    return started;
  };
  try {
    const config = provision(fleet, 'stop-21', 'stop-display', { settings: { logLevel: 'error' } });
    const fileA = path.join(tmpDir(), 'agent.json');
    fs.writeFileSync(fileA, JSON.stringify(config));
    // The image: an agent that ran and sent 100 records, then its card was copied.
    let a = burst(fileA, 100);
    await waitFor('image drained', () => a.seen.committed === 100 && a.seen.depth === 0, 30_000);
    a.child.kill('SIGTERM');
    await a.exited;
    const cloneDir = tmpDir('tabla-stop-21-clone-');
    fs.cpSync(config.dataDir, cloneDir, { recursive: true });
    const fileB = path.join(tmpDir(), 'agent.json');
    fs.writeFileSync(fileB, JSON.stringify({ ...config, dataDir: cloneDir }));

    a = burst(fileA, 300);
    const b = burst(fileB, 300);
    await waitFor('both bursts accepted', () => a.seen.committed === 400 && b.seen.committed === 400, 60_000);
    await waitFor('both drained', () => a.seen.depth === 0 && b.seen.depth === 0, 90_000);
    const streams = (await api(fleet, 'GET', '/api/devices/stop-21')).body.streams as { stream: string; stored: number; hwm: number; gaps: number }[];
    // Each board's seqs 1..400 under its own identity: the clone's new one, and the original's. (The
    // clone also resends the image's last rows, whose deletes had not reached its disk: under its own
    // identity those are its records, not duplicates; the original's resend of them is.)
    assert.is(streams.length, 2, `two streams: the current outbox and the other kept apart (${JSON.stringify(streams)})`);
    assert.ok(streams.every((s) => s.hwm === 400 && s.stored === 400 && s.gaps === 0), 'every record of each board stored, once');
    const own = (name: string) => storedSeqs(fleet, 'stop-21', name);
    assert.equal(own(streams[0]!.stream), own(streams[1]!.stream));
    const faults = (await api(fleet, 'GET', '/api/devices/stop-21')).body.faults as { code: string }[];
    assert.ok(faults.some((f) => f.code === 'outbox-conflict'), 'the technician is told to re-provision one board');
    assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200);
  } finally {
    for (const x of bursts) x.child.kill('SIGKILL');
    await Promise.all(bursts.map((x) => x.exited));
    await fleet.stop();
  }
});

test('a replaced SD card (sessions from 1 again) is online within seconds: the fleet sends its epoch floor', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'park-22', 'parking-panel');
  let agent = new Agent({ config, log: quiet });
  try {
    // Five sessions on the old card.
    await agent.start();
    await waitFor('online', () => fleet.presence.of('park-22') === 'online');
    for (let i = 0; i < 4; i++) {
      const epoch = agent.link.epoch;
      agent.link.renew();
      await waitFor('next session', () => agent.link.epoch > epoch && fleet.presence.epoch('park-22') === agent.link.epoch);
    }
    assert.is(fleet.presence.epoch('park-22'), 5);
    await agent.stop();
    await waitFor('offline', () => fleet.presence.of('park-22') === 'offline');

    agent = new Agent({ config: { ...config, dataDir: tmpDir('tabla-park-22-new-card-') }, log: quiet });
    await agent.start();
    await waitFor('online again on the new card', () => fleet.presence.of('park-22') === 'online', 10_000);
    assert.ok(agent.link.epoch > 5, `continued above the floor (epoch ${agent.link.epoch})`);
    assert.is(fleet.presence.epoch('park-22'), agent.link.epoch);
    assert.ok(fleet.metrics.get('tabla_stale_epoch_total') >= 1, 'its first session was refused as older');
    await agent.stop();

    // The floor is on the card now: the next start needs no correction.
    const refusedBefore = fleet.metrics.get('tabla_stale_epoch_total');
    agent = new Agent({ config: { ...config, dataDir: agent.config.dataDir }, log: quiet });
    await agent.start();
    await waitFor('online after a restart', () => fleet.presence.of('park-22') === 'online');
    assert.is(fleet.metrics.get('tabla_stale_epoch_total'), refusedBefore);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
