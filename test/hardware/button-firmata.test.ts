/**
 * The Firmata button: the button contract over johnny-five with mock-firmata as its IO plugin and
 * over the Firmata emulator's in-memory port (firmata.js's own handshake and parser); then the pin
 * set up as an input with pull-up, errors that speak of the button, the cable pulled and the board
 * back; and end to end over a socat pty pair (node-serialport, johnny-five, firmata.js), in real time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createButton, FirmataButton, type ButtonPress } from '../../hardware/button/button.js';
import { buttonContract, type ButtonSetup, type ButtonUnderTest } from '../../hardware/button/contract.js';
import { ManualTime } from '../../hardware/common/time.js';
import { FirmataEmulator, PIN_MODE, type EmulatorPort } from '../../hardware/firmata/emulator.js';
import { tmpDir, waitFor } from '../helpers.js';
import { MockBoard } from './mock-board.js';
import { PtyPair } from './pty.js';

const PIN = 7;
const PATH = '/dev/ttyACM0';

function overMockFirmata(setup: ButtonSetup): ButtonUnderTest {
  const levels = new Map<number, 0 | 1>();
  let board: MockBoard | null = null;
  // mock-firmata's pins have no PULLUP mode: the button has its own resistor here.
  const button = createButton({ kind: 'firmata', path: PATH, pin: PIN, pullUp: false, debounceMs: setup.debounceMs, io: () => (board = new MockBoard(levels)) }, { clock: setup.time, timers: setup.time });
  return {
    button,
    setPressed: (pressed) => (board ? board.drive(PIN, pressed ? 0 : 1) : levels.set(PIN, pressed ? 0 : 1)),
    openWatchers: () => board?.watchers() ?? 0,
  };
}

function overEmulator(setup: ButtonSetup): ButtonUnderTest {
  const emulator = new FirmataEmulator();
  const button = createButton({ kind: 'firmata', path: PATH, pin: PIN, debounceMs: setup.debounceMs, openPort: ({ path }) => emulator.port(path) }, { clock: setup.time, timers: setup.time });
  return { button, setPressed: (pressed) => emulator.setPin(PIN, pressed ? 0 : 1), openWatchers: () => emulator.openPorts };
}

buttonContract('firmata driver: johnny-five over mock-firmata', overMockFirmata);
buttonContract('firmata driver: johnny-five and firmata.js over the Firmata emulator', overEmulator);

// ---------------------------------------------------------------------------------------------

const firmata = suite('firmata button: the pin, errors, the cable pulled');

firmata('the pin is made an input with pull-up (Firmata 0x0B) by default, and reported; pressedWhen high reads the other way', async () => {
  const emulator = new FirmataEmulator({ idle: 0 });
  const time = new ManualTime();
  const button = createButton({ kind: 'firmata', path: PATH, pin: PIN, pressedWhen: 'high', openPort: ({ path }) => emulator.port(path) }, { clock: time, timers: time });
  const presses: ButtonPress[] = [];
  button.onPress((p) => presses.push(p));
  await button.start();
  assert.ok(emulator.heard.includes(`PIN_MODE ${PIN} 11`), emulator.heard.join(', '));
  assert.is(emulator.mode(PIN), PIN_MODE.PULLUP);
  assert.ok(emulator.reporting(0));
  emulator.setPin(PIN, 1);
  time.advance(100);
  emulator.setPin(PIN, 0);
  time.advance(100);
  assert.is(presses.length, 1);
  await button.stop();
  assert.is(emulator.openPorts, 0);
});

firmata('a pin that cannot be an input: start() rejects naming the button, the pin and the path, holding nothing', async () => {
  const emulator = new FirmataEmulator();
  const serialPin = createButton({ kind: 'firmata', path: PATH, pin: 1, openPort: ({ path }) => emulator.port(path) });
  await serialPin.start().then(
    () => assert.unreachable('started'),
    (err) => assert.match(String(err), /pin 1 \(the button\) of the Firmata board on \/dev\/ttyACM0 cannot be a digital input with pull-up: it supports modes \[\]/),
  );
  assert.is((serialPin as FirmataButton).openFailures, 1);
  assert.is(serialPin.health().status, 'stopped');
  assert.is(emulator.openPorts, 0);
});

firmata('the cable pulled: a fault; the board opened again clears it and presses are heard again', async () => {
  const time = new ManualTime();
  const emulator = new FirmataEmulator();
  const ports: EmulatorPort[] = [];
  const button = createButton({ kind: 'firmata', path: PATH, pin: PIN, reconnectMinMs: 20, openPort: ({ path }) => (ports.push(emulator.port(path)), ports.at(-1)!) }, { clock: time, timers: time });
  const presses: ButtonPress[] = [];
  button.onPress((p) => presses.push(p));
  await button.start();
  const tap = () => {
    emulator.setPin(PIN, 0);
    time.advance(200);
    emulator.setPin(PIN, 1);
    time.advance(200);
  };
  tap();
  ports[0]!.pull();
  assert.is(button.connected, false);
  assert.is(button.health().status, 'fault');
  assert.match(button.health().fault ?? '', /Firmata board on \/dev\/ttyACM0 lost: Input\/output error/);
  tap(); // nobody hears this one
  await waitFor('the board back', () => button.connected, 2000, 5);
  assert.is(button.health().status, 'ok');
  assert.is(button.disconnects, 1);
  tap();
  assert.is(presses.length, 2);
  await button.stop();
  assert.is(emulator.openPorts, 0);
});

firmata.run();

// ---------------------------------------------------------------------------------------------

if (!PtyPair.available()) {
  console.log('button-firmata: pty tests skipped: socat is not installed (apt-get install socat)');
} else {
  const pty = suite('firmata button over a socat pty: the emulator on one end, johnny-five on the other');

  pty('a real press (with bounce) is one press; a long hold is one press', async () => {
    const dir = tmpDir('tabla-button-pty-');
    const pair = new PtyPair(path.join(dir, 'board'), path.join(dir, 'line'));
    const emulator = new FirmataEmulator();
    const button = createButton({ kind: 'firmata', path: pair.a, pin: PIN, connectTimeoutMs: 3000 });
    const presses: ButtonPress[] = [];
    button.onPress((p) => presses.push(p));
    let line: { close(): Promise<void> } | null = null;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await pair.up();
      line = await emulator.attach(pair.b);
      await button.start();
      assert.is(button.connected, true);
      // Contact bounce: five changes within a millisecond or so, as a cheap switch makes them.
      for (const level of [0, 1, 0, 1, 0] as const) emulator.setPin(PIN, level);
      await waitFor('the press', () => presses.length === 1, 3000);
      emulator.setPin(PIN, 1);
      await sleep(300);
      assert.is(button.pressed, false);
      emulator.setPin(PIN, 0);
      await sleep(1200);
      emulator.setPin(PIN, 1);
      await waitFor('the second press', () => presses.length === 2, 3000);
      await sleep(200);
      assert.is(presses.length, 2);
      assert.is(button.pressed, false);
      assert.is(button.health().bounces, 2);
    } finally {
      await button.stop();
      await line?.close();
      await pair.down();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  pty.run();
}
