/**
 * Golden command traces of the Waveshare driver: every line, pin and SPI run of init, full,
 * partial, clear and sleep, recorded through TracingTransport on an emulator that is never busy
 * (so each BUSY wait is one poll) and compared with test/data/epaper/*.trace — a changed byte, a
 * changed wait or a reordered pin fails. The traces are also checked, independently of the files,
 * against the sequences /work/shared/REFERENCES.md lists for the panel (transcribed below).
 *
 * TABLA_UPDATE_GOLDEN=1 writes the files anew (then read the diff before committing it).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { patternFrame } from '../../hardware/epaper/contract.js';
import { EPAPER_FRAME_BYTES } from '../../hardware/epaper/epaper.js';
import { EmulatedTransport, VirtualClock } from '../../hardware/epaper/fake-transport.js';
import { TracingTransport } from '../../hardware/epaper/transport.js';
import { WaveshareEpaper } from '../../hardware/epaper/waveshare.js';
import { cutWindow, inverted } from '../../hardware/epaper/window.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../data/epaper');
const WINDOW = { x: 80, y: 40, width: 160, height: 100 };

/** A driver on a tracing, never-busy emulator; `take()` gives the lines since the last take. */
function rig() {
  const transport = new EmulatedTransport({ clock: new VirtualClock(), timing: { fullMs: 0, partialMs: 0, powerMs: 0, senseMs: 0 } });
  const tracing = new TracingTransport(transport);
  const panel = new WaveshareEpaper({ open: () => tracing });
  return { panel, tracing, emulator: transport.emulator };
}

async function record(): Promise<Record<string, string[]>> {
  const traces: Record<string, string[]> = {};
  const r = rig();
  await r.panel.init();
  traces.init = r.tracing.take();
  await r.panel.full(patternFrame(1));
  traces.full = r.tracing.take();
  await r.panel.init();
  r.tracing.take();
  await r.panel.partial(patternFrame(2), WINDOW);
  traces.partial = r.tracing.take();
  await r.panel.init();
  r.tracing.take();
  await r.panel.clear();
  traces.clear = r.tracing.take();
  await r.panel.init();
  r.tracing.take();
  await r.panel.sleep();
  traces.sleep = r.tracing.take();
  // from deep sleep: the refresh wakes the panel itself
  await r.panel.full(patternFrame(3));
  traces['full-from-sleep'] = r.tracing.take();
  assert.equal(r.emulator.errors, [], 'the emulator took every byte of the recording');
  return traces;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The trace as REFERENCES.md writes sequences: `06 17 17 28 17`, one per command, BUSY polls (71) left out. */
function commands(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const cmd = /^cmd (\w\w)$/.exec(line);
    if (cmd) {
      if (cmd[1] !== '71') out.push(cmd[1]!);
      continue;
    }
    const data = /^data(?:\[\d+\])? (.*)$/.exec(line);
    if (data) {
      assert.ok(out.length > 0, `data before any command: ${line}`);
      out[out.length - 1] += ` ${data[1]}`;
    }
  }
  return out;
}

// REFERENCES.md, "Waveshare 7.5" e-paper V2": the sequences as listed there.
const REF_RESET = ['rst 1', 'wait 20', 'rst 0', 'wait 2', 'rst 1', 'wait 20'];
const REF_INIT = ['06 17 17 28 17', '01 07 07 28 17', '04', '00 1F', '61 03 20 01 E0', '15 00', '50 10 07', '60 22'];
const REF_SLEEP = ['50 F7', '02', '07 A5'];
const REF_CLEAR = [`10 sha256=${sha(new Uint8Array(EPAPER_FRAME_BYTES).fill(0xff))}`, `13 sha256=${sha(new Uint8Array(EPAPER_FRAME_BYTES))}`, '12'];

let traces: Record<string, string[]>;

test('recorded traces match the golden files line for line', async () => {
  traces = await record();
  for (const [name, lines] of Object.entries(traces)) {
    const file = path.join(DIR, `${name}.trace`);
    const text = `${lines.join('\n')}\n`;
    if (process.env.TABLA_UPDATE_GOLDEN) fs.writeFileSync(file, text);
    assert.ok(fs.existsSync(file), `no golden ${file} (TABLA_UPDATE_GOLDEN=1 writes it)`);
    const golden = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    for (let i = 0; i < Math.max(golden.length, lines.length); i++) {
      assert.is(lines[i], golden[i], `${name}.trace line ${i + 1}`);
    }
  }
});

