/**
 * The simulated panel beyond the contract: the PNG of the glass after each refresh (pixels as
 * shown, the same bytes for the same glass, a write that fails counted and not fatal), the speed
 * factor on real time, and the config's one way in (createEpaper, driversFrom).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { driversFrom } from '../../device/hardware.js';
import { patternFrame } from '../../hardware/epaper/contract.js';
import { createEpaper, EPAPER_FRAME_BYTES } from '../../hardware/epaper/epaper.js';
import { frameToPng, pngToFrame } from '../../hardware/epaper/png.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import { WaveshareEpaper } from '../../hardware/epaper/waveshare.js';
import { cutWindow, pasteWindow } from '../../hardware/epaper/window.js';
import { createLogger, HardwareConfig } from '../../protocols/index.js';

const quiet = createLogger('test', { level: 'error', sink: () => undefined });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-epaper-sim-'));

test('a PNG of the glass after each refresh: black ink 0, paper 255, the partial window only changed', async () => {
  const dir = tmp();
  const file = path.join(dir, 'out', 'panel.png');
  const panel = new SimulatedEpaper({ speed: 1000, png: file });
  await panel.init();
  await panel.full(patternFrame(1));
  assert.equal(pngToFrame(fs.readFileSync(file)), patternFrame(1));
  await panel.partial(patternFrame(2), { x: 0, y: 0, width: 64, height: 16 });
  const expected = patternFrame(1);
  pasteWindow(expected, { x: 0, y: 0, width: 64, height: 16 }, cutWindow(patternFrame(2), { x: 0, y: 0, width: 64, height: 16 }));
  assert.equal(pngToFrame(fs.readFileSync(file)), expected);
  assert.is(panel.pngSaved, 2);
  assert.equal(fs.readdirSync(path.dirname(file)), ['panel.png'], 'no temp file left behind');
  await panel.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the same glass gives the same PNG bytes; a white frame is all 255', () => {
  const a = frameToPng(patternFrame(3));
  assert.ok(a.equals(frameToPng(Uint8Array.from(patternFrame(3)))));
  assert.not.ok(a.equals(frameToPng(patternFrame(4))));
  const white = pngToFrame(frameToPng(new Uint8Array(EPAPER_FRAME_BYTES)));
  assert.ok(white.every((b) => b === 0));
});

test('a PNG that cannot be written is counted and logged; the refresh still succeeds', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'a-file'), '');
  const lines: string[] = [];
  const log = createLogger('t', { level: 'warn', sink: (l) => lines.push(l) });
  const panel = new SimulatedEpaper({ speed: 1000, png: path.join(dir, 'a-file', 'panel.png'), log });
  await panel.init();
  const report = await panel.clear();
  assert.is(report.mode, 'clear');
  assert.is(panel.pngErrors, 1);
  assert.ok(lines.some((l) => l.includes('cannot save the PNG')), lines.join('\n'));
  await panel.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('speed divides real time, while the reports keep panel time', async () => {
  const panel = new SimulatedEpaper({ speed: 200 });
  await panel.init();
  const started = performance.now();
  const report = await panel.full(patternFrame(5));
  const realMs = performance.now() - started;
  assert.ok(report.ms >= 4000, `panel ms ${report.ms}`); // plus the host's own work, which runs 200× too
  // 4 s refresh + 2.3 s of the driver's own waits, at 200×: about 32 ms
  assert.ok(realMs < 1000, `a full refresh at speed 200 took ${realMs} ms of real time`);
  assert.ok(realMs >= 20, `a full refresh at speed 200 took only ${realMs} ms of real time`);
  await panel.close();
});

test('createEpaper builds the panel the config names; nothing is opened before init()', async () => {
  const sim = createEpaper({ kind: 'simulated', speed: 500, temperatureC: 31, png: 'glass.png' }, { log: quiet, baseDir: '/srv/stop' });
  assert.instance(sim, SimulatedEpaper);
  await sim.init();
  assert.is(await sim.temperature(), 31);
  await sim.close();
  const real = createEpaper(HardwareConfig.parse({ epaper: { kind: 'waveshare-7in5-v2' } }).epaper!, { log: quiet });
  assert.instance(real, WaveshareEpaper);
  assert.is((real as WaveshareEpaper).state, 'closed');
});

test('a relative png is saved relative to baseDir', async () => {
  const dir = tmp();
  const panel = createEpaper({ kind: 'simulated', speed: 1000, temperatureC: 20, png: 'glass.png' }, { log: quiet, baseDir: dir });
  await panel.init();
  await panel.clear();
  assert.ok(fs.existsSync(path.join(dir, 'glass.png')));
  await panel.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('driversFrom gives a stop display its panel from the hardware config', () => {
  const config = HardwareConfig.parse({ epaper: { kind: 'simulated' } });
  assert.instance(driversFrom(config, quiet).epaper, SimulatedEpaper);
  assert.is(driversFrom(HardwareConfig.parse({}), quiet).epaper, undefined);
});

test.run();
