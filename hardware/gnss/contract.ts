/**
 * What every GnssReceiver must do, as uvu tests (aedes-persistence's `abstract.js` style): a
 * driver's test file runs them in one line, `gnssContract('replay of a gpsd log', factory)`.
 *
 * The factory gets a fresh temp dir and whether the receiver's bytes should be hostile (binary
 * noise and bad checksums among the good sentences); it returns the receiver, how many fixes it
 * will give at least, and for a driver on a transport, `deliver()` to send the bytes once it has
 * started and `close()` to take the transport down. The same assertions then run on the serial
 * driver over a pty pair, on a replayed log and on the simulated bus.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GnssFix } from '../../protocols/index.js';
import type { GnssReceiver, GnssStats } from './gnss.js';

export interface GnssSetup {
  /** A fresh directory for this test's files, removed after the test. */
  root: string;
  /** True: noise and sentences with bad checksums come between the good ones. */
  hostile: boolean;
}

export interface GnssUnderTest {
  gnss: GnssReceiver;
  /** Fixes that will come, at least, within a few seconds of start() (and deliver()). */
  minFixes: number;
  /** Sends the receiver's bytes once it has started, for a driver on a transport; resolves when sent. */
  deliver?(): Promise<void>;
  /** Takes down what the factory made (a socat, say); called after stop(). */
  close?(): Promise<void>;
}

export type GnssFactory = (setup: GnssSetup) => GnssUnderTest | Promise<GnssUnderTest>;

/** How long the contract waits for the fixes a setup promised. */
const FIX_WAIT_MS = 15_000;

