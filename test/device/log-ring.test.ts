/**
 * The agent's log ring (device/log-ring.ts) and its shipper (device/log-ship.ts): lines kept in a
 * real SQLite file with their module, across an agent restart on the same data dir; the bounds in
 * rows and bytes; the levels kept; and the follow's rate limit under a burst.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import type { AgentModule } from '../../device/module.js';
import { LogRing, ringLogger } from '../../device/log-ring.js';
import { LogRateLimit, LogShipper } from '../../device/log-ship.js';
import { LogRecord, createLogger } from '../../protocols/index.js';
import { provision, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

const silent = () => createLogger('dev-1', { level: 'info', sink: () => {} });

function openRing(options: ConstructorParameters<typeof LogRing>[0] = {}) {
  const db = new Database(path.join(tmpDir('tabla-ring-'), 'agent.db'));
  const ring = new LogRing(options);
  ring.open(db);
  return { db, ring };
}

test('lines carry the module that wrote them: the child names below the root, `agent` for the root', () => {
  const { db, ring } = openRing();
  const log = ringLogger(silent(), ring);
  log.info('agent started', { depth: 0 });
  log.child('link').warn('disconnected', { error: 'ECONNREFUSED' });
  log.child('departures').child('epaper').error('refresh failed');
  ring.flush();
  const { lines } = ring.slice({ since: 0, limit: 10 });
  assert.equal(
    lines.map((l) => [l.module, l.level, l.msg]),
    [
      ['agent', 'info', 'agent started'],
      ['link', 'warn', 'disconnected'],
      ['departures/epaper', 'error', 'refresh failed'],
    ],
  );
  assert.equal(lines[1]!.fields, { error: 'ECONNREFUSED' });
  assert.ok(lines[0]!.line < lines[1]!.line && lines[1]!.line < lines[2]!.line, 'numbered in order');
  db.close();
});

test('keeps info and above; debug only while the logger itself is at debug; the console still gets what it asked for', () => {
  const { db, ring } = openRing();
  const console: string[] = [];
  const base = createLogger('dev-1', { level: 'warn', sink: (l) => console.push(l) });
  const log = ringLogger(base, ring);
  log.info('kept though the console is at warn');
  log.debug('not kept');
  log.level = 'debug';
  log.debug('kept now', { n: 1 });
  ring.flush();
  assert.equal(
    ring.slice({ since: 0, limit: 10 }).lines.map((l) => l.msg),
    ['kept though the console is at warn', 'kept now'],
  );
  assert.is(console.length, 1, 'the console at warn did not print the info line; at debug it printed the debug one');
  assert.match(console[0]!, /debug dev-1: kept now n=1/);
  db.close();
});

test('bounded in rows: past the bound the oldest go, down to 90 %; line numbers are never reused', () => {
  const { db, ring } = openRing({ maxRows: 100 });
  const log = ringLogger(silent(), ring);
  for (let i = 1; i <= 250; i++) log.info(`line ${i}`);
  ring.flush();
  const n = (db.prepare('SELECT count(*) AS n FROM log_ring').get() as { n: number }).n;
  assert.ok(n <= 100 && n >= 90, `between 90 and 100 rows, was ${n}`);
  assert.is(ring.stats().rows, n);
  const { lines } = ring.slice({ since: 0, limit: 1000 });
  assert.is(lines[lines.length - 1]!.msg, 'line 250', 'the newest kept');
  assert.is(lines[0]!.msg, `line ${251 - n}`, 'the oldest gone');
  assert.is(ring.stats().evicted, 250 - n);
  assert.is(ring.lastLine(), 250);
  db.close();
});

test('bounded in bytes: long lines take the room of many short ones', () => {
  const { db, ring } = openRing({ maxBytes: 20_000 });
  const log = ringLogger(silent(), ring);
  for (let i = 0; i < 100; i++) log.warn('x'.repeat(900), { i });
  ring.flush();
  const bytes = (db.prepare('SELECT sum(bytes) AS b, count(*) AS n FROM log_ring').get() as { b: number; n: number });
  assert.ok(bytes.b <= 20_000, `at most 20,000 bytes, was ${bytes.b}`);
  assert.ok(bytes.n < 25 && bytes.n > 15, `about 20 lines of ~950 bytes, was ${bytes.n}`);
  assert.equal(ring.slice({ since: 0, limit: 1 }).lines[0]!.fields, { i: 99 });
  db.close();
});

function circular(): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  c.self = c;
  return c;
}

test('a message and fields too long are cut, a line that cannot be serialised is still kept', () => {
  const { db, ring } = openRing();
  const log = ringLogger(silent(), ring);
  log.warn('m'.repeat(5000), { big: 'f'.repeat(10_000) });
  ring.write({ ts: Date.now(), level: 'warn', module: 'x', msg: 'circular', fields: circular() });
  ring.flush();
  const [long, circ] = ring.slice({ since: 0, limit: 10 }).lines;
  assert.is(long!.msg.length, 1000);
  assert.ok(LogRecord.safeParse({ module: long!.module, level: long!.level, msg: long!.msg, fields: long!.fields }).success, 'fits the log stream');
  assert.ok(typeof long!.fields!.truncated === 'string');
  assert.ok(typeof circ!.fields!.unserialisable === 'string');
  db.close();
});

test('the ring survives an agent restart on the same data dir; a module logs under its own name', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-ring-1', 'stop-display');
  const talker: AgentModule = {
    name: 'talker',
    start(ctx) {
      ctx.log.warn('panel cold, refresh slower', { tempC: -12 });
    },
    stop() {},
  };
  try {
    const first = new Agent({ config, log: quiet, modules: [talker] });
    await first.start();
    first.log.child('watchdog').error('feeding late', { ms: 1200 });
    await first.stop();

    const second = new Agent({ config, log: quiet });
    try {
      const { lines } = second.logRing.slice({ since: 0, limit: 1000 });
      const talked = lines.find((l) => l.msg === 'panel cold, refresh slower');
      assert.ok(talked, `the module's line is there after the restart: ${JSON.stringify(lines.map((l) => l.msg))}`);
      assert.is(talked!.module, 'talker');
      assert.equal(talked!.fields, { tempC: -12 });
      assert.is(lines.find((l) => l.msg === 'feeding late')?.module, 'watchdog');
      assert.is(lines.find((l) => l.msg === 'agent started')?.module, 'agent');
      second.log.info('second life');
      assert.ok(second.logRing.lastLine() > Math.max(...lines.map((l) => l.line)), 'numbers go on after the restart');
    } finally {
      await second.stop();
    }
  } finally {
    await fleet.stop();
  }
});

test('rate limit: a bucket of lines and bytes per second, refilled with time', () => {
  const b = new LogRateLimit(10, 1000, 2, 0);
  let n = 0;
  while (b.take(10, 0)) n++;
  assert.is(n, 20, 'a burst of two seconds of lines');
  assert.not.ok(b.take(10, 50), 'half a line refilled in 50 ms is not a line');
  assert.ok(b.take(10, 100), 'one line back after 100 ms');
  const bytes = new LogRateLimit(1000, 1000, 1, 0);
  assert.ok(bytes.take(600, 0));
  assert.not.ok(bytes.take(600, 0), 'the bytes run out before the lines');
  assert.ok(bytes.take(600, 300));
});

test('follow under a burst ships no more than the bucket allows and one note of the rest; slices are bounded', async () => {
  const { db, ring } = openRing();
  let mono = 0;
  const shipped: { r: LogRecord; ts: number }[] = [];
  const shipper = new LogShipper({
    ring,
    record: async (r, ts) => (shipped.push({ r, ts }), shipped.length),
    now: () => 1_800_000_000_000 + mono,
    mono: () => mono,
    log: silent(),
    options: { linesPerS: 10, bytesPerS: 100_000, burstS: 2, maxSliceLines: 50 },
  });
  const log = ringLogger(silent(), ring);
  log.info('before the follow');
  assert.equal(shipper.follow({ forS: 30 }).following, true);
  for (let i = 0; i < 500; i++) log.info(`burst ${i}`);
  ring.flush();
  assert.is(shipped.length, 20, 'the burst allowance, no more');
  assert.ok(shipped.every((s) => LogRecord.safeParse(s.r).success), 'every record fits the log stream');
  assert.is(shipped[0]!.r.msg, 'burst 0');
  mono += 1000; // ten lines' worth of room again
  log.info('after the burst');
  ring.flush();
  const note = shipped[20]!.r;
  assert.is(note.msg, '… 480 lines dropped (rate limit)');
  assert.equal(note.fields, { dropped: 480 });
  assert.is(note.line, undefined);
  assert.is(shipped[21]!.r.msg, 'after the burst');
  assert.is(shipper.droppedTotal, 480);

  shipper.follow({ forS: 0 });
  log.info('not followed any more');
  ring.flush();
  assert.is(shipped.length, 22);

  shipped.length = 0;
  const answer = shipper.slice({ since: 0, limit: 1000 });
  assert.is(answer.lines, 50, 'at most maxSliceLines');
  assert.ok(answer.more);
  assert.is(shipped[49]!.r.msg, 'not followed any more', 'the newest lines');
  assert.throws(() => shipper.slice({ since: 'yesterday' }), /args.since/);
  assert.throws(() => shipper.follow({ forS: -1 }), /args.forS/);
  shipper.stop();
  db.close();
});

test('a follow ends by itself, with the note of what it dropped', async () => {
  const { db, ring } = openRing();
  let mono = 0;
  const shipped: LogRecord[] = [];
  const shipper = new LogShipper({
    ring,
    record: async (r) => shipped.push(r),
    now: () => Date.now(),
    mono: () => mono,
    log: silent(),
    options: { linesPerS: 1, burstS: 1 },
  });
  const log = ringLogger(silent(), ring);
  shipper.follow({ forS: 5 });
  for (let i = 0; i < 4; i++) log.info(`l${i}`);
  ring.flush();
  assert.equal(shipped.map((r) => r.msg), ['l0']);
  mono += 6000;
  log.info('after the end');
  ring.flush();
  assert.equal(shipped.map((r) => r.msg), ['l0', '… 3 lines dropped (rate limit)']);
  assert.not.ok(shipper.following);
  await waitFor('nothing more', () => shipped.length === 2);
  shipper.stop();
  db.close();
});

test.run();
