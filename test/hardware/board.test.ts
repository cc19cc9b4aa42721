/**
 * The board class: the contract on the Linux driver over fake kernel files in a temp dir and on
 * the simulated board, then what only the Linux driver does (where a Pi keeps its serial, and how
 * its files look when they are odd) and what only the simulated board does.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBoard, LinuxBoard, SimulatedBoard, type Board } from '../../hardware/board/board.js';
import { boardContract, type BoardSetup, type BoardUnderTest } from '../../hardware/board/contract.js';
import { parseThermalZone, readBoardSerial } from '../../hardware/board/linux.js';
import { Health } from '../../protocols/index.js';

/** /proc/cpuinfo of a Raspberry Pi 4 on Raspberry Pi OS (32-bit): the Pi's lines come last. */
const piCpuinfo = (serial: string | null) =>
  [
    'processor\t: 0',
    'model name\t: ARMv7 Processor rev 3 (v7l)',
    'BogoMIPS\t: 108.00',
    'Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32',
    'CPU implementer\t: 0x41',
    'CPU part\t: 0xd08',
    '',
    'Hardware\t: BCM2711',
    'Revision\t: c03112',
    ...(serial === null ? [] : [`Serial\t\t: ${serial}`]),
    'Model\t\t: Raspberry Pi 4 Model B Rev 1.2',
    '',
  ].join('\n');

/** /proc/cpuinfo of a mainline arm64 kernel: no Hardware, Revision or Serial lines at all. */
const arm64Cpuinfo = 'processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n\n';

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** The files a Pi's Linux driver reads, laid out under a temp dir. */
function fakeFiles(root: string) {
  return {
    thermalZone: path.join(root, 'sys/class/thermal/thermal_zone0/temp'),
    serialNumber: path.join(root, 'sys/firmware/devicetree/base/serial-number'),
    cpuinfo: path.join(root, 'proc/cpuinfo'),
    machineId: path.join(root, 'etc/machine-id'),
  };
}

function linuxOverFakeFiles(setup: BoardSetup): BoardUnderTest {
  const files = fakeFiles(setup.root);
  const setTemperature = (celsius: number | null) => {
    if (celsius === null) fs.rmSync(files.thermalZone, { force: true });
    else write(files.thermalZone, `${Math.round(celsius * 1000)}\n`); // 48.312 °C → "48312"
  };
  setTemperature(setup.temperatureC);
  if (setup.serial !== null) write(files.serialNumber, `${setup.serial}\0`); // as the device tree has it
  write(files.cpuinfo, piCpuinfo(setup.serial));
  return { board: createBoard({ kind: 'linux', dataDir: setup.dataDir, ...files }), setTemperature };
}

function simulated(setup: BoardSetup): BoardUnderTest {
  const board = createBoard({
    kind: 'simulated',
    initial: {
      temperatureC: setup.temperatureC === null ? null : Math.round(setup.temperatureC * 10) / 10,
      diskFreeBytes: setup.dataDirExists ? 7_516_192_768 : null,
      ...(setup.serial === null ? {} : { serial: setup.serial }),
    },
  });
  return { board, setTemperature: (celsius) => board.set({ temperatureC: celsius }) };
}

boardContract('linux driver over fake files', linuxOverFakeFiles);
boardContract('simulated board', simulated);

// ---------------------------------------------------------------------------------------------

const linux = suite('linux board: where a Pi keeps its serial, and odd files');
let root = '';
linux.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-board-'));
});
linux.after.each(() => {
  fs.rmSync(root, { recursive: true, force: true });
});
const serialOf = (extra: { hostname?: () => string } = {}) => readBoardSerial({ ...fakeFiles(root), ...extra });

linux('kernel 6.6 device tree: serial-number with its trailing NUL, on an arm64 cpuinfo without Serial', () => {
  const f = fakeFiles(root);
  write(f.serialNumber, '100000002f4b1a7c\0');
  write(f.cpuinfo, arm64Cpuinfo);
  assert.is(serialOf(), '100000002f4b1a7c');
  assert.is(new LinuxBoard({ dataDir: root, ...f }).serial(), '100000002f4b1a7c');
});

linux('a device-tree string ends at its first NUL: what follows is not more serial', () => {
  const file = fakeFiles(root).serialNumber;
  write(file, '10000000abcdef\0\0\0');
  assert.is(serialOf(), '10000000abcdef');
  write(file, '10000000abcdef\0c03112\0'); // a string list: only the first is the value
  assert.is(serialOf(), '10000000abcdef');
  write(file, '\0'); // an empty string: no serial here, try cpuinfo
  write(fakeFiles(root).cpuinfo, piCpuinfo('10000000fedcba'));
  assert.is(serialOf(), '10000000fedcba');
});

linux('the device tree comes before cpuinfo when both have a serial', () => {
  const f = fakeFiles(root);
  write(f.serialNumber, 'd4d2f1a3b2c1e0f9\0');
  write(f.cpuinfo, piCpuinfo('10000000abcdef'));
  assert.is(serialOf(), 'd4d2f1a3b2c1e0f9');
});

linux('no device tree (an older kernel or an x86 box): Serial from cpuinfo', () => {
  write(fakeFiles(root).cpuinfo, piCpuinfo('10000000abcdef'));
  assert.is(serialOf(), '10000000abcdef');
});

linux('an all-zero serial (unprogrammed OTP, some VMs) falls back: device tree → cpuinfo → machine id', () => {
  const f = fakeFiles(root);
  write(f.serialNumber, '0000000000000000\0');
  write(f.cpuinfo, piCpuinfo('10000000abcdef'));
  assert.is(serialOf(), '10000000abcdef');
  write(f.cpuinfo, piCpuinfo('0000000000000000'));
  write(f.machineId, '5c5a6b2e0d8f4f1e9a3c7b2d1e0f9a8b\n');
  assert.is(serialOf(), '5c5a6b2e0d8f4f1e9a3c7b2d1e0f9a8b');
});

