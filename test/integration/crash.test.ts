import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { burstAgent, provision, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

function kill9(child: ChildProcess) {
  child.kill('SIGKILL');
}

test('an agent killed with kill -9 mid-burst: database intact, every accepted record reaches the fleet exactly once', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'bus-9', 'bus', { settings: { logLevel: 'error' } });
  const file = path.join(tmpDir(), 'agent.json');
  fs.writeFileSync(file, JSON.stringify(config));
  let run = burstAgent(file, 200_000);
  try {
    // Kill it while it is still appending and draining, well into the burst.
    await waitFor('burst under way and draining', () => run.seen.committed >= 5000 && storedSeqs(fleet, 'bus-9', 'gps').length > 0, 30_000, 5);
    const storedBefore = storedSeqs(fleet, 'bus-9', 'gps').length;
    kill9(run.child);
    assert.is(await run.exited, -1, 'killed by a signal');
    const accepted = run.seen.committed;
    assert.ok(accepted < 200_000 && storedBefore > 0, `the kill came mid-burst (${storedBefore} stored, ${accepted} accepted)`);

    const db = new Database(path.join(config.dataDir, 'agent.db'));
    assert.is(db.pragma('integrity_check', { simple: true }), 'ok');
    const pending = (db.prepare('SELECT count(*) AS n FROM outbox_pending').get() as { n: number }).n;
    db.close();

    run = burstAgent(file, 0);
    await waitFor('restarted agent drains', () => run.seen.depth === 0, 60_000);
    const seqs = storedSeqs(fleet, 'bus-9', 'gps');
    assert.ok(seqs.length >= accepted, `every accepted record stored (${seqs.length} ≥ ${accepted}; ${pending} were pending at the kill)`);
    assert.is(seqs[0], 1);
    assert.is(seqs[seqs.length - 1], seqs.length, 'contiguous 1..N: nothing lost, nothing stored twice');
    const data = fleet.ingest.records('bus-9', 'gps');
    assert.ok(data.every((r) => (r.data as { i: number }).i === r.seq - 1), 'each seq carries its own record');
  } finally {
    kill9(run.child);
    await run.exited;
    await fleet.stop();
  }
});

test.run();
