/**
 * The Firmata door driver: the door contract over johnny-five with mock-firmata as its IO plugin,
 * and over the Firmata emulator's in-memory port (johnny-five over firmata.js's own handshake and
 * parser); then what only this driver does: pins made digital inputs, pins the board cannot read,
 * a board that never answers, the cable pulled and the board back, backoff, johnny-five loaded
 * only when a board is opened; the emulator's bytes; the config. The same over a socat pty pair
 * is door-firmata-pty.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { driversFrom } from '../../device/hardware.js';
import { createDoorCounter, FirmataDoorCounter, type DoorCrossing, type FirmataPort } from '../../hardware/door/door.js';
import { doorContract, type DoorSetup, type DoorUnderTest } from '../../hardware/door/contract.js';
import { ManualTime } from '../../hardware/common/time.js';
import { FirmataEmulator, PIN_MODE, type EmulatorPort } from '../../hardware/firmata/emulator.js';
import { HardwareConfig } from '../../protocols/index.js';
import { quiet, tmpDir, waitFor } from '../helpers.js';
import { MockBoard } from './mock-board.js';

/** The wiring of a two-door bus's sensor board: each door's beam receivers on digital pins. */
const PINS: Record<number, { a: number; b: number }> = { 1: { a: 2, b: 3 }, 2: { a: 4, b: 5 } };
const pinsOf = (doors: number[]) => doors.map((door) => ({ door, ...PINS[door]! }));
const PATH = '/dev/ttyACM0';

function overMockFirmata(setup: DoorSetup): DoorUnderTest {
  const { root: _root, doors, time, ...timings } = setup;
  const levels = new Map<number, 0 | 1>();
  let board: MockBoard | null = null;
  const counter = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf(doors), io: () => (board = new MockBoard(levels)), clock: time, timers: time, ...timings });
  return {
    counter,
    // Receivers pull low while their beam is broken.
    setBeam: (door, beam, broken) => {
      const pin = PINS[door]![beam];
      if (board) board.drive(pin, broken ? 0 : 1);
      else levels.set(pin, broken ? 0 : 1);
    },
    openWatchers: () => board?.watchers() ?? 0,
  };
}

function overEmulator(setup: DoorSetup): DoorUnderTest {
  const { root: _root, doors, time, ...timings } = setup;
  const emulator = new FirmataEmulator();
  const counter = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf(doors), openPort: ({ path }) => emulator.port(path), clock: time, timers: time, ...timings });
  return {
    counter,
    setBeam: (door, beam, broken) => emulator.setPin(PINS[door]![beam], broken ? 0 : 1),
    openWatchers: () => emulator.openPorts,
  };
}

doorContract('firmata driver: johnny-five over mock-firmata', overMockFirmata);
doorContract('firmata driver: johnny-five and firmata.js over the Firmata emulator', overEmulator);

// ---------------------------------------------------------------------------------------------

const firmata = suite('firmata doors: pins, a silent board, the cable pulled');

const totals = (counter: { counts(): { door: number; boardings: number; alightings: number }[] }) => counter.counts().map((c) => [c.door, c.boardings, c.alightings]);

/** One body through a door on the manual clock, by pin levels: near, far, near clears, far clears. */
function walk(drive: (pin: number, level: 0 | 1) => void, time: ManualTime, door: number, direction: 'in' | 'out'): void {
  const { a, b } = PINS[door]!;
  const [near, far] = direction === 'in' ? [a, b] : [b, a];
  for (const [pin, level] of [[near, 0], [far, 0], [near, 1], [far, 1]] as const) {
    drive(pin, level);
    time.advance(150);
  }
  time.advance(200);
}

async function rejects(work: Promise<unknown>, pattern: RegExp): Promise<void> {
  await work.then(
    () => assert.unreachable('resolved'),
    (err) => assert.match(String(err), pattern),
  );
}

