/**
 * The UC8179 emulator on its own, driven byte by byte as a driver would (no driver in between):
 * what it refuses and writes down, its polarity per data interval setting, the partial window's
 * RAM addressing, BUSY timing, the temperature reading.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EPAPER_FRAME_BYTES, EPAPER_ROW_BYTES } from '../../hardware/epaper/epaper.js';
import { temperatureBytes, temperatureFromBytes, Uc8179, UC8179_TIMING } from '../../hardware/epaper/emulator.js';
import { VirtualClock } from '../../hardware/epaper/fake-transport.js';
import { windowParameters } from '../../hardware/epaper/window.js';

function chip() {
  const clock = new VirtualClock();
  const c = new Uc8179({ now: () => clock.now(), temperatureC: 21 });
  const cmd = (command: number, ...data: number[]) => {
    c.setLine('dc', 0);
    c.spiWrite(Uint8Array.of(command));
    if (data.length) {
      c.setLine('dc', 1);
      c.spiWrite(Uint8Array.from(data));
    }
  };
  const ram = (command: 0x10 | 0x13, bytes: Uint8Array) => {
    c.setLine('dc', 0);
    c.spiWrite(Uint8Array.of(command));
    c.setLine('dc', 1);
    c.spiWrite(bytes);
  };
  const up = () => {
    c.setLine('pwr', 1);
    c.setLine('rst', 0);
    c.setLine('rst', 1);
    cmd(0x04);
  };
  return { c, cmd, ram, up, clock };
}

test('bytes while unpowered, in reset or in deep sleep are ignored and written down', () => {
  const { c, cmd, up } = chip();
  cmd(0x04);
  assert.match(c.errors.at(-1)!, /unpowered/);
  c.setLine('pwr', 1);
  c.setLine('rst', 0);
  cmd(0x04);
  assert.match(c.errors.at(-1)!, /reset/);
  up();
  cmd(0x07, 0xa5);
  assert.ok(c.asleep);
  cmd(0x04);
  assert.match(c.errors.at(-1)!, /deep sleep/);
  c.setLine('rst', 0);
  c.setLine('rst', 1);
  assert.not.ok(c.asleep, 'a reset wakes it');
  assert.is(c.errors.length, 3);
});

test('a refresh without the charge pump is refused; wrong parameter counts and unknown commands are written down', () => {
  const { c, cmd } = chip();
  c.setLine('pwr', 1);
  cmd(0x12);
  assert.match(c.errors.at(-1)!, /charge pump/);
  assert.is(c.refreshes.length, 0);
  cmd(0x06, 0x17, 0x17, 0x28);
  cmd(0x60, 0x22);
  assert.match(c.errors.at(-1)!, /0x06 got 3 parameter/);
  cmd(0xee);
  assert.match(c.errors.at(-1)!, /unknown command 0xEE/);
  cmd(0x07, 0x00);
  assert.match(c.errors.at(-1)!, /check code A5/);
  assert.not.ok(c.asleep);
});

test('DDX 0: a set bit of new data is black; DDX 1: a clear one is; N2OCP copies new to old', async () => {
  const { c, cmd, ram, up, clock } = chip();
  up();
  await clock.sleep(UC8179_TIMING.powerMs);
  const frame = new Uint8Array(EPAPER_FRAME_BYTES);
  frame[0] = 0xf0;
  cmd(0x50, 0x10, 0x07);
  ram(0x13, frame);
  cmd(0x12);
  assert.is(c.glass[0], 0xf0);
  assert.is(c.glass[1], 0x00);
  assert.is(c.oldRam[0], 0x00, 'no copy without N2OCP');
  await clock.sleep(UC8179_TIMING.fullMs);
  cmd(0x50, 0x19, 0x07); // DDX 1, N2OCP
  cmd(0x12);
  assert.is(c.glass[0], 0x0f);
  assert.is(c.glass[1], 0xff);
  assert.is(c.oldRam[0], 0xf0, 'N2OCP copied new to old');
  assert.equal(c.errors, []);
});

test('BUSY is low for the modelled refresh time, and a refresh while busy is refused', async () => {
  const { c, cmd, ram, up, clock } = chip();
  up();
  await clock.sleep(UC8179_TIMING.powerMs);
  assert.is(c.busyLevel(), 1);
  ram(0x13, new Uint8Array(EPAPER_FRAME_BYTES));
  cmd(0x12);
  assert.is(c.busyLevel(), 0);
  cmd(0x12);
  assert.match(c.errors.at(-1)!, /while busy/);
  await clock.sleep(UC8179_TIMING.fullMs - 1);
  assert.is(c.busyLevel(), 0);
  await clock.sleep(1);
  assert.is(c.busyLevel(), 1);
  c.stuckBusy = true;
  assert.is(c.busyLevel(), 0);
  c.stuckBusy = false;
  c.setLine('pwr', 0);
  assert.is(c.busyLevel(), 0, 'undriven without power');
});

test('in partial mode, data goes to the window and a refresh changes only the window', async () => {
  const { c, cmd, ram, up, clock } = chip();
  up();
  await clock.sleep(UC8179_TIMING.powerMs);
  cmd(0x50, 0xa9, 0x07);
  cmd(0x91);
  const window = { x: 16, y: 2, width: 16, height: 3 };
  cmd(0x90, ...windowParameters(window));
  assert.equal(c.window, window);
  ram(0x13, Uint8Array.from([0x00, 0xff, 0x0f, 0xf0, 0xff, 0xff])); // inverse polarity (DDX 1)
  cmd(0x12);
  assert.is(c.refreshes.at(-1)!.mode, 'partial');
  assert.is(c.glass[2 * EPAPER_ROW_BYTES + 2], 0xff);
  assert.is(c.glass[2 * EPAPER_ROW_BYTES + 3], 0x00);
  assert.is(c.glass[3 * EPAPER_ROW_BYTES + 2], 0xf0);
  assert.is(c.glass[3 * EPAPER_ROW_BYTES + 3], 0x0f);
  assert.is(c.glass[4 * EPAPER_ROW_BYTES + 2], 0x00);
  assert.is(c.glass.reduce((n, b) => n + (b ? 1 : 0), 0), 3, 'nothing outside the window changed');
  assert.equal(c.errors, []);
  await clock.sleep(UC8179_TIMING.partialMs);
  ram(0x13, new Uint8Array(7));
  cmd(0x12);
  assert.match(c.errors[0]!, /past the end/);
});

test('a short data run and a window off byte boundaries are written down', () => {
  const { c, cmd, ram, up } = chip();
  up();
  ram(0x10, new Uint8Array(100));
  cmd(0x00, 0x1f);
  assert.match(c.errors.at(-1)!, /0x10 got 100 data byte\(s\), the RAM area is 48000/);
  cmd(0x90, 0x00, 0x04, 0x00, 0x0f, 0, 0, 0, 9, 1);
  assert.match(c.errors.at(-1)!, /whole bytes/);
  assert.is(c.window, null);
});

test('temperature: 0x40 senses, two bytes to read, whole degrees and eighths, negative too', () => {
  for (const t of [0, 21, 23.5, -7.25, 50, -40]) assert.is(temperatureFromBytes(...(Array.from(temperatureBytes(t)) as [number, number])), t);
  assert.equal([...temperatureBytes(-1)], [0xff, 0x00]);
  assert.equal([...temperatureBytes(-0.125)], [0xff, 0xe0]);
  const { c, cmd, up } = chip();
  up();
  cmd(0x40);
  c.setLine('dc', 1);
  assert.equal([...c.spiRead(2)], [21, 0]);
  c.spiRead(1);
  assert.match(c.errors.at(-1)!, /0 to read/);
});

test.run();
