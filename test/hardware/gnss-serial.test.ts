/**
 * The serial GNSS driver over a real pseudo-terminal pair made by socat (node-serialport's own
 * bindings, a real tty, real reads): the contract, then a gpsd log written in awkward chunks that
 * must give exactly the decoder's fixes, then a cable pulled mid-sentence and put back. And the
 * backoff and the cut over a fake port, where the timing can be pinned.
 *
 * Skipped, with the reason printed, where socat is not installed (`apt-get install socat`).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGnss, type GnssFix } from '../../hardware/gnss/gnss.js';
import { gnssContract, hostileNmea, type GnssSetup, type GnssUnderTest } from '../../hardware/gnss/contract.js';
import type { SerialPortLike } from '../../hardware/gnss/serial.js';
import { decodeNmea } from '../../protocols/index.js';
import { tmpDir, waitFor } from '../helpers.js';
import { PtyPair } from './pty.js';

const GPSD = path.resolve(import.meta.dirname, '../../../shared/data/nmea/gpsd');

/**
 * Two ptys joined by socat (pty.ts): the driver opens `receiver`, the test writes to `line` as a
 * GNSS receiver would; the paths stay the same when socat is killed (the cable pulled) and started
 * again (put back).
 */
class GnssPtyPair extends PtyPair {
  constructor(dir: string) {
    super(path.join(dir, 'gnss-receiver'), path.join(dir, 'gnss-line'));
  }

  get receiver(): string {
    return this.a;
  }

  get line(): string {
    return this.b;
  }

  override async up(): Promise<void> {
    await super.up();
    assert.is(fs.realpathSync(this.receiver), this.pts[0]);
  }