firmata('over mock-firmata: each beam pin is made a digital input through johnny-five, and its changes are crossings with their direction', async () => {
  const time = new ManualTime();
  const boards: MockBoard[] = [];
  const counter = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1, 2]), io: () => (boards.push(new MockBoard(new Map())), boards.at(-1)!), clock: time, timers: time });
  const crossings: DoorCrossing[] = [];
  counter.onCrossing((c) => crossings.push(c));
  await counter.start();
  const board = boards[0]!;
  assert.equal([...board.modes], [[2, PIN_MODE.INPUT], [3, PIN_MODE.INPUT], [4, PIN_MODE.INPUT], [5, PIN_MODE.INPUT]]);
  assert.is(board.watchers(), 4);
  assert.equal([...counter.pins], [[2, { door: 1, beam: 'a' }], [3, { door: 1, beam: 'b' }], [4, { door: 2, beam: 'a' }], [5, { door: 2, beam: 'b' }]]);
  const drive = (pin: number, level: 0 | 1) => board.drive(pin, level);
  walk(drive, time, 1, 'in');
  walk(drive, time, 2, 'out');
  // Looked in at door 1 and stepped back: A only.
  drive(2, 0);
  time.advance(300);
  drive(2, 1);
  time.advance(300);
  // The same level reported again (every pin of a port comes with each report) is no edge.
  drive(3, 1);
  walk(drive, time, 1, 'out');
  assert.equal(crossings.map((c) => `${c.door}${c.direction}`), ['1in', '2out', '1out']);
  assert.equal(totals(counter), [[1, 1, 1], [2, 0, 1]]);
  assert.is(counter.health().doors[0]!.aborted, 1);
  assert.is(counter.firmware, null, 'mock-firmata names no firmware');
  await counter.stop();
  assert.is(board.watchers(), 0);
  assert.equal(counter.pins.size, 0);
});

firmata('brokenWhen "high", and a beam already broken when counting starts', async () => {
  const time = new ManualTime();
  const levels = new Map<number, 0 | 1>([[2, 1], [3, 0]]); // someone on beam A
  let board: MockBoard | null = null;
  const counter = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1]), brokenWhen: 'high', io: () => (board = new MockBoard(levels)), clock: time, timers: time });
  await counter.start();
  for (const [pin, level] of [[3, 1], [2, 0], [3, 0]] as const) {
    board!.drive(pin, level);
    time.advance(150);
  }
  assert.equal(totals(counter), [[1, 1, 0]]);
  await counter.stop();
});

firmata('pullUp: the beam pins are set PULLUP (Firmata 0x0B); a board without it, or without the pin, fails start() naming pin and path, holding nothing', async () => {
  const emulator = new FirmataEmulator();
  const counter = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1]), pullUp: true, openPort: ({ path }) => emulator.port(path) });
  await counter.start();
  assert.ok(emulator.heard.includes('PIN_MODE 2 11') && emulator.heard.includes('PIN_MODE 3 11'), emulator.heard.join(', '));
  assert.is(emulator.mode(2), PIN_MODE.PULLUP);
  await counter.stop();

  let board: MockBoard | null = null;
  const noPullUp = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1]), pullUp: true, io: () => (board = new MockBoard(new Map())) });
  await rejects(noPullUp.start(), /pin 2 \(door 1, beam A\) of the Firmata board on \/dev\/ttyACM0 cannot be a digital input with pull-up: it supports modes \[0, 1, 4, 8\]/);
  assert.is(board!.watchers(), 0);
  assert.is(noPullUp.health().status, 'stopped');

  const serialPin = createDoorCounter({ kind: 'firmata', path: PATH, doors: [{ door: 1, a: 2, b: 1 }], openPort: ({ path }) => emulator.port(path) });
  await rejects(serialPin.start(), /pin 1 \(door 1, beam B\) of the Firmata board on \/dev\/ttyACM0 cannot be a digital input: it supports modes \[\]/);
  const beyond = createDoorCounter({ kind: 'firmata', path: PATH, doors: [{ door: 1, a: 2, b: 40 }], openPort: ({ path }) => emulator.port(path) });
  await rejects(beyond.start(), /pin 40 .* the board has pins 0–19/);
  assert.is(emulator.openPorts, 0, 'a port left open');
});

/** A serial port where nothing answers: it opens, takes writes, and that is all. */
class SilentPort extends EventEmitter implements FirmataPort {
  isOpen = false;
  written = 0;
  constructor(readonly path: string) {
    super();
  }
  open(callback: (err: Error | null) => void): void {
    setImmediate(() => {
      this.isOpen = true;
      callback(null);
    });
  }
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): boolean {
    this.written += data.length;
    setImmediate(() => callback?.(null));
    return true;
  }
  close(callback?: (err: Error | null) => void): void {
    this.isOpen = false;
    setImmediate(() => callback?.(null));
  }
}

