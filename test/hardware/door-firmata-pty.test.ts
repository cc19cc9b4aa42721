/**
 * The Firmata door driver end to end over a real serial line: a socat pty pair, the Firmata
 * emulator (hardware/firmata/emulator.ts) serving one end as a StandardFirmata board would,
 * the driver opening the other with node-serialport, johnny-five and firmata.js, as on a bus.
 * Passengers walk through in real time; the cable is pulled (socat killed) and put back.
 *
 * Skipped, with the reason printed, where socat is not installed (`apt-get install socat`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDoorCounter, type DoorCrossing, type FirmataDoorCounter } from '../../hardware/door/door.js';
import { FirmataEmulator, PIN_MODE } from '../../hardware/firmata/emulator.js';
import { tmpDir, waitFor } from '../helpers.js';
import { PtyPair } from './pty.js';

const PINS: Record<number, { a: number; b: number }> = { 1: { a: 2, b: 3 }, 2: { a: 8, b: 9 } };
const DOORS = [1, 2].map((door) => ({ door, ...PINS[door]! }));

/** A bus's sensor board on a pty: the driver opens `board`, the emulator serves `line`. */
async function rig(options: { connectTimeoutMs?: number } = {}) {
  const dir = tmpDir('tabla-firmata-pty-');
  const pair = new PtyPair(path.join(dir, 'firmata-board'), path.join(dir, 'firmata-line'));
  const emulator = new FirmataEmulator();
  const counter = createDoorCounter({ kind: 'firmata', path: pair.a, doors: DOORS, connectTimeoutMs: options.connectTimeoutMs ?? 3000, reconnectMinMs: 50, reconnectMaxMs: 200 });
  const crossings: DoorCrossing[] = [];
  counter.onCrossing((c) => crossings.push(c));
  let line: { close(): Promise<void> } | null = null;
  return {
    pair,
    emulator,
    counter,
    crossings,
    /** The board plugged in: socat up, the emulator on its end. */
    async plug() {
      await pair.up();
      line = await emulator.attach(pair.b);
    },
    /** The cable pulled: socat killed, both ptys gone. */
    async pull() {
      await line?.close();
      line = null;
      await pair.down();
    },
    async done() {
      await counter.stop();
      await line?.close();
      await pair.down();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const totals = (counter: FirmataDoorCounter) => counter.counts().map((c) => [c.door, c.boardings, c.alightings]);

if (!PtyPair.available()) {
  console.log('door-firmata-pty: skipped: socat is not installed (apt-get install socat)');
} else {
  const pty = suite('firmata doors over a socat pty: the emulator on one end, johnny-five on the other');

  pty('johnny-five\'s handshake is answered; a passenger walking in and one walking out are counted with their direction', async () => {
    const r = await rig();
    try {
      await r.plug();
      await r.counter.start();
      assert.is(r.counter.connected, true);
      assert.is(r.counter.firmware, 'StandardFirmata.ino 2.5');
      for (const command of ['REPORT_VERSION', 'QUERY_FIRMWARE', 'CAPABILITY_QUERY', 'ANALOG_MAPPING_QUERY', 'PIN_MODE 2 0', 'PIN_MODE 9 0', 'REPORT_DIGITAL 0 1', 'REPORT_DIGITAL 1 1']) {
        assert.ok(r.emulator.heard.includes(command), `the board never heard ${command}: ${r.emulator.heard.join(', ')}`);
      }
      assert.is(r.emulator.mode(8), PIN_MODE.INPUT);

      await r.emulator.walk(PINS[1]!, 'in');
      await waitFor('the boarding', () => r.crossings.length === 1, 3000);
      await r.emulator.walk(PINS[2]!, 'out');
      await waitFor('the alighting', () => r.crossings.length === 2, 3000);
      assert.equal(r.crossings.map((c) => `${c.door}${c.direction}`), ['1in', '2out']);
      assert.equal(totals(r.counter), [[1, 1, 0], [2, 0, 1]]);

      // Looked in and stepped back: nothing counted.
      r.emulator.setPin(PINS[1]!.a, 0);
      await new Promise((resolve) => setTimeout(resolve, 150));
      r.emulator.setPin(PINS[1]!.a, 1);
      await waitFor('the abort', () => r.counter.health().doors[0]!.aborted === 1, 3000);
      assert.equal(totals(r.counter), [[1, 1, 0], [2, 0, 1]]);
      assert.equal(r.counter.health().status, 'ok');
    } finally {
      await r.done();
    }
  });

  pty('the cable pulled: every beam in fault; put back, the board is opened again, the faults clear and counting goes on', async () => {
    const r = await rig();
    try {
      await r.plug();
      await r.counter.start();
      await r.emulator.walk(PINS[1]!, 'in');
      await waitFor('the boarding', () => r.crossings.length === 1, 3000);

      await r.pull();
      await waitFor('the fault', () => r.counter.health().status === 'fault', 3000);
      assert.is(r.counter.connected, false);
      assert.is(r.counter.disconnects, 1);
      assert.equal(r.counter.health().faults.map((f) => `${f.door}${f.beam} ${f.kind}`), ['1a line-error', '1b line-error', '2a line-error', '2b line-error']);
      await waitFor('a failed open while the port is gone', () => r.counter.openFailures >= 1, 3000);

      await r.plug();
      await waitFor('the board back', () => r.counter.connected, 5000);
      assert.is(r.counter.health().status, 'ok');
      await r.emulator.walk(PINS[2]!, 'in');
      await r.emulator.walk(PINS[1]!, 'out');
      await waitFor('two more crossings', () => r.crossings.length === 3, 3000);
      assert.equal(r.crossings.map((c) => `${c.door}${c.direction}`), ['1in', '2in', '1out']);
      assert.equal(totals(r.counter), [[1, 1, 1], [2, 1, 0]]);
    } finally {
      await r.done();
    }
  });

  pty('nothing answering on the line: start() rejects in connectTimeoutMs naming the path; with the board there, it starts', async () => {
    const r = await rig({ connectTimeoutMs: 300 });
    try {
      await r.pair.up(); // the line is there, no board on it
      await r.counter.start().then(
        () => assert.unreachable('start() resolved'),
        (err) => assert.match(String(err), new RegExp(`no Firmata board answered on ${r.pair.a.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} within 0\\.3 s`)),
      );
      assert.is(r.counter.health().status, 'stopped');
      await r.pair.down();
      await r.plug();
      await r.counter.start();
      assert.is(r.counter.connected, true);
    } finally {
      await r.done();
    }
  });

  pty.run();
}
