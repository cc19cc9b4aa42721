/**
 * The button class: the debouncer on its own (a table of level sequences), the contract on the gpio
 * driver over a fake sysfs GPIO (a Pi 4 on kernel 6.6, a Pi 5) and on the simulated button; then
 * the press timeline (its file format, played by the wall clock) and createButton from the config
 * schema. The Firmata driver is button-firmata.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createButton, GpioButton, SimulatedButton, type ButtonPress } from '../../hardware/button/button.js';
import { buttonContract, type ButtonSetup, type ButtonUnderTest } from '../../hardware/button/contract.js';
import { PressDebouncer } from '../../hardware/button/debounce.js';
import { parsePressTimeline } from '../../hardware/button/presses.js';
import { FakeSysfsGpio, PI_SYSFS_LAYOUTS } from '../../hardware/gpio/fake-gpio.js';
import { ManualTime } from '../../hardware/common/time.js';
import { driversFrom } from '../../device/hardware.js';
import { ButtonHardware, HardwareConfig } from '../../protocols/index.js';
import { quiet, tmpDir } from '../helpers.js';

const BCM = 17;

function gpioOn(layout: keyof typeof PI_SYSFS_LAYOUTS, base: number) {
  return (setup: ButtonSetup): ButtonUnderTest => {
    const sysfs = new FakeSysfsGpio(path.join(setup.root, 'sys/class/gpio'), PI_SYSFS_LAYOUTS[layout]);
    const button = createButton({ kind: 'gpio', pin: BCM, sysfsRoot: sysfs.root, openLine: sysfs.open, debounceMs: setup.debounceMs }, { clock: setup.time, timers: setup.time });
    return {
      button,
      // To ground while held, pulled up otherwise.
      setPressed: (pressed) => sysfs.set(base + BCM, pressed ? 0 : 1),
      openWatchers: () => sysfs.watchers() + sysfs.exported().length,
    };
  };
}

function simulated(setup: ButtonSetup): ButtonUnderTest {
  const button = createButton({ kind: 'simulated', debounceMs: setup.debounceMs }, { clock: setup.time, timers: setup.time });
  return { button, setPressed: (pressed) => button.setPressed(pressed), openWatchers: () => (button.heard ? 1 : 0) };
}

buttonContract('gpio driver over a fake sysfs GPIO (Pi 4, kernel 6.6: base 512)', gpioOn('pi4Kernel66', 512));
buttonContract('gpio driver over a fake sysfs GPIO (Pi 5: the RP1 at 571)', gpioOn('pi5Kernel66', 571));
buttonContract('simulated button', simulated);

// ---------------------------------------------------------------------------------------------

const debounce = suite('PressDebouncer: level sequences in, presses out');

/** [name, debounceMs, [ms, pressed][] (time of each reading), presses expected (their times), bounces expected] */
const CASES: [string, number, [number, boolean][], number[], number][] = [
  ['a clean press', 50, [[0, true], [200, false]], [0], 0],
  ['held for ten minutes', 50, [[0, true], [600_000, false]], [0], 0],
  ['bounce on press: dated at the last down edge', 50, [[0, true], [2, false], [4, true], [6, false], [8, true], [300, false]], [8], 2],
  ['bounce on release is no second press', 50, [[0, true], [300, false], [303, true], [306, false], [309, true], [312, false]], [0], 2],
  ['a 10 ms spike', 50, [[0, true], [10, false]], [], 1],
  ['just long enough', 50, [[0, true], [50, false]], [0], 0],
  ['two presses', 50, [[0, true], [100, false], [400, true], [500, false]], [0, 400], 0],
  ['released too briefly between two presses: one', 50, [[0, true], [100, false], [120, true], [500, false]], [0], 1],
  ['repeated readings change nothing', 50, [[0, true], [10, true], [20, true], [30, true], [300, false], [310, false]], [0], 0],
  ['no debounce: every change counts', 0, [[0, true], [1, false], [2, true], [3, false]], [0, 2], 0],
  ['a reading dated before the previous one is taken as at it', 50, [[100, true], [90, false], [400, true], [700, false]], [400], 1],
];

for (const [name, debounceMs, readings, expected, bounces] of CASES) {
  debounce(name, () => {
    const d = new PressDebouncer(debounceMs);
    d.prime(false, -1000);
    const presses: number[] = [];
    for (const [at, pressed] of readings) presses.push(...d.feed(pressed, at));
    presses.push(...d.advance(10_000_000));
    assert.equal(presses, expected);
    assert.is(d.stats.presses, expected.length);
    assert.is(d.stats.bounces, bounces);
    assert.is(d.nextDeadline(), null);
  });
}

debounce('primed held: no press until let go and pressed again; nextDeadline says when to look again', () => {
  const d = new PressDebouncer(50);
  d.prime(true, 0);
  assert.is(d.pressed, true);
  assert.equal(d.feed(false, 100), []);
  assert.is(d.nextDeadline(), 150);
  assert.equal(d.advance(149), []);
  assert.is(d.pressed, true);
  assert.equal(d.advance(150), []);
  assert.is(d.pressed, false);
  assert.equal(d.feed(true, 200), []);
  assert.equal(d.advance(250), [200]);
  assert.throws(() => new PressDebouncer(-1), /debounceMs/);
});

