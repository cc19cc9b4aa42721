#!/usr/bin/env node
// npm test: type-check, then the uvu suite through tsx, then one closing line computed from uvu's
// own totals: "N passed, N failed" (a suite whose `before` hook throws counts its tests as failed).
import { spawn, spawnSync } from 'node:child_process';
import process from 'node:process';

const args = process.argv.slice(2);
const dir = args[0] ?? 'test';
const pattern = args[1] ?? '\\.test\\.ts$';

if (!process.env.TABLA_SKIP_TYPECHECK) {
  process.stdout.write('type-check: tsc --noEmit\n');
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    process.stdout.write('type-check failed\n0 passed, 1 failed\n');
    process.exit(1);
  }
}

const uvuArgs = ['--import', 'tsx', './node_modules/uvu/bin.js', dir, ...(pattern ? [pattern] : []), '--no-color'];
const child = spawn(process.execPath, uvuArgs, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } });
let out = '';
// uvu prints its totals when the last test ends; the process then exits once nothing is left open.
// A test that failed before its cleanup can leave a server or a timer behind: that is reported
// (it counts as a failure) within a minute, not at the suite's bound.
const graceMs = Number(process.env.TABLA_TEST_EXIT_GRACE_MS ?? 60_000);
let lingering = null;
// uvu names each file on a line of its own as it starts it: the time between two names is the file's.
const files = [];
let partial = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
  const lines = (partial + chunk).split('\n');
  partial = lines.pop();
  for (const line of lines.map((l) => l.trim())) {
    if (/^[\w./-]+\.test\.ts$/.test(line)) files.push({ name: line, at: Date.now() });
    if (!lingering && /^Duration:\s+[\d.]+m?s$/.test(line)) {
      lingering = setTimeout(() => {
        process.stdout.write(`\nthe suite printed its totals but had not exited ${graceMs / 1000} s later (a test left a server, socket or timer open): stopping it\n`);
        child.kill('SIGKILL');
      }, graceMs);
    }
  }
});
// A hung test must not hang CI: the whole suite gets a bound.
const limitMs = Number(process.env.TABLA_TEST_TIMEOUT_MS ?? 15 * 60 * 1000);
const timer = setTimeout(() => {
  process.stdout.write(`\nsuite still running after ${limitMs / 1000} s: stopping it\n`);
  child.kill('SIGKILL');
}, limitMs);

child.on('close', (code) => {
  clearTimeout(timer);
  if (lingering) clearTimeout(lingering);
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  let failed = total - passed;
  if (code !== 0 && failed === 0) failed = 1; // crashed or timed out before uvu could count
  const ended = Date.now();
  const slowest = files
    .map((f, i) => ({ name: f.name, s: ((files[i + 1]?.at ?? ended) - f.at) / 1000 }))
    .sort((a, b) => b.s - a.s)
    .slice(0, 8);
  if (files.length > 8) process.stdout.write(`\nslowest files: ${slowest.map((f) => `${f.name} ${f.s.toFixed(0)} s`).join(', ')}\n`);
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
});