export function gnssContract(name: string, factory: GnssFactory): void {
  const test = suite(`gnss contract: ${name}`);

  async function withGnss(hostile: boolean, run: (u: GnssUnderTest, fixes: GnssFix[]) => Promise<void>): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-gnss-'));
    let under: GnssUnderTest | undefined;
    try {
      under = await factory({ root, hostile });
      const fixes: GnssFix[] = [];
      under.gnss.onFix((fix) => fixes.push(fix));
      await run(under, fixes);
    } finally {
      await under?.gnss.stop();
      await under?.close?.();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  async function startAndCollect(u: GnssUnderTest, fixes: GnssFix[]): Promise<void> {
    await u.gnss.start();
    await u.deliver?.();
    await until(`${u.minFixes} fixes`, () => fixes.length >= u.minFixes);
  }

  test('fixes arrive in time order, each with its fields in range', () =>
    withGnss(false, async (u, fixes) => {
      assert.ok(u.minFixes >= 2, 'a setup must promise at least two fixes');
      await startAndCollect(u, fixes);
      assertFixesValid(fixes);
    }));

  test('stats count what happened: fixes as the listeners got them, sentences, when, connected', () =>
    withGnss(false, async (u, fixes) => {
      const before = u.gnss.stats();
      assert.is(before.fixes, 0);
      assert.is(before.lastFixAt, null);
      assert.is(before.connected, false);
      const startedAt = Date.now();
      await startAndCollect(u, fixes);
      const during = u.gnss.stats();
      assert.is(during.connected, true);
      await u.gnss.stop();
      const after = u.gnss.stats();
      assert.is(after.connected, false);
      assert.is(after.fixes, fixes.length, 'stats().fixes is not the number of fixes the listener got');
      assert.ok(after.sentences >= after.fixes, `${after.sentences} sentences for ${after.fixes} fixes`);
      assert.ok(after.lastFixAt !== null && !Number.isNaN(Date.parse(after.lastFixAt)), `lastFixAt ${after.lastFixAt}`);
      assert.ok(Date.parse(after.lastFixAt!) >= startedAt - 1000 && Date.parse(after.lastFixAt!) <= Date.now() + 1000, `lastFixAt ${after.lastFixAt} is not when the fix came`);
      assert.is(after.noiseBytes, 0, 'clean input counted as noise');
      assertCounts(after);
      // A fresh copy: a caller's change does not leak into the receiver.
      after.rejected.invented = 5;
      after.fixes = -1;
      assert.not.ok('invented' in u.gnss.stats().rejected);
      assert.is(u.gnss.stats().fixes, fixes.length);
    }));

  test('noise and bad checksums never throw: they are counted, and the good sentences still give fixes', () =>
    withGnss(true, async (u, fixes) => {
      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown) => uncaught.push(err);
      process.on('uncaughtException', onUncaught);
      try {
        await startAndCollect(u, fixes);
        await u.gnss.stop();
      } finally {
        process.off('uncaughtException', onUncaught);
      }
      assert.equal(uncaught, []);
      assertFixesValid(fixes);
      const stats = u.gnss.stats();
      assertCounts(stats);
      assert.ok(stats.noiseBytes > 0, `no noise counted: ${JSON.stringify(stats)}`);
      assert.ok((stats.rejected.checksum ?? 0) > 0, `no bad checksum counted: ${JSON.stringify(stats.rejected)}`);
    }));

  test('stop() leaves no timer, file or port open, and no fix comes after it', () =>
    withGnss(false, async (u, fixes) => {
      await settle();
      const handlesBefore = activeResources();
      const fdsBefore = openFiles();
      await startAndCollect(u, fixes);
      await u.gnss.stop();
      await u.gnss.stop(); // twice is fine
      const count = fixes.length;
      await settle();
      const leftHandles = leaked(handlesBefore, activeResources());
      assert.equal(leftHandles, [], `still active after stop(): ${leftHandles.join(', ')}`);
      const leftFiles = [...openFiles()].filter((f) => !fdsBefore.has(f));
      assert.equal(leftFiles, [], `still open after stop(): ${leftFiles.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.is(fixes.length, count, 'fixes came after stop()');
    }));

  test('start() after stop() goes on: connected again, counts run on, fixes still in time order', () =>
    withGnss(false, async (u, fixes) => {
      await startAndCollect(u, fixes);
      await u.gnss.stop();
      const before = u.gnss.stats();
      await u.gnss.start();
      assert.is(u.gnss.stats().connected, true, 'not connected after the second start()');
      await u.deliver?.();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await u.gnss.stop();
      const after = u.gnss.stats();
      assert.is(after.connected, false);
      assert.ok(after.sentences > before.sentences, 'nothing read after the second start()');
      assert.ok(after.fixes >= before.fixes);
      assert.is(after.fixes, fixes.length);
      assertFixesValid(fixes);
    }));

  test('a listener that throws is contained; the others still get every fix; removed listeners get none', () =>
    withGnss(false, async (u, fixes) => {
      let thrown = 0;
      u.gnss.onFix(() => {
        thrown++;
        throw new Error('a faulty consumer');
      });
      let removedGot = 0;
      const remove = u.gnss.onFix(() => removedGot++);
      remove();
      remove(); // twice is fine
      await startAndCollect(u, fixes);
      await u.gnss.stop();
      assert.is(thrown, fixes.length);
      assert.is(removedGot, 0);
      assert.is(u.gnss.stats().fixes, fixes.length);
    }));

  test.run();
}

/**
 * A receiver's log made hostile, for a hostile setup: a burst of `noise` (say the SiRF binary of
 * gpsd's bu303 logs) after every `every`th line, and a wrong checksum on every `every`th sentence
 * (another one). Comment lines (`#`) are left out; lines end in CRLF.
 */
export function hostileNmea(log: string, noise: Uint8Array, every = 5): Buffer {
  const parts: Buffer[] = [];
  const lines = log.split(/\r?\n/).filter((l) => l.length > 0 && !l.startsWith('#'));
  lines.forEach((line, i) => {
    let text = line;
    if (i % every === 2 && /\*[0-9A-F]{2}$/i.test(line)) {
      const last = parseInt(line.slice(-1), 16) ^ 1;
      text = line.slice(0, -1) + last.toString(16).toUpperCase();
    }
    parts.push(Buffer.from(`${text}\r\n`, 'latin1'));
    if (i % every === 0 && noise.length > 0) {
      const at = (i * 97) % Math.max(1, noise.length - 64);
      parts.push(Buffer.from(noise.subarray(at, at + 64)));
    }
  });
  return Buffer.concat(parts);
}

/** Every fix in range, each strictly after the one before. */
export function assertFixesValid(fixes: readonly GnssFix[]): void {
  let last = Number.NEGATIVE_INFINITY;
  for (const f of fixes) {
    const at = Date.parse(f.time);
    const where = JSON.stringify(f);
    assert.ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(f.time), `time is not ISO UTC: ${where}`);
    assert.ok(at > last, `not after the fix before: ${where}`);
    last = at;
    assert.ok(Number.isFinite(f.lat) && Math.abs(f.lat) <= 90, `lat: ${where}`);
    assert.ok(Number.isFinite(f.lon) && Math.abs(f.lon) <= 180, `lon: ${where}`);
    assert.ok(f.fix === '2d' || f.fix === '3d', `fix: ${where}`);
    if (f.speed !== undefined) assert.ok(Number.isFinite(f.speed) && f.speed >= 0, `speed: ${where}`);
    if (f.course !== undefined) assert.ok(Number.isFinite(f.course) && f.course >= 0 && f.course < 360, `course: ${where}`);
    if (f.hdop !== undefined) assert.ok(Number.isFinite(f.hdop) && f.hdop >= 0, `hdop: ${where}`);
    if (f.sats !== undefined) assert.ok(Number.isSafeInteger(f.sats) && f.sats >= 0, `sats: ${where}`);
    if (f.alt !== undefined) assert.ok(Number.isFinite(f.alt), `alt: ${where}`);
  }
}

function assertCounts(s: GnssStats): void {
  for (const [k, v] of [['sentences', s.sentences], ['fixes', s.fixes], ['noiseBytes', s.noiseBytes], ...Object.entries(s.rejected)] as const) {
    assert.ok(Number.isSafeInteger(v) && v >= 0, `${k} is ${v}`);
  }
  for (const reason of Object.keys(s.rejected)) assert.ok(reason.length > 0 && reason.length <= 40, `reason ${JSON.stringify(reason)}`);
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + FIX_WAIT_MS;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${FIX_WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets closes and reads in flight finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Active handles and requests by kind (ref'd timers show as 'Timeout'). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function leaked(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind, n]) => `${kind} ×${n - (before.get(kind) ?? 0)}`);
}

/** What this process's file descriptors point at (Linux); empty where /proc is not there. */
function openFiles(): Set<string> {
  const out = new Set<string>();
  let fds: string[] = [];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      // Sockets, pipes and event fds come and go with the runtime; files and devices are ours.
      if (target.startsWith('/')) out.add(target);
    } catch {
      // gone meanwhile (the readdir's own fd)
    }
  }
  return out;
}