linux("a machine id that identifies nothing (empty on a cloning image, systemd's 'uninitialized') falls back to the host name", () => {
  const f = fakeFiles(root);
  write(f.cpuinfo, arm64Cpuinfo);
  for (const id of ['', '\n', 'uninitialized\n', '00000000000000000000000000000000\n']) {
    write(f.machineId, id);
    assert.is(serialOf({ hostname: () => 'stop-velenje-center' }), 'stop-velenje-center', JSON.stringify(id));
  }
});

linux('unreadable serial sources (directories where files should be, a throwing host name) never throw', () => {
  const f = fakeFiles(root);
  for (const file of [f.serialNumber, f.cpuinfo, f.machineId]) fs.mkdirSync(file, { recursive: true });
  assert.is(serialOf({ hostname: () => 'bus-lokalc-1' }), 'bus-lokalc-1');
  const last = serialOf({ hostname: () => { throw new Error('uv_os_gethostname'); } });
  assert.ok(last.length > 0);
});

linux('the serial is read once: a board does not change its serial while it runs', () => {
  const f = fakeFiles(root);
  write(f.serialNumber, '10000000abcdef\0');
  const board = new LinuxBoard({ dataDir: root, ...f });
  assert.is(board.serial(), '10000000abcdef');
  write(f.serialNumber, '10000000fedcba\0');
  assert.is(board.serial(), '10000000abcdef');
});

linux('odd thermal zones are no reading: empty, text, out of range, a directory, unreadable', () => {
  const f = fakeFiles(root);
  const board = new LinuxBoard({ dataDir: root, ...f });
  for (const content of ['', '\n', 'N/A\n', '48.3\n', '-274000\n', '999999\n', '48312 48000\n']) {
    write(f.thermalZone, content);
    const h = board.health();
    assert.not.ok('temperatureC' in h, `${JSON.stringify(content)} gave ${h.temperatureC}`);
    assert.ok(Health.safeParse(h).success);
  }
  fs.rmSync(f.thermalZone);
  fs.mkdirSync(f.thermalZone);
  assert.not.ok('temperatureC' in board.health());
});

linux('thermal zone millidegrees to °C, rounded to 0.1', () => {
  assert.is(parseThermalZone('48312\n'), 48.3);
  assert.is(parseThermalZone('85000'), 85);
  assert.is(parseThermalZone('-12500\n'), -12.5);
  assert.is(parseThermalZone('-40\n'), 0);
  assert.ok(Object.is(parseThermalZone('-40\n'), 0), 'never -0');
});

linux('free disk is the file system of the data directory (statfs), as df sees it', () => {
  const h = new LinuxBoard({ dataDir: root, ...fakeFiles(root) }).health();
  const st = fs.statfsSync(root);
  // Another process may write meanwhile: within 64 MiB of what statfs says now.
  assert.ok(Math.abs(h.diskFreeBytes! - st.bavail * st.bsize) < 64 * 1024 * 1024, `${h.diskFreeBytes}`);
});

linux.run();

// ---------------------------------------------------------------------------------------------

const sim = suite('simulated board: readings as set, uptime that runs on');

sim('set changes what is given and keeps the rest', () => {
  const board = createBoard({ kind: 'simulated', initial: { serial: 'sim-stop-1' } });
  const before = board.health();
  board.set({ temperatureC: 71, diskFreeBytes: 1024 });
  const after = board.health();
  assert.is(after.temperatureC, 71);
  assert.is(after.diskFreeBytes, 1024);
  assert.is(after.memTotalBytes, before.memTotalBytes);
  assert.is(board.serial(), 'sim-stop-1');
  board.set({ serial: 'sim-stop-2' }); // the card moved to another board
  assert.is(board.serial(), 'sim-stop-2');
});

sim('uptime runs on with the clock from where it was set, in whole seconds', () => {
  let ms = 5_000;
  const board = new SimulatedBoard({ initial: { uptimeS: 100 }, clock: () => ms });
  assert.is(board.health().uptimeS, 100);
  ms += 2_500;
  assert.is(board.health().uptimeS, 102);
  board.set({ uptimeS: 0 }); // a reboot
  assert.is(board.health().uptimeS, 0);
  ms += 61_000;
  assert.is(board.health().uptimeS, 61);
  board.set({ temperatureC: 50 }); // other readings leave uptime running
  assert.is(board.health().uptimeS, 61);
});

sim('a state no board could report is refused, and the board keeps its last one', () => {
  const board = createBoard({ kind: 'simulated' });
  const before = board.state;
  for (const bad of [
    { memUsedBytes: before.memTotalBytes + 1 },
    { cpuLoad1: -0.1 },
    { diskFreeBytes: 1.5 },
    { temperatureC: Number.NaN },
    { uptimeS: -1 },
    { serial: '' },
  ]) {
    assert.throws(() => board.set(bad), (e: unknown) => e instanceof RangeError, JSON.stringify(bad));
  }
  assert.equal(board.state, before);
  assert.throws(() => createBoard({ kind: 'simulated', initial: { memTotalBytes: -1 } }), RangeError);
});

sim('createBoard picks the driver by kind, and refuses a kind it does not know', () => {
  const boards: Board[] = [createBoard({ kind: 'linux', dataDir: os.tmpdir() }), createBoard({ kind: 'simulated' })];
  assert.ok(boards[0] instanceof LinuxBoard);
  assert.ok(boards[1] instanceof SimulatedBoard);
  assert.throws(() => createBoard({ kind: 'firmata' } as never), /unknown board kind: "firmata"/);
});

sim.run();
