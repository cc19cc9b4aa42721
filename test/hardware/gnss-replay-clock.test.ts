/**
 * A replay at `rate: 'clock'`: a log written ahead with the times its fixes are to carry (the demo's
 * buses) is played in step with the wall clock — each fix when the clock reaches its time, the
 * fixes already past skipped, and a replay started again picks up where the clock is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGnss, type GnssFix } from '../../hardware/gnss/gnss.js';
import { assertFixesValid } from '../../hardware/gnss/contract.js';
import { epochSentences } from '../../hardware/gnss/talker.js';
import { tmpDir } from '../helpers.js';

const clock = suite("replay at rate 'clock': each fix at its own time by the wall clock");

const STEP_MS = 250;

/** A log of a bus creeping north-east, one epoch every STEP_MS from `fromMs` to `toMs`. */
function writeLog(fromMs: number, toMs: number): string {
  const lines: string[] = [];
  for (let t = fromMs, k = 0; t <= toMs; t += STEP_MS, k++) {
    lines.push(...epochSentences({ timeMs: t, lat: 46.3594 + k * 1e-5, lon: 15.1105 + k * 1e-5, speedMps: 5, courseDeg: 35, altitudeM: 400, sats: 9, hdop: 0.9 }));
  }
  const file = path.join(tmpDir('tabla-replay-clock-'), 'bus.nmea');
  fs.writeFileSync(file, lines.join(''));
  return file;
}

clock('fixes already past are skipped; each later one comes when the clock reaches its time, never before', async () => {
  const start = Math.ceil(Date.now() / 10) * 10;
  const file = writeLog(start - 2000, start + 1500);
  const gnss = createGnss({ kind: 'replay', file, rate: 'clock', loop: false });
  const arrivals: { at: number; fix: GnssFix }[] = [];
  gnss.onFix((fix) => arrivals.push({ at: Date.now(), fix }));
  await gnss.start();
  await gnss.finished;
  await gnss.stop();
  assertFixesValid(arrivals.map((a) => a.fix));
  assert.ok(arrivals.length >= 4, `${arrivals.length} fixes`);
  const first = Date.parse(arrivals[0]!.fix.time);
  assert.ok(first >= start - STEP_MS, `the first fix is of ${new Date(first).toISOString()}, before the clock at start (${new Date(start).toISOString()}) by more than a cycle`);
  assert.is(Date.parse(arrivals.at(-1)!.fix.time), start + 1500, 'the log is played to its end');
  for (const { at, fix } of arrivals.slice(1)) {
    const lateMs = at - Date.parse(fix.time);
    assert.ok(lateMs >= -5 && lateMs < 250, `fix of ${fix.time} handed out ${lateMs} ms after its time`);
  }
});

clock('stopped and started again, it goes on from the clock, not from where it stopped, times as logged', async () => {
  const start = Date.now();
  const file = writeLog(start, start + 3000);
  const gnss = createGnss({ kind: 'replay', file, rate: 'clock' });
  const fixes: GnssFix[] = [];
  gnss.onFix((f) => fixes.push(f));
  await gnss.start();
  while (fixes.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  const n = fixes.length;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const restartedAt = Date.now();
  await gnss.start();
  while (fixes.length < n + 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  assertFixesValid(fixes);
  const resumed = Date.parse(fixes[n]!.time);
  assert.ok(resumed >= restartedAt - 2 * STEP_MS, `resumed at the log's ${fixes[n]!.time}, the clock said ${new Date(restartedAt).toISOString()}`);
  // the log's own times: whole STEP_MS from its start, not moved on by a lap
  for (const f of fixes) assert.is((Date.parse(f.time) - Math.round(start / 10) * 10) % STEP_MS, 0, f.time);
});

clock.run();
