/**
 * A full disk, for real: the agent's data directory on a tmpfs of a few MiB, filled by a file of
 * zeros until ENOSPC while the agent runs, or while it is stopped. Needs root to mount; where it
 * cannot mount, each test prints `skipped: cannot mount tmpfs (…)` and passes without asserting.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from '../../device/agent.js';
import { RESERVE_BYTES, RESERVE_FILE } from '../../device/disk-reserve.js';
import { Outbox, OutboxStorageError } from '../../device/outbox.js';
import { openDatabase } from '../../device/store.js';
import { FleetState, OutboxConfig, createLogger, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { fleetClient, provision, quiet, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

// Anything thrown from a timer (an ack delete, an expiry, a maintenance tick) lands here and fails the test.
const uncaught: unknown[] = [];
process.on('uncaughtException', (err) => uncaught.push(err));
process.on('unhandledRejection', (err) => uncaught.push(err));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `body` on a fresh tmpfs of `size`, unmounted after; skipped (and said so) where mounting is not allowed. */
function onTmpfs(name: string, size: string, body: (dir: string) => Promise<void>) {
  test(name, async () => {
    const dir = tmpDir('tabla-tmpfs-');
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
    if (mount.status !== 0) {
      console.log(`skipped: cannot mount tmpfs (${(mount.stderr || mount.error?.message || `exit ${mount.status}`).trim()})`);
      return;
    }
    uncaught.length = 0;
    try {
      await body(dir);
      assert.equal(uncaught, [], 'nothing thrown uncaught');
    } finally {
      if (spawnSync('umount', [dir]).status !== 0) {
        console.log(`warning: ${dir} still busy (a database left open?): lazy unmount`);
        spawnSync('umount', ['-l', dir]);
      }
    }
  });
}

/** Writes zeros to `dir/filler` until the file system has no byte left; returns the file. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'a');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 1]) {
      const zeros = Buffer.alloc(size);
      try {
        for (;;) fs.writeSync(fd, zeros);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Appends until one is refused for want of room (pushing the seqs accepted); fails if none is. */
async function untilRefused(append: () => Promise<number>, accepted: number[]): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    try {
      accepted.push(await append());
    } catch (err) {
      assert.instance(err, OutboxStorageError);
      return;
    }
  }
  assert.unreachable('the full disk never refused an append');
}

const free = (dir: string) => {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
};
/** What the heartbeat says of the outbox module. */
const outboxStatus = (agent: Agent) => agent.state().modules?.['outbox'];
const reserveSize = (dataDir: string) => fs.statSync(path.join(dataDir, RESERVE_FILE), { throwIfNoEntry: false })?.size ?? 0;
const streams = { alarm: { priority: 0, whenFull: 'reject-new' as const }, gps: { priority: 5, whenFull: 'drop-oldest' as const } };