firmata('a board that never answers: start() rejects after connectTimeoutMs, naming the path; the port is closed', async () => {
  const ports: SilentPort[] = [];
  const counter = createDoorCounter({ kind: 'firmata', path: '/dev/ttyUSB3', baud: 115_200, doors: pinsOf([1]), connectTimeoutMs: 200, openPort: ({ path }) => (ports.push(new SilentPort(path)), ports.at(-1)!) });
  const from = performance.now();
  await rejects(counter.start(), /no Firmata board answered on \/dev\/ttyUSB3 within 0\.2 s \(is StandardFirmata on the board, at 115200 baud\?\)/);
  const took = performance.now() - from;
  assert.ok(took >= 190 && took < 1500, `rejected after ${took.toFixed(0)} ms`);
  assert.is(ports.length, 1);
  assert.ok(ports[0]!.written > 0, 'the driver did not ask for the version');
  assert.is(ports[0]!.isOpen, false);
  assert.is(counter.openFailures, 1);
  assert.is(counter.health().status, 'stopped');

  // An IO plugin that never says "ready" is the same.
  const silentIo = createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1]), connectTimeoutMs: 100, io: () => new MockBoard(new Map(), false) });
  await rejects(silentIo.start(), /no Firmata board answered on \/dev\/ttyACM0 within 0\.1 s/);
});

firmata('a port that cannot be opened: start() rejects naming the path (node-serialport, loaded when needed)', async () => {
  const dir = tmpDir('tabla-firmata-');
  const missing = path.join(dir, 'ttyACM7');
  const counter = createDoorCounter({ kind: 'firmata', path: missing, doors: pinsOf([1]), connectTimeoutMs: 2000 });
  await rejects(counter.start(), new RegExp(`cannot open ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*No such file or directory`));
  assert.is(counter.health().status, 'stopped');
});

firmata('the cable pulled: every beam raises line-error; the board is opened again and the faults clear; counting goes on', async () => {
  const time = new ManualTime();
  const emulator = new FirmataEmulator();
  const ports: EmulatorPort[] = [];
  const counter = createDoorCounter({
    kind: 'firmata',
    path: PATH,
    doors: pinsOf([1, 2]),
    reconnectMinMs: 20,
    openPort: ({ path }) => (ports.push(emulator.port(path)), ports.at(-1)!),
    clock: time,
    timers: time,
  });
  const faults: string[] = [];
  counter.onFault((f) => faults.push(`${f.state} ${f.door}${f.beam} ${f.kind}`));
  await counter.start();
  const drive = (pin: number, level: 0 | 1) => emulator.setPin(pin, level);
  walk(drive, time, 1, 'in');
  assert.is(counter.connected, true);
  assert.is(counter.firmware, 'StandardFirmata.ino 2.5');

  ports[0]!.pull();
  assert.is(counter.connected, false);
  assert.is(counter.disconnects, 1);
  const health = counter.health();
  assert.is(health.status, 'fault');
  assert.equal(health.faults.map((f) => `${f.door}${f.beam} ${f.kind}`), ['1a line-error', '1b line-error', '2a line-error', '2b line-error']);
  assert.match(health.faults[0]!.message, /Firmata board on \/dev\/ttyACM0 lost: Input\/output error/);
  walk(drive, time, 2, 'in'); // nobody hears this one

  await waitFor('the board back', () => counter.connected, 2000, 5);
  assert.is(ports.length, 2);
  assert.is(counter.health().status, 'ok');
  assert.equal(counter.health().faults, []);
  assert.equal(faults.filter((f) => f.startsWith('cleared')).length, 4);
  walk(drive, time, 2, 'out');
  assert.equal(totals(counter), [[1, 1, 0], [2, 0, 1]]);
  await counter.stop();
  assert.is(emulator.openPorts, 0);
});