  /** Writes `data` to the line end in chunks of 1–`maxChunk` bytes, a pause between them so each is its own read. */
  async write(data: Uint8Array, maxChunk = 23, seed = 1): Promise<void> {
    const fd = fs.openSync(this.line, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
    try {
      let random = seed;
      for (let at = 0; at < data.length; ) {
        random = (random * 1103515245 + 12345) % 2 ** 31;
        const n = 1 + (random % maxChunk);
        fs.writeSync(fd, data, at, Math.min(n, data.length - at));
        at += n;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Waits until the receiver has read what was written (the pty's queue is empty when no more fixes come). */
async function quiet(fixes: GnssFix[], ms = 300): Promise<void> {
  let last = -1;
  while (last !== fixes.length) {
    last = fixes.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

if (!PtyPair.available()) {
  console.log('gnss-serial: skipped the pty tests: socat is not installed (apt-get install socat)');
} else {
  const log = (name: string) => fs.readFileSync(path.join(GPSD, name));

  const overPty = async (setup: GnssSetup): Promise<GnssUnderTest> => {
    const pair = new GnssPtyPair(setup.root);
    await pair.up();
    const clean = Buffer.from(log('bu353s4.log').toString('latin1').split('\n').filter((l) => !l.startsWith('#')).join('\n'), 'latin1');
    const bytes = setup.hostile ? hostileNmea(clean.toString('latin1'), log('bu303-moving.log')) : clean;
    const gnss = createGnss({ kind: 'serial', path: pair.receiver, reconnectMinMs: 50, reconnectMaxMs: 200 });
    return {
      gnss,
      minFixes: setup.hostile ? 8 : 20,
      deliver: async () => {
        await waitFor('the port open', () => gnss.stats().connected);
        await pair.write(bytes, 64);
      },
      close: () => pair.down(),
    };
  };

  gnssContract('serial driver over a socat pty pair', overPty);

  const e2e = suite('serial over a pty: a gpsd log in awkward chunks, a cable pulled and put back');

  e2e('the fixes are the decoder\'s; a cable pulled mid-sentence drops that sentence; the port comes back and fixes go on', async () => {
    const dir = tmpDir('tabla-gnss-pty-');
    const pair = new GnssPtyPair(dir);
    const driver = createGnss({ kind: 'serial', path: pair.receiver });
    const fixes: GnssFix[] = [];
    driver.onFix((f) => fixes.push(f));
    try {
      await pair.up();
      await driver.start();
      {
        assert.is(driver.stats().connected, true);

        // 1. A SiRF receiver's binary, then an NMEA log with its comments, split anywhere, up to
        // half of an RMC past its middle: there the cable is pulled.
        const binary = log('bu303-moving.log');
        const lines = log('bu353s4.log').toString('latin1').split('\n');
        const cutAt = lines.findIndex((l, i) => i > lines.length / 2 && l.startsWith('$GPRMC'));
        const cutLine = lines[cutAt]!;
        const half = cutLine.slice(0, 30);
        const before = Buffer.concat([binary, Buffer.from(lines.slice(0, cutAt).join('\n') + '\n', 'latin1')]);
        const expectedBefore = decodeNmea(before);
        await pair.write(Buffer.concat([before, Buffer.from(half, 'latin1')]), 37, 7);
        await waitFor('the log up to the cut', () => driver.stats().sentences === expectedBefore.sentences, 20_000);
        await quiet(fixes);
        // The cycle the cut RMC belongs to is still open (decodeNmea closes it at its end of input).
        assert.ok(fixes.length >= 10 && fixes.length >= expectedBefore.fixes.length - 1, `${fixes.length} fixes before the cut`);
        assert.equal(fixes, expectedBefore.fixes.slice(0, fixes.length));
        assert.is(driver.stats().noiseBytes, expectedBefore.noiseBytes);
        assert.is(driver.stats().rejected.cut, undefined);

        // 2. The cable is pulled: socat killed, the ptys and their paths gone.
        await pair.down();
        await waitFor('disconnected', () => !driver.stats().connected);
        assert.is(driver.stats().rejected.cut, 1, JSON.stringify(driver.stats().rejected));

        // 3. Out for a second and a half; then back, at the same path (a new /dev/pts behind it).
        const ptsBefore = pair.pts;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        assert.is(driver.stats().connected, false);
        await pair.up();
        await waitFor('reconnected', () => driver.stats().connected, 10_000);
        assert.ok(driver.openFailures >= 1, 'no failed open while the path was gone');
        assert.is(driver.disconnects, 1);

        // 4. The rest of the cut sentence arrives first: it is noise now, never glued to the half
        // before the cut (glued, it would be a whole sentence with a good checksum). Then the log
        // goes on to its end.
        const tail = cutLine.slice(30);
        const sentencesAtReconnect = driver.stats().sentences;
        const noiseAtReconnect = driver.stats().noiseBytes;
        const fixesAtReconnect = fixes.length;
        await pair.write(Buffer.from(tail + '\n' + lines.slice(cutAt + 1).join('\n'), 'latin1'), 31, 13);
        const afterCut = decodeNmea(lines.slice(cutAt + 1).join('\n'));
        await waitFor('the rest of the log', () => driver.stats().sentences - sentencesAtReconnect >= afterCut.sentences, 20_000);
        await quiet(fixes);
        assert.is(driver.stats().sentences - sentencesAtReconnect, afterCut.sentences, 'the cut sentence was glued back together');
        assert.is(driver.stats().noiseBytes - noiseAtReconnect, tail.replace(/\r$/, '').length, 'the tail of the cut sentence is noise');
        assert.ok(fixes.length > fixesAtReconnect + 5, 'no fixes after the cable came back');

        // The whole stream's fixes are the decoder's for the same bytes without the cut sentence.
        const whole = decodeNmea(Buffer.concat([binary, Buffer.from(lines.filter((_, i) => i !== cutAt).join('\n'), 'latin1')]));
        assert.equal(fixes, whole.fixes);
        assert.ok(pair.pts.length === 2 && ptsBefore.length === 2, 'socat printed its two ptys');
      }
    } finally {
      await driver.stop();
      await pair.down();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  e2e('a port that is not there yet: start() resolves, the driver retries, and connects when it appears', async () => {
    const dir = tmpDir('tabla-gnss-pty-');
    const pair = new GnssPtyPair(dir);
    const driver = createGnss({ kind: 'serial', path: pair.receiver, reconnectMinMs: 100, reconnectMaxMs: 400 });
    try {
      await driver.start();
      assert.is(driver.stats().connected, false);
      await waitFor('two failed opens', () => driver.openFailures >= 2);
      await pair.up();
      await waitFor('connected', () => driver.stats().connected);
      const fixes: GnssFix[] = [];
      driver.onFix((f) => fixes.push(f));
      await pair.write(log('mtk-3329.log'), 64);
      await waitFor('fixes', () => fixes.length >= 3);
    } finally {
      await driver.stop();
      await pair.down();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  e2e.run();
}

// ---------------------------------------------------------------------------------------------

/** A port the test drives by hand: open succeeds or fails as told, data and disconnects on demand. */
class FakePort extends EventEmitter implements SerialPortLike {
  isOpen = false;
  constructor(readonly failOpen: boolean) {
    super();
  }
  open(callback: (err: Error | null) => void): void {
    setImmediate(() => {
      if (this.failOpen) return callback(Object.assign(new Error('Error: No such file or directory, cannot open /dev/ttyUSB0'), { code: 'ENOENT' }));
      this.isOpen = true;
      callback(null);
    });
  }
  close(callback?: (err: Error | null) => void): void {
    this.isOpen = false;
    setImmediate(() => {
      this.emit('close', null);
      callback?.(null);
    });
  }
  /** What node-serialport does when a read fails with EIO: close, with a disconnected error. */
  pull(): void {
    this.isOpen = false;
    this.emit('close', Object.assign(new Error('Input/output error'), { disconnected: true }));
  }
}

const fake = suite('serial driver over a fake port: backoff and the cut');

fake('opens that fail are retried 1×, 2×, 4×… the first wait, at most the longest; never thrown', async () => {
  const attempts: number[] = [];
  const driver = createGnss({
    kind: 'serial',
    path: '/dev/ttyUSB0',
    reconnectMinMs: 40,
    reconnectMaxMs: 160,
    openPort: () => {
      attempts.push(performance.now());
      if (attempts.length === 3) throw new Error('a binding that throws instead of calling back');
      return new FakePort(true);
    },
  });
  await driver.start();
  await waitFor('six attempts', () => attempts.length >= 6, 5000, 5);
  await driver.stop();
  const count = attempts.length;
  const waits = attempts.slice(1).map((t, i) => t - attempts[i]!);
  const expected = [40, 80, 160, 160, 160];
  waits.slice(0, 5).forEach((w, i) => assert.ok(w >= expected[i]! - 5 && w < expected[i]! + 60, `wait ${i}: ${w.toFixed(0)} ms, expected ${expected[i]}`));
  assert.is(driver.openFailures, count);
  assert.is(driver.stats().connected, false);
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.is(attempts.length, count, 'tried again after stop()');
});

fake('a disconnect mid-sentence: counted as cut, the half never glued to what comes next; backoff back to the first wait', async () => {
  const ports: FakePort[] = [];
  const driver = createGnss({ kind: 'serial', path: '/dev/ttyUSB0', reconnectMinMs: 20, openPort: () => (ports.push(new FakePort(false)), ports.at(-1)!) });
  const fixes: GnssFix[] = [];
  driver.onFix((f) => fixes.push(f));
  await driver.start();
  assert.is(driver.stats().connected, true);
  const gga = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n';
  ports[0]!.emit('data', Buffer.from(gga + gga.slice(0, 25)));
  ports[0]!.pull();
  assert.is(driver.stats().connected, false);
  assert.is(driver.disconnects, 1);
  assert.is(driver.stats().rejected.cut, 1);
  await waitFor('reopened', () => driver.stats().connected, 2000, 5);
  assert.is(ports.length, 2);
  ports[1]!.emit('data', Buffer.from(gga.slice(25)));
  assert.is(driver.stats().sentences, 1, 'the two halves were glued');
  assert.is(driver.stats().noiseBytes, gga.length - 25 - 2, 'the tail (but its CRLF) is noise');
  ports[1]!.emit('error', new Error('a stray error event')); // does not throw
  await driver.stop();
  assert.is(ports[1]!.isOpen, false);
  assert.is(ports[1]!.listenerCount('data'), 0);
});

fake.run();
