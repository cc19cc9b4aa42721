/**
 * The real transport (spidev + sysfs GPIO) where this machine allows: the error when the SPI
 * device or the GPIO sysfs is not there, the BCM → sysfs numbering from a fake gpiochip directory,
 * the 4096-byte transfers, releasing what was opened when a later step fails, and the driver on
 * it (no reading: temperature() is null).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EpaperFault } from '../../hardware/epaper/epaper.js';
import { chunks } from '../../hardware/epaper/transport.js';
import { openSpiDevice, openSpidevTransport, SPIDEV_BUFSIZ, type EpaperLine, type SpiBus } from '../../hardware/epaper/spidev.js';
import { WaveshareEpaper } from '../../hardware/epaper/waveshare.js';

const PINS = { rst: 17, dc: 25, busy: 24, pwr: 18 };
const SPI = { bus: 0, device: 0, speedHz: 4_000_000 };

function fakeSysfs(chips: { name: string; base: number; label: string; ngpio: number }[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-epaper-sysfs-'));
  for (const c of chips) {
    fs.mkdirSync(path.join(root, c.name));
    fs.writeFileSync(path.join(root, c.name, 'base'), `${c.base}\n`);
    fs.writeFileSync(path.join(root, c.name, 'label'), `${c.label}\n`);
    fs.writeFileSync(path.join(root, c.name, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

function fakeHardware() {
  const opened: { n: number; direction: string; level: number; unexported: boolean }[] = [];
  const transfers: number[] = [];
  let spiClosed = false;
  const openLine = (n: number, direction: 'in' | 'low'): EpaperLine => {
    const line = { n, direction, level: direction === 'in' ? 1 : 0, unexported: false };
    opened.push(line);
    return { read: () => line.level as 0 | 1, write: (l) => void (line.level = l), unexport: () => void (line.unexported = true) };
  };
  const openSpi = (): SpiBus => ({
    transfer: async (bytes) => void transfers.push(bytes.length),
    close: async () => void (spiClosed = true),
  });
  return { opened, transfers, openLine, openSpi, spiClosed: () => spiClosed };
}

test('no SPI device: the error names /dev/spidevB.D', async () => {
  const bus = 5;
  try {
    const dev = await openSpiDevice(bus, 1, 4_000_000);
    await dev.close();
    assert.unreachable(`/dev/spidev${bus}.1 opened on this machine`);
  } catch (err) {
    assert.match((err as Error).message, /\/dev\/spidev5\.1/);
  }
});

test('no GPIO sysfs: the error names the directory it looked in', async () => {
  const root = path.join(os.tmpdir(), 'tabla-no-such-gpio-dir');
  try {
    await openSpidevTransport({ spi: SPI, pins: PINS, sysfsRoot: root });
    assert.unreachable('opened');
  } catch (err) {
    assert.match((err as Error).message, new RegExp(`e-paper GPIO under ${root}: no GPIO header chip`));
  }
});

test('the real driver without the hardware: init() is a transport fault naming the device, and nothing is left open', async () => {
  const panel = new WaveshareEpaper({ open: () => openSpidevTransport({ spi: SPI, pins: PINS, sysfsRoot: path.join(os.tmpdir(), 'tabla-none') }) });
  try {
    await panel.init();
    assert.unreachable('init succeeded');
  } catch (err) {
    assert.instance(err, EpaperFault);
    assert.is((err as EpaperFault).kind, 'transport');
    assert.match((err as Error).message, /tabla-none/);
  }
  try {
    await panel.full(new Uint8Array(48000));
    assert.unreachable('full succeeded');
  } catch (err) {
    assert.is((err as EpaperFault).kind, 'state');
  }
});

test('BCM pins are offset by the header chip base found by label (a Pi 4 on kernel 6.6: 512)', async () => {
  const root = fakeSysfs([
    { name: 'gpiochip512', base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
    { name: 'gpiochip570', base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
  ]);
  const hw = fakeHardware();
  const t = await openSpidevTransport({ spi: SPI, pins: PINS, sysfsRoot: root, openLine: hw.openLine, openSpi: hw.openSpi });
  assert.equal(
    hw.opened.map((l) => [l.n, l.direction]),
    [
      [530, 'low'],
      [529, 'low'],
      [537, 'low'],
      [536, 'in'],
    ],
  );
  await t.write('pwr', 1);
  assert.is(hw.opened[0]!.level, 1);
  assert.is(await t.busy(), 1);
  await t.close();
  assert.ok(hw.opened.every((l) => l.unexported));
  assert.ok(hw.spiClosed());
  fs.rmSync(root, { recursive: true, force: true });
});

test('a 48,000-byte run goes in transfers of at most 4096 bytes, in order, nothing lost', async () => {
  assert.equal(chunks(new Uint8Array(10), 4).map((c) => c.length), [4, 4, 2]);
  assert.throws(() => chunks(new Uint8Array(1), 0), /chunk size/);
  const root = fakeSysfs([{ name: 'gpiochip0', base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]);
  const hw = fakeHardware();
  const t = await openSpidevTransport({ spi: SPI, pins: PINS, sysfsRoot: root, openLine: hw.openLine, openSpi: hw.openSpi });
  assert.equal(hw.opened.map((l) => l.n), [18, 17, 25, 24], 'base 0 on older kernels');
  await t.spiWrite(new Uint8Array(48_000));
  assert.ok(hw.transfers.every((n) => n <= SPIDEV_BUFSIZ));
  assert.is(hw.transfers.reduce((a, b) => a + b, 0), 48_000);
  assert.is(hw.transfers.length, Math.ceil(48_000 / SPIDEV_BUFSIZ));
  await t.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('when the SPI device fails to open, the GPIO lines already opened are released', async () => {
  const root = fakeSysfs([{ name: 'gpiochip512', base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
  const hw = fakeHardware();
  try {
    await openSpidevTransport({
      spi: SPI,
      pins: PINS,
      sysfsRoot: root,
      openLine: hw.openLine,
      openSpi: () => {
        throw new Error('cannot open SPI device /dev/spidev0.0: EACCES');
      },
    });
    assert.unreachable('opened');
  } catch (err) {
    assert.match((err as Error).message, /spidev0\.0/);
  }
  assert.is(hw.opened.length, 4);
  assert.ok(hw.opened.every((l) => l.unexported));
  fs.rmSync(root, { recursive: true, force: true });
});

test('a pin past the chip is refused naming it; the driver on the real transport has no temperature to read', async () => {
  const root = fakeSysfs([{ name: 'gpiochip512', base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
  const hw = fakeHardware();
  try {
    await openSpidevTransport({ spi: SPI, pins: { ...PINS, busy: 99 }, sysfsRoot: root, openLine: hw.openLine, openSpi: hw.openSpi });
    assert.unreachable('opened');
  } catch (err) {
    assert.match((err as Error).message, /BCM 99/);
  }
  const panel = new WaveshareEpaper({ open: () => openSpidevTransport({ spi: SPI, pins: PINS, sysfsRoot: root, openLine: hw.openLine, openSpi: hw.openSpi }) });
  await panel.init(); // BUSY reads high: the fake panel is never busy
  assert.ok(hw.transfers.length > 10, 'the init sequence went out on the bus');
  assert.is(await panel.temperature(), null);
  await panel.close();
  assert.is(hw.opened.length, 4);
  assert.ok(hw.opened.every((l) => l.unexported), 'close() releases every line');
  fs.rmSync(root, { recursive: true, force: true });
});

test.run();
