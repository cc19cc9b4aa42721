/**
 * `tabla gnss decode` as a technician runs it: a child process decoding one of gpsd's receiver logs,
 * and a live "receiver" on a pseudo-terminal (socat) read until Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpDir, waitFor } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../fleet/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const GPSD = path.resolve(import.meta.dirname, '../../../shared/data/nmea/gpsd');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; result: Promise<Run>; stdout: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['TABLA_URL', 'TABLA_TOKEN', 'TABLA_DATA_DIR', 'NO_COLOR', 'FORCE_COLOR']) delete env[k];
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: tmpDir('tabla-cli-'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const result = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result, stdout: () => stdout };
}

const tabla = (args: string[]) => start(args).result;

function expectExit(r: Run, code: number, what: string): void {
  assert.is(r.code, code, `${what}: exit ${r.code}, wanted ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

test('gnss decode <log> --json: one JSON line per fix, exactly {time, lat, lon, speed, course, fix, hdop, sats}', async () => {
  // The log is from 2022: --date-floor below it, or the default floor takes its dates for week rollovers.
  const r = await tabla(['gnss', 'decode', path.join(GPSD, 'garmin15x.log'), '--json', '--date-floor', '2000-01-01']);
  expectExit(r, 0, 'decode');
  const lines = r.stdout.trimEnd().split('\n');
  assert.is(lines.length, 7, 'the 7 fixes gpsd reports for this log');
  assert.is(lines[0], '{"time":"2022-10-18T11:32:58.000Z","lat":32.64858,"lon":-108.37411,"speed":2.7265532,"course":247.1,"fix":"3d","hdop":1.1,"sats":8}');
  for (const line of lines) assert.equal(Object.keys(JSON.parse(line)), ['time', 'lat', 'lon', 'speed', 'course', 'fix', 'hdop', 'sats']);
  // Absent values are null: mtk-3329 starts with an RMC alone (no HDOP, no satellites).
  const mtk = await tabla(['gnss', 'decode', path.join(GPSD, 'mtk-3329.log'), '--json', '--date-floor', '2000-01-01']);
  expectExit(mtk, 0, 'decode mtk');
  assert.equal(JSON.parse(mtk.stdout.split('\n')[0]!), { time: '2011-02-21T10:21:27.000Z', lat: 51 + 29.0623 / 60, lon: 6 + 32.2911 / 60, speed: 0.33 * 0.514444, course: 30.68, fix: '2d', hdop: null, sats: null });
});

test('gnss decode <log>: an aligned table and a summary (fixes, refusals by reason, unsupported sentences, noise bytes)', async () => {
  const r = await tabla(['gnss', 'decode', path.join(GPSD, 'bu353s4.log'), '--date-floor', '2000-01-01']);
  expectExit(r, 0, 'decode');
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^time \(UTC\)\s+lat\s+lon\s+speed m\/s\s+course\s+fix\s+hdop\s+sats$/);
  assert.is(lines[1], '2014-12-31T03:07:19.000Z   -37.7847883    175.3148967       0.35   181.4   3d    1.1     8');
  assert.is(new Set(lines.slice(1, 26).map((l) => l.length)).size, 1, 'rows aligned');
  assert.match(r.stdout, /\nfixes: 25\nrejected: none\nunsupported sentences: GPGSV 15\nnoise bytes: \d+\n$/);
  // The default date floor (the build's year minus one) reads a 2014 date as a week rollover, and says so.
  const rolled = await tabla(['gnss', 'decode', path.join(GPSD, 'bu353s4.log')]);
  expectExit(rolled, 0, 'decode, default floor');
  assert.match(rolled.stdout, /\n2034-08-16T03:07:19\.000Z /);
  assert.match(rolled.stdout, /\nweek-rollover dates corrected: 25\n/);
  // A binary-only log: nothing but noise.
  const sirf = await tabla(['gnss', 'decode', path.join(GPSD, 'bu303-nofix.log')]);
  expectExit(sirf, 0, 'decode SiRF binary');
  assert.match(sirf.stdout, /^fixes: 0\nrejected: none\nunsupported sentences: none\nnoise bytes: [1-9]\d+\n$/);
});

test('gnss decode: exit 1 when the source cannot be opened, 2 on a usage error', async () => {
  const missing = await tabla(['gnss', 'decode', path.join(tmpDir(), 'no-such.log')]);
  expectExit(missing, 1, 'missing file');
  assert.match(missing.stderr, /^tabla: cannot open .*no-such\.log: ENOENT/);
  const device = await tabla(['gnss', 'decode', '/dev/ttyTABLA-none']);
  expectExit(device, 1, 'missing device');
  assert.match(device.stderr, /^tabla: cannot open \/dev\/ttyTABLA-none/);
  expectExit(await tabla(['gnss', 'decode', 'x.log', '--baud', 'fast']), 2, 'bad --baud');
  expectExit(await tabla(['gnss', 'decode', 'x.log', '--date-floor', '2025-13-01']), 2, 'bad --date-floor');
});

test('gnss decode <device>: a serial port (a pty from socat) read as fixes arrive, until Ctrl-C (exit 0, summary)', async () => {
  const dir = tmpDir('tabla-gnss-pty-');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/gps`, `pty,raw,echo=0,link=${dir}/receiver`], { stdio: 'ignore' });
  try {
    await waitFor('socat ptys', () => fs.existsSync(`${dir}/gps`) && fs.existsSync(`${dir}/receiver`));
    const cli = start(['gnss', 'decode', `${dir}/gps`, '--baud', '4800', '--date-floor', '2000-01-01']);
    await waitFor('the port open', () => cli.stdout().includes('Ctrl-C to stop'));
    const log = fs.readFileSync(path.join(GPSD, 'bu353s4.log'), 'latin1').split('\n').filter((l) => !l.startsWith('#'));
    const receiver = fs.openSync(`${dir}/receiver`, 'w');
    // Ten cycles (GGA, GSA, RMC, sometimes GSV) with SiRF binary between two of them, written as a receiver would.
    const first = log.slice(0, 36).join('\r\n') + '\r\n';
    const cut = first.indexOf('\r\n', 1000) + 2;
    const sirf = Buffer.from([0xa0, 0xa2, 0x00, 0x02, 0x84, 0x00, 0x00, 0x84, 0xb0, 0xb3]);
    fs.writeSync(receiver, Buffer.concat([Buffer.from(first.slice(0, cut), 'latin1'), sirf, Buffer.from(first.slice(cut), 'latin1')]));
    // Once the cycle ender (RMC) is learned, a fix comes out with its cycle, not a cycle later.
    await waitFor('ten fixes', () => (cli.stdout().match(/^2014-12-31T/gm)?.length ?? 0) >= 10, 10_000);
    assert.match(cli.stdout(), /\n2014-12-31T03:07:28\.000Z /);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    fs.closeSync(receiver);
    expectExit(r, 0, 'Ctrl-C');
    assert.match(r.stdout, /\nfixes: 10\nrejected: none\nunsupported sentences: GPGSV \d+\nnoise bytes: \d+\n$/);
  } finally {
    socat.kill();
  }
});

test('gnss decode <device>: the receiver unplugged (socat killed) ends the run with exit 1, naming the device, after the fixes it gave', async () => {
  const dir = tmpDir('tabla-gnss-pty-');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/gps`, `pty,raw,echo=0,link=${dir}/receiver`], { stdio: 'ignore' });
  let cli: ReturnType<typeof start> | null = null;
  try {
    await waitFor('socat ptys', () => fs.existsSync(`${dir}/gps`) && fs.existsSync(`${dir}/receiver`));
    cli = start(['gnss', 'decode', `${dir}/gps`, '--date-floor', '2000-01-01']);
    await waitFor('the port open', () => cli!.stdout().includes('Ctrl-C to stop'));
    const log = fs.readFileSync(path.join(GPSD, 'bu353s4.log'), 'latin1').split('\n').filter((l) => !l.startsWith('#'));
    const receiver = fs.openSync(`${dir}/receiver`, 'w');
    fs.writeSync(receiver, log.slice(0, 36).join('\r\n') + '\r\n', null, 'latin1');
    fs.closeSync(receiver);
    await waitFor('fixes', () => (cli!.stdout().match(/^2014-12-31T/gm)?.length ?? 0) >= 9, 10_000);
    const exited = new Promise((resolve) => socat.once('exit', resolve));
    socat.kill('SIGKILL');
    await exited;
    const r = await Promise.race([cli.result, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
    assert.ok(r, 'tabla gnss decode still running 10 s after its receiver went');
    expectExit(r, 1, 'unplugged');
    assert.match(r.stderr, new RegExp(`^tabla: ${dir}/gps (is gone|closed)`));
    assert.match(r.stdout, /\nfixes: (9|10)\n/);
  } finally {
    cli?.child.kill('SIGKILL');
    socat.kill('SIGKILL');
  }
});

test.run();