firmata('a board that stays away: opened again 1×, 2×, 4× the first wait, at most the longest; back to the first once it works; stop() ends it', async () => {
  const emulator = new FirmataEmulator();
  const attempts: number[] = [];
  let away = false;
  const ports: EmulatorPort[] = [];
  const counter = createDoorCounter({
    kind: 'firmata',
    path: PATH,
    doors: pinsOf([1]),
    reconnectMinMs: 40,
    reconnectMaxMs: 160,
    openPort: ({ path }) => {
      if (ports.length > 0) attempts.push(performance.now());
      if (away) throw Object.assign(new Error(`Error: No such file or directory, cannot open ${path}`), { code: 'ENOENT' });
      ports.push(emulator.port(path));
      return ports.at(-1)!;
    },
  });
  await counter.start();
  away = true;
  const pulledAt = performance.now();
  ports[0]!.pull();
  await waitFor('five attempts', () => attempts.length >= 5, 5000, 5);
  const times = [pulledAt, ...attempts];
  const waits = times.slice(1, 6).map((t, i) => t - times[i]!);
  // Late under load is allowed for; early never, and uncapped (320, 640) is caught.
  [40, 80, 160, 160, 160].forEach((expected, i) => assert.ok(waits[i]! >= expected - 5 && waits[i]! < expected + 150, `wait ${i}: ${waits[i]!.toFixed(0)} ms, expected ${expected}`));
  assert.is(counter.openFailures, attempts.length);
  assert.is(counter.health().status, 'fault');
  away = false;
  await waitFor('the board back', () => counter.connected, 2000, 5);
  assert.is(counter.health().status, 'ok');
  // Back to the first wait: pulled again, it is tried after 40 ms, not 160.
  attempts.length = 0;
  away = true;
  const again = performance.now();
  ports.at(-1)!.pull();
  await waitFor('an attempt', () => attempts.length >= 1, 2000, 5);
  assert.ok(attempts[0]! - again < 120, `first attempt after ${(attempts[0]! - again).toFixed(0)} ms`);
  await counter.stop();
  const count = attempts.length;
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.is(attempts.length, count, 'tried again after stop()');
  assert.is(emulator.openPorts, 0);
});

firmata('johnny-five is loaded when a Firmata board is opened, not when the door module is imported or a counter made', () => {
  const door = pathToFileURL(path.resolve(import.meta.dirname, '../../hardware/door/door.ts')).href;
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => Object.keys(cache).some((k) => k.includes('johnny-five'));
    const { createDoorCounter } = await import(${JSON.stringify(door)});
    const counter = createDoorCounter({ kind: 'firmata', path: '/dev/ttyACM0', doors: [{ door: 1, a: 2, b: 3 }], connectTimeoutMs: 50 });
    const before = loaded();
    await counter.start().catch(() => undefined);
    console.log(JSON.stringify({ before, after: loaded() }));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '../..'), encoding: 'utf8', timeout: 20_000 });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout.trim().split('\n').at(-1)!), { before: false, after: true });
});

firmata('config mistakes are refused when the counter is made', () => {
  const io = () => new MockBoard(new Map());
  for (const doors of [[], [{ door: 0, a: 2, b: 3 }], [{ door: 1, a: 2, b: 2 }], [{ door: 1, a: 2, b: 3 }, { door: 2, a: 3, b: 4 }], [{ door: 1, a: -1, b: 3 }], [{ door: 1, a: 2, b: 128 }]]) {
    assert.throws(() => createDoorCounter({ kind: 'firmata', path: PATH, doors, io }), RangeError, JSON.stringify(doors));
  }
  assert.throws(() => createDoorCounter({ kind: 'firmata', path: '', doors: pinsOf([1]) }), RangeError);
  assert.throws(() => createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1]), baud: 0 }), RangeError);
  assert.throws(() => createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1]), connectTimeoutMs: -1 }), RangeError);
  assert.ok(createDoorCounter({ kind: 'firmata', path: PATH, doors: pinsOf([1, 2]) }) instanceof FirmataDoorCounter);
});

firmata('the agent config: kind "firmata" with path, baud 57600 by default and two pins per door, made into a FirmataDoorCounter', () => {
  const config = HardwareConfig.parse({ doors: { kind: 'firmata', path: '/dev/ttyACM0', doors: [{ door: 1, a: 2, b: 3 }] } });
  assert.equal(config.doors, { kind: 'firmata', path: '/dev/ttyACM0', baud: 57_600, doors: [{ door: 1, a: 2, b: 3 }], brokenWhen: 'low', pullUp: false });
  const drivers = driversFrom(config, quiet);
  assert.ok(drivers.doors instanceof FirmataDoorCounter);
  assert.equal(drivers.doors!.doors, [1]);
  for (const doors of [
    { kind: 'firmata', doors: [{ door: 1, a: 2, b: 3 }] },
    { kind: 'firmata', path: '/dev/ttyACM0', doors: [{ door: 1, a: 2, b: 128 }] },
    { kind: 'firmata', path: '/dev/ttyACM0', doors: [{ door: 1, a: 2 }] },
    { kind: 'firmata', path: '/dev/ttyACM0', baud: 0, doors: [{ door: 1, a: 2, b: 3 }] },
    { kind: 'firmata', path: '/dev/ttyACM0', doors: [{ door: 1, a: 2, b: 3 }], sysfsRoot: '/sys' },
  ]) {
    assert.is(HardwareConfig.safeParse({ doors }).success, false, JSON.stringify(doors));
  }
});