debounce.run();

// ---------------------------------------------------------------------------------------------

const gpio = suite('gpio button: the header chip, the sysfs line, wiring');

gpio('BCM 17 on a Pi 4 (kernel 6.6) is sysfs 529, on an old kernel 17; released at stop; pressedWhen high', async () => {
  for (const [layout, base] of [['pi4Kernel66', 512], ['pi4Kernel61', 0]] as const) {
    const dir = tmpDir('tabla-button-');
    const sysfs = new FakeSysfsGpio(path.join(dir, 'sys/class/gpio'), PI_SYSFS_LAYOUTS[layout], 0);
    const time = new ManualTime();
    const button = createButton({ kind: 'gpio', pin: BCM, pressedWhen: 'high', sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
    assert.instance(button, GpioButton);
    const presses: ButtonPress[] = [];
    button.onPress((p) => presses.push(p));
    await button.start();
    assert.equal(sysfs.exported(), [base + BCM]);
    assert.is(button.sysfsLine, base + BCM);
    assert.is(button.chip?.label, 'pinctrl-bcm2711');
    sysfs.set(base + BCM, 1);
    time.advance(100);
    sysfs.set(base + BCM, 0);
    time.advance(100);
    assert.is(presses.length, 1);
    await button.stop();
    assert.equal(sysfs.exported(), []);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

gpio('no header chip, a pin the chip has not: start() rejects naming it, holding nothing', async () => {
  const dir = tmpDir('tabla-button-');
  const sysfs = new FakeSysfsGpio(path.join(dir, 'sys/class/gpio'), [{ base: 0, ngpio: 32, label: 'some-other-chip' }]);
  const noChip = createButton({ kind: 'gpio', pin: BCM, sysfsRoot: sysfs.root, openLine: sysfs.open });
  await noChip.start().then(
    () => assert.unreachable('started'),
    (err) => assert.match(String(err), /no GPIO header chip labelled "pinctrl-rp1".*found gpiochip0 "some-other-chip"/),
  );
  assert.is(noChip.health().status, 'stopped');
  const pi4 = new FakeSysfsGpio(path.join(dir, 'pi4'), PI_SYSFS_LAYOUTS.pi4Kernel66);
  const beyond = createButton({ kind: 'gpio', pin: 60, sysfsRoot: pi4.root, openLine: pi4.open });
  await beyond.start().then(
    () => assert.unreachable('started'),
    (err) => assert.match(String(err), /BCM 60 is not a line of gpiochip512 "pinctrl-bcm2711" \(58 lines\)/),
  );
  assert.equal(pi4.exported(), []);
  assert.throws(() => createButton({ kind: 'gpio', pin: -1 }), /BCM -1 is not a line number/);
  fs.rmSync(dir, { recursive: true, force: true });
});

gpio('a line that cannot be read is a fault, counted; the next good reading clears it', async () => {
  const dir = tmpDir('tabla-button-');
  const sysfs = new FakeSysfsGpio(path.join(dir, 'sys/class/gpio'), PI_SYSFS_LAYOUTS.pi4Kernel66);
  const time = new ManualTime();
  const button = createButton({ kind: 'gpio', pin: BCM, sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
  await button.start();
  sysfs.break(512 + BCM);
  assert.is(button.health().status, 'fault');
  assert.match(button.health().fault ?? '', /read failed: .*ENOENT/);
  assert.is(button.health().errors, 1);
  sysfs.set(512 + BCM, 1);
  assert.is(button.health().status, 'ok');
  assert.is(button.health().fault, undefined);
  await button.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

gpio.run();

// ---------------------------------------------------------------------------------------------

const timeline = suite('simulated button: the press timeline');

timeline('JSON lines of {"at"} (ISO or epoch ms, optional holdMs), comments skipped, sorted; bad lines named by file and line', () => {
  const presses = parsePressTimeline(
    ['# presses at the stop', '{"at": "2026-03-10T09:00:05Z"}', '', '{"at": 1773133200000, "holdMs": 2000}'].join('\n'),
    'presses.jsonl',
  );
  assert.equal(presses, [
    { at: Date.parse('2026-03-10T09:00:00Z'), holdMs: 2000, line: 4 },
    { at: Date.parse('2026-03-10T09:00:05Z'), holdMs: 150, line: 2 },
  ]);
  for (const [text, message] of [
    ['{"at": "2026-03-10 09:00"}', /^presses\.jsonl:1: "at" must be an ISO time with its zone/],
    ['\n{"at": 5, "door": 1}', /^presses\.jsonl:2: unknown field "door"/],
    ['{"at": 5, "holdMs": 0}', /^presses\.jsonl:1: "holdMs" must be/],
    ['{"at": 5', /^presses\.jsonl:1: not JSON/],
    ['[1]', /^presses\.jsonl:1: a press is an object/],
  ] as const) {
    assert.throws(() => parsePressTimeline(text, 'presses.jsonl'), (err: Error) => message.test(err.message));
  }
});

timeline('played by the wall clock: past presses skipped, each later one a press when its time comes; relative to baseDir', async () => {
  const dir = tmpDir('tabla-button-');
  const time = new ManualTime(Date.parse('2026-03-10T09:00:00Z'));
  const lines = ['{"at": "2026-03-10T08:59:00Z"}', '{"at": "2026-03-10T09:00:10Z"}', '{"at": "2026-03-10T09:00:10.100Z"}', '{"at": "2026-03-10T09:02:00Z", "holdMs": 5000}'];
  fs.writeFileSync(path.join(dir, 'presses.jsonl'), lines.join('\n') + '\n');
  const button = createButton({ kind: 'simulated', presses: 'presses.jsonl' }, { baseDir: dir, clock: time, timers: time });
  const presses: ButtonPress[] = [];
  button.onPress((p) => presses.push(p));
  await button.start();
  assert.equal(button.timeline, { file: path.join(dir, 'presses.jsonl'), played: 0, skipped: 1, pending: 3 });
  time.advance(9_000);
  assert.is(presses.length, 0);
  time.advance(2_000);
  // Two presses 100 ms apart, each held 150 ms: the button never came up between them: one press.
  assert.equal(presses.map((p) => new Date(p.at).toISOString()), ['2026-03-10T09:00:10.000Z']);
  time.advance(110_000);
  assert.is(presses.length, 2);
  assert.is(button.pressed, true, 'held for 5 s');
  assert.equal(button.timeline, { file: path.join(dir, 'presses.jsonl'), played: 3, skipped: 1, pending: 0 });
  await button.stop();
  assert.is(time.pending(), 0);
  assert.is(button.pressed, false);
  fs.rmSync(dir, { recursive: true, force: true });
});

timeline('a timeline that cannot be read or has a bad line: start() rejects naming it, nothing left running', async () => {
  const dir = tmpDir('tabla-button-');
  const time = new ManualTime();
  const missing = createButton({ kind: 'simulated', presses: 'nope.jsonl' }, { baseDir: dir, clock: time, timers: time });
  await missing.start().then(
    () => assert.unreachable('started'),
    (err) => assert.match(String(err), /nope\.jsonl: cannot read the press timeline \(ENOENT\)/),
  );
  fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"at": 1}\n{"at": true}\n');
  const bad = createButton({ kind: 'simulated', presses: path.join(dir, 'bad.jsonl') }, { clock: time, timers: time });
  await bad.start().then(
    () => assert.unreachable('started'),
    (err) => assert.match(String(err), /bad\.jsonl:2: "at" must be/),
  );
  assert.is(bad.health().status, 'stopped');
  assert.is(time.pending(), 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

timeline('press(holdMs) is a whole press on the button\'s timers', async () => {
  const time = new ManualTime();
  const button = createButton({ kind: 'simulated' }, { clock: time, timers: time });
  assert.instance(button, SimulatedButton);
  let n = 0;
  button.onPress(() => n++);
  await button.start();
  button.press();
  time.advance(1000);
  button.press(3000);
  time.advance(1000);
  assert.is(button.pressed, true);
  time.advance(3000);
  assert.is(button.pressed, false);
  assert.is(n, 2);
  assert.throws(() => button.press(0), /holdMs must be > 0/);
  await button.stop();
});

timeline.run();

// ---------------------------------------------------------------------------------------------

const config = suite('createButton: from the config schema');

config('each kind of ButtonHardware, parsed with its defaults, makes its driver; bad values are RangeErrors', () => {
  const gpio = createButton(ButtonHardware.parse({ kind: 'gpio', pin: 17 }));
  assert.instance(gpio, GpioButton);
  assert.is(gpio.health().status, 'stopped');
  const sim = createButton(ButtonHardware.parse({ kind: 'simulated' }));
  assert.instance(sim, SimulatedButton);
  const firmata = createButton(ButtonHardware.parse({ kind: 'firmata', path: '/dev/ttyACM0', pin: 7 }));
  assert.is(firmata.health().status, 'stopped');
  assert.throws(() => createButton({ kind: 'firmata', path: '', pin: 7 }), /path must name/);
  assert.throws(() => createButton({ kind: 'firmata', path: '/dev/ttyACM0', pin: 200 }), /pin 200 is not a Firmata pin/);
  assert.throws(() => createButton({ kind: 'simulated', debounceMs: -5 }), /debounceMs must be/);
  assert.throws(() => createButton({ kind: 'laser' } as never), /unknown button kind: "laser"/);
});

config('driversFrom: the hardware section\'s button is the modules\' drivers.button', () => {
  const drivers = driversFrom(HardwareConfig.parse({ button: { kind: 'simulated' } }), quiet);
  assert.instance(drivers.button, SimulatedButton);
  assert.is(driversFrom(HardwareConfig.parse({}), quiet).button, undefined);
});

config.run();