test('init: power first, the reset timing, then the init sequence, with a BUSY wait after 04', () => {
  const t = traces.init!;
  assert.is(t[0], 'pwr 1');
  assert.equal(t.slice(1, 7), REF_RESET);
  assert.equal(commands(t), REF_INIT);
  const powerOn = t.indexOf('cmd 04');
  const panelSetting = t.indexOf('cmd 00');
  assert.ok(t.slice(powerOn, panelSetting).includes('busy 1'), 'BUSY is waited for between 04 and 00');
});

test('full: old data to 10, new data to 13, 12 and a wait, then the sleep sequence and the power off', () => {
  const c = commands(traces.full!);
  const oldFirst = sha(new Uint8Array(EPAPER_FRAME_BYTES).fill(0xff)); // nothing shown yet: as clear sends it
  assert.equal(c, [`10 sha256=${oldFirst}`, `13 sha256=${sha(patternFrame(1))}`, '12', ...REF_SLEEP]);
  assert.is(traces.full!.at(-1), 'pwr 0');
  const afterRefresh = traces.full!.slice(traces.full!.indexOf('cmd 12'));
  assert.ok(afterRefresh.indexOf('busy 1') < afterRefresh.indexOf('cmd 50'), 'the refresh is waited for before sleeping');
});

test('full from deep sleep: power, reset and init again, and the old data is the frame shown', () => {
  const t = traces['full-from-sleep']!;
  assert.is(t[0], 'pwr 1');
  assert.equal(t.slice(1, 7), REF_RESET);
  const c = commands(t);
  assert.equal(c.slice(0, REF_INIT.length), REF_INIT);
  assert.equal(c.slice(REF_INIT.length), [`10 sha256=${sha(new Uint8Array(EPAPER_FRAME_BYTES))}`, `13 sha256=${sha(patternFrame(3))}`, '12', ...REF_SLEEP]);
});

test('partial: 50[A9 07], 91, 90[window, 01], the inverse window bytes to 13, 12', () => {
  const bytes = inverted(cutWindow(patternFrame(2), WINDOW));
  assert.is(bytes.length, (160 / 8) * 100);
  // x 80..239, y 40..139, inclusive
  assert.equal(commands(traces.partial!), ['50 A9 07', '91', '90 00 50 00 EF 00 28 00 8B 01', `13 sha256=${sha(bytes)}`, '12', ...REF_SLEEP]);
});

test('clear: 10 ← FF×48000, 13 ← 00×48000, 12', () => {
  assert.equal(commands(traces.clear!), [...REF_CLEAR, ...REF_SLEEP]);
});

test('sleep: 50[F7], 02 and its wait, 07[A5], then the power off last', () => {
  const t = traces.sleep!;
  assert.equal(commands(t), REF_SLEEP);
  assert.ok(t.indexOf('busy 1') > t.indexOf('cmd 02') && t.indexOf('busy 1') < t.indexOf('cmd 07'), 'power off (02) is waited for');
  assert.is(t.at(-1), 'pwr 0');
});

test('every BUSY read comes right after a 0x71, in every trace', () => {
  for (const [name, t] of Object.entries(traces)) {
    t.forEach((line, i) => {
      if (line.startsWith('busy')) assert.is(t[i - 1], 'cmd 71', `${name}.trace line ${i + 1}`);
    });
    assert.ok(t.some((l) => l.startsWith('busy')), `${name} waits for BUSY`);
  }
});

test('a changed byte is caught: the same recording with one frame bit flipped differs from the golden', async () => {
  const r = rig();
  await r.panel.init();
  r.tracing.take();
  const frame = patternFrame(1);
  frame[1234]! ^= 0x10;
  await r.panel.full(frame);
  const changed = r.tracing.take();
  const golden = fs.readFileSync(path.join(DIR, 'full.trace'), 'utf8').trimEnd().split('\n');
  assert.is.not(changed.join('\n'), golden.join('\n'));
});

test.run();