onTmpfs(
  'a disk that fills up under a running agent: reject-new refuses, drop-oldest makes room (counted), the link stays up, all it accepted is drained, the heartbeat says disk full, and it heals by itself',
  '4m',
  async (dir) => {
    const fleet = await startFleet();
    const config = provision(fleet, 'bus-df1', 'bus', { dataDir: path.join(dir, 'agent'), outbox: { streams, ackCommitDelayMs: 100 } });
    const agent = new Agent({ config, log: quiet, maintenanceMs: 200 });
    const accepted = { alarm: [] as number[], gps: [] as number[] };
    const refused = { alarm: 0, gps: 0 };
    const wrong: unknown[] = [];
    const inFlight = new Set<Promise<unknown>>();
    let phase: 'before' | 'full' | 'healed' = 'before';
    const acceptedWhileFull = { alarm: 0, gps: 0 };
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        const stream = i % 4 === 0 ? 'alarm' : 'gps';
        const p = agent.record(stream, { i, pad: 'x'.repeat(300) }).then(
          (seq) => {
            accepted[stream].push(seq);
            if (phase === 'full') acceptedWhileFull[stream]++;
          },
          (err) => (err instanceof OutboxStorageError ? refused[stream]++ : wrong.push(err)),
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        if (i % 5 === 4) await sleep(10);
      }
    })();
    try {
      await agent.start();
      await waitFor('online and draining', () => fleet.presence.of('bus-df1') === 'online' && agent.link.fleetOnline);
      assert.is(reserveSize(config.dataDir), RESERVE_BYTES, 'the agent keeps its disk reserve');
      await waitFor('some records through', () => accepted.alarm.length >= 50);

      const filler = fill(dir);
      await waitFor('the outbox sees the full disk', () => agent.outbox.trouble() === 'disk full' && refused.alarm > 0);
      phase = 'full';
      assert.is(reserveSize(config.dataDir), 0, 'the reserve went to SQLite');
      const droppedBefore = agent.outbox.stats().dropped;
      await sleep(1500); // the agent keeps appending, draining and acking on the full disk
      assert.ok(agent.link.connected, 'still connected');
      assert.equal(outboxStatus(agent), { status: 'degraded', error: 'disk full' });
      assert.is(acceptedWhileFull.alarm, 0, 'reject-new accepts nothing while the disk is full');
      const dropped = agent.outbox.stats().dropped - droppedBefore;
      assert.ok(dropped <= acceptedWhileFull.gps, `drop-oldest dropped one row at most for each it took (${dropped} ≤ ${acceptedWhileFull.gps})`);
      assert.ok(acceptedWhileFull.gps + refused.gps > 0, 'gps records were offered while full');

      fs.unlinkSync(filler);
      await waitFor('healed by itself', () => outboxStatus(agent)?.status === 'ok', 10_000);
      phase = 'healed';
      await waitFor('reserve back', () => reserveSize(config.dataDir) === RESERVE_BYTES, 5000);
      accepted.alarm.push(await agent.record('alarm', { after: 'healed' })); // a new append succeeds

      producing = false;
      await producer;
      await Promise.all(inFlight);
      assert.equal(wrong, [], 'no error but OutboxStorageError');
      await waitFor('drained', () => agent.outbox.depth() === 0, 20_000);
      await waitFor('every accepted alarm stored', () => storedSeqs(fleet, 'bus-df1', 'alarm').length === accepted.alarm.length, 10_000);
      assert.equal(storedSeqs(fleet, 'bus-df1', 'alarm'), [...accepted.alarm].sort((a, b) => a - b), 'alarms: exactly what was accepted');
      const gps = new Set(storedSeqs(fleet, 'bus-df1', 'gps'));
      const missing = accepted.gps.filter((s) => !gps.has(s));
      assert.ok(missing.length <= agent.outbox.stats().dropped, `gps: only rows dropped to make room are missing (${missing.length})`);
      assert.ok(agent.outbox.storageErrors > 0);
    } finally {
      producing = false;
      await producer;
      await agent.stop();
      await fleet.stop();
    }
  },
);

/** Stops an agent on a full disk, or fills it while stopped; a new agent on the same data directory must come up. */
async function restartOnFullDisk(dir: string, variant: 'stopped while full' | 'filled while stopped') {
  const fleet = await startFleet();
  let opened: MqttClient | null = null;
  let started: Agent | null = null;
  try {
    const id = variant === 'stopped while full' ? 'bus-df2' : 'bus-df3';
    // Ack deletes wait long, so that only the agent's own maintenance can find the disk healed in time.
    const config = provision(fleet, id, 'bus', { dataDir: path.join(dir, 'agent'), outbox: { streams, ackCommitDelayMs: 60_000 } });
    const fc = (opened = await fleetClient(fleet));
    const fleetState = (status: 'online' | 'offline') =>
      fc.publishAsync(topic.fleetState(), encode(FleetState, { v: 1, ts: Date.now(), status }), { qos: 1, retain: true });
    const logs: string[] = [];
    const log = createLogger(id, { level: 'debug', sink: (line) => logs.push(line) });
    let agent = (started = new Agent({ config, log: quiet, maintenanceMs: 200 }));
    const accepted: { alarm: number[]; gps: number[] } = { alarm: [], gps: [] };
    await agent.start();
    await waitFor('online', () => agent.link.fleetOnline);
    await fleetState('offline');
    await waitFor('the agent holds its records', () => !agent.link.fleetOnline);
    for (let i = 0; i < 300; i++) {
      const stream = i % 3 === 0 ? 'alarm' : 'gps';
      accepted[stream].push(await agent.record(stream, { i, pad: 'x'.repeat(200) }));
    }
    let filler: string;
    if (variant === 'stopped while full') {
      filler = fill(dir);
      // SQLite may still fit a few commits in what its files hold (the WAL's last page, a WAL
      // started over after a checkpoint): appends go on until the disk refuses one.
      await untilRefused(() => agent.record('alarm', { late: true }), accepted.alarm);
      assert.is(agent.outbox.trouble(), 'disk full');
      await agent.stop();
      fill(dir); // and whatever the stop freed (a checkpoint, the WAL) is taken too
    } else {
      await agent.stop();
      filler = fill(dir);
    }
    assert.ok(free(dir) < 4096, `the disk is full (${free(dir)} bytes free)`);
    // A clean close (a checkpoint that went through) removed SQLite's -wal and -shm: opening needs room for them.
    const walGone = !fs.existsSync(path.join(config.dataDir, 'agent.db-wal'));

    agent = started = new Agent({ config, log, maintenanceMs: 200 }); // must not throw
    const said = (text: string) => logs.some((l) => l.includes(text));
    if (variant === 'filled while stopped') {
      assert.ok(walGone && said('cannot open the database') && !said('exclusive mode'), 'opened once the reserve was released');
    } else if (walGone) {
      assert.ok(said('reserveReleased=0') && said('exclusive mode'), 'no reserve left: opened in exclusive mode');
    }
    await agent.start();
    await waitFor('online again', () => fleet.presence.of(id) === 'online' && agent.link.connected);
    assert.is(agent.outbox.depth(), accepted.alarm.length + accepted.gps.length, 'it holds what the last run accepted');
    if (variant === 'filled while stopped') assert.ok(logs.some((l) => l.includes('cannot open the database')), 'the reserve was needed to open');
    await waitFor('degraded: disk full', () => outboxStatus(agent)?.error === 'disk full', 5000);
    await fleetState('online');
    await waitFor('drained', () => agent.outbox.depth() === 0, 20_000);
    for (const stream of ['alarm', 'gps'] as const) {
      await waitFor(`${stream} stored`, () => storedSeqs(fleet, id, stream).length === accepted[stream].length);
      assert.equal(storedSeqs(fleet, id, stream), accepted[stream], `${stream}: every accepted record`);
    }

    fs.unlinkSync(filler);
    await waitFor('healed by itself', () => outboxStatus(agent)?.status === 'ok', 10_000);
    const seq = await agent.record('alarm', { after: 'healed' });
    await waitFor('new record stored', () => storedSeqs(fleet, id, 'alarm').includes(seq));
    await waitFor('reserve back', () => reserveSize(config.dataDir) === RESERVE_BYTES, 5000);
  } finally {
    await started?.stop();
    await opened?.endAsync();
    await fleet.stop();
  }
}