firmata.run();

// ---------------------------------------------------------------------------------------------

const emulator = suite('the Firmata emulator: StandardFirmata 2.5 as a host hears it');

/** Everything the emulator sends while `run` runs, as hex messages. */
function sent(board: FirmataEmulator, run: () => void): string[] {
  const out: string[] = [];
  const off = board.onSend((bytes) => out.push(bytes.toString('hex')));
  run();
  off();
  return out;
}

emulator('the handshake: version, firmware name (7-bit pairs), capabilities per pin, analog mapping', () => {
  const board = new FirmataEmulator({
    firmware: { name: 'Ab', major: 2, minor: 5 },
    pins: [[], [{ mode: 0, resolution: 1 }, { mode: 1, resolution: 1 }], [{ mode: 0, resolution: 1 }, { mode: 2, resolution: 10 }]],
  });
  assert.equal(sent(board, () => board.receive(Buffer.from([0xf9]))), ['f90205']);
  assert.equal(sent(board, () => board.receive(Buffer.from([0xf0, 0x79, 0xf7]))), ['f079020541006200f7']);
  assert.equal(sent(board, () => board.receive(Buffer.from([0xf0, 0x6b, 0xf7]))), ['f06c7f000101017f0001020a7ff7']);
  assert.equal(sent(board, () => board.receive(Buffer.from([0xf0, 0x69, 0xf7]))), ['f06a7f7f00f7']);
  assert.equal(board.heard, ['REPORT_VERSION', 'QUERY_FIRMWARE', 'CAPABILITY_QUERY', 'ANALOG_MAPPING_QUERY']);
});

emulator('digital reporting: the port at once when turned on, then on each change of an input; outputs and unset pins read 0', () => {
  const board = new FirmataEmulator(); // an Uno
  board.setPin(9, 0); // port 1, not an input yet: nothing to say
  assert.equal(sent(board, () => board.receive(Buffer.from([0xf4, 2, 0, 0xf4, 7, 0x0b, 0xf4, 9, 0, 0xf4, 4, 1]))), []);
  assert.equal(sent(board, () => board.receive(Buffer.from([0xd0, 1]))), ['900401'], 'port 0: pin 2 (bit 2) and pin 7 (bit 7) high, 4 an output');
  assert.equal(sent(board, () => board.setPin(2, 0)), ['900001']);
  assert.equal(sent(board, () => board.setPin(2, 0)), [], 'no change, no message');
  assert.equal(sent(board, () => board.setPin(3, 0)), [], 'pin 3 is no input');
  assert.equal(sent(board, () => board.receive(Buffer.from([0xd1, 1]))), ['910000']);
  assert.equal(sent(board, () => board.setPin(9, 1)), ['910200']);
  assert.equal(sent(board, () => board.receive(Buffer.from([0xd0, 0]))), []);
  assert.equal(sent(board, () => board.setPin(2, 1)), [], 'port 0 no longer reported');
  assert.is(board.mode(7), PIN_MODE.PULLUP);
  assert.equal(sent(board, () => board.receive(Buffer.from([0xf0, 0x6d, 7, 0xf7]))), ['f06e070b01f7']);
  board.receive(Buffer.from([0xff]));
  assert.is(board.mode(7), undefined);
  assert.is(board.reporting(1), false);
});

emulator('commands split anywhere, and sysex it does not know, are read the same', () => {
  const stream = Buffer.from([0xf0, 0x7a, 0x13, 0x00, 0xf7, 0xf9, 0xf0, 0x79, 0xf7, 0xf4, 2, 0, 0xf4, 3, 0, 0xc0, 1, 0xd0, 1, 0xf0, 0x6b, 0xf7]);
  const whole = new FirmataEmulator();
  const expected = sent(whole, () => whole.receive(stream));
  for (const cut of [1, 2, 3, 5, 7]) {
    const board = new FirmataEmulator();
    const out = sent(board, () => {
      for (let at = 0; at < stream.length; at += cut) board.receive(stream.subarray(at, at + cut));
    });
    assert.equal(out, expected, `in chunks of ${cut}`);
    assert.equal(board.heard, whole.heard);
  }
  assert.equal(whole.heard, ['REPORT_VERSION', 'QUERY_FIRMWARE', 'PIN_MODE 2 0', 'PIN_MODE 3 0', 'REPORT_DIGITAL 0 1', 'CAPABILITY_QUERY']);
  assert.throws(() => whole.setPin(20, 1), RangeError);
});

emulator.run();