onTmpfs('restart on a disk that filled while the agent was stopped: it opens its database with the reserve, connects, drains, heals', '4m', (dir) =>
  restartOnFullDisk(dir, 'filled while stopped'),
);

onTmpfs('restart after a stop on a full disk, no reserve left: it still opens its database, connects, drains, heals', '4m', (dir) =>
  restartOnFullDisk(dir, 'stopped while full'),
);

onTmpfs('on a full disk, TTL expiry and ack deletes fail without throwing (from their timers too) and go through once there is room', '2m', async (dir) => {
  let now = Date.now();
  const file = path.join(dir, 'agent.db');
  const db = openDatabase(file);
  const config = OutboxConfig.parse({ ackCommitDelayMs: 50, streams: { logs: { ttlS: 60 }, probe: { whenFull: 'reject-new' } } });
  const outbox = new Outbox(db, { config, now: () => now, freeBytes: () => free(dir) });
  const other = openDatabase(file); // what is really in SQLite
  const rows = () => (other.prepare('SELECT count(*) AS n FROM outbox_pending').get() as { n: number }).n;
  try {
    // Records of a few KiB: deleting ten of them changes more pages than SQLite could still fit.
    const pad = 'x'.repeat(3000);
    for (let i = 0; i < 20; i++) await outbox.append('gps', { i, pad });
    for (let i = 0; i < 10; i++) await outbox.append('logs', { i, pad });
    const filler = fill(dir);
    const probes: number[] = [];
    await untilRefused(() => outbox.append('probe', { pad }), probes);

    now += 61_000; // the logs are past their TTL
    assert.is(outbox.trouble(), 'disk full');
    assert.is(outbox.expire(), 0, 'expiry refused by the disk: nothing dropped, nothing thrown');
    assert.is(outbox.ack('gps', 10), 10, 'an ack takes effect in memory');
    const errors = outbox.storageErrors;
    await sleep(400); // several ack-delete timers fire and fail
    assert.ok(outbox.storageErrors >= errors + 2, `ack deletes retried (${outbox.storageErrors - errors} tries)`);
    assert.is(rows(), 30 + probes.length, 'nothing deleted yet');
    assert.is(outbox.depth(), 20);
    assert.equal(uncaught, []);

    fs.unlinkSync(filler);
    await waitFor('the ack deletes go through', () => rows() === 20 + probes.length, 5000);
    assert.is(outbox.trouble(), null, 'healed');
    assert.is(outbox.expire(), 10, 'the expiry goes through');
    assert.is(rows(), 10 + probes.length);
    assert.is(outbox.stats().dropped, 10);
  } finally {
    outbox.close();
    other.close();
    db.close();
  }
});

test.run();
