/**
 * What every GuidanceSign must do, as uvu tests (aedes-persistence's `abstract.js` style): a driver's
 * test file runs them in one line, `signContract('alpha driver over a socat pty', factory)`.
 *
 * The factory gets a fresh temp dir and whether the sign answers ACK/NAK; it returns the sign under
 * test, the emulated sign at the other end of its line (to see what the glass shows and to order
 * faults), and `close()` for what it made (a socat, say). Every test runs with a sign that ACKs and
 * with one that does not (its writes confirmed by reading back).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SignEmulator } from './emulator.js';
import { SignFault, type GuidanceSign } from './sign.js';

export interface SignSetup {
  root: string;
  /** Whether the emulated sign answers ACK/NAK. */
  acks: boolean;
}

export interface SignUnderTest {
  sign: GuidanceSign;
  emulator: SignEmulator;
  close?(): Promise<void>;
}

export type SignFactory = (setup: SignSetup) => SignUnderTest | Promise<SignUnderTest>;

const LAYOUT = [
  { fileLabel: '1', width: 16 },
  { fileLabel: '2', width: 16 },
];

async function until(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function signContract(name: string, factory: SignFactory): void {
  for (const acks of [true, false]) {
    const test = suite(`sign contract: ${name}, ${acks ? 'a sign that ACKs' : 'a sign without ACK/NAK'}`);

    async function withSign(run: (u: SignUnderTest) => Promise<void>): Promise<void> {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-sign-'));
      let under: SignUnderTest | undefined;
      try {
        under = await factory({ root, acks });
        await run(under);
      } finally {
        await under?.sign.stop();
        await under?.close?.();
        fs.rmSync(root, { recursive: true, force: true });
      }
    }

    test('configure, then each row shows its text; the picture is what the sign shows', () =>
      withSign(async ({ sign, emulator }) => {
        assert.is(sign.health().connected, false);
        await sign.start();
        await until('the port open', () => sign.health().connected);
        await sign.configure(LAYOUT);
        assert.equal(emulator.memory.map((f) => `${f.label}${f.type}${f.size}`), ['Atext32', '1string16', '2string16']);
        await sign.writeString('1', 'Glazija 123');
        await sign.writeString('2', 'Celeiapark 45');
        assert.equal(emulator.render().lines, ['Glazija 123', 'Celeiapark 45']);
        const ours = sign.picture();
        const glass = emulator.picture();
        assert.equal(ours.lines, glass.lines);
        assert.equal([...ours.bits], [...glass.bits]);
        assert.ok(ours.bits.some((b) => b !== 0), 'the picture has lit LEDs');
        const png = emulator.render().png;
        assert.equal([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
        const h = sign.health();
        assert.is(h.configured, true);
        assert.is(h.inSync, true);
        assert.equal(h.faults, []);
        assert.is(h.acks, acks);
        assert.ok(h.lastOkAt !== null);
      }));

    test('an update is a STRING write only: the layout and the memory are not sent again (the sign does not blank)', () =>
      withSign(async ({ sign, emulator }) => {
        await sign.start();
        await sign.configure(LAYOUT);
        await sign.writeString('1', 'Glazija 100');
        const from = emulator.heard.length;
        await sign.writeString('1', 'Glazija 99');
        const sent = emulator.heard.slice(from);
        assert.ok(sent.includes('G1Glazija 99'), sent.join(' | '));
        assert.ok(!sent.some((c) => c.startsWith('E$') || c.startsWith('AA')), sent.join(' | '));
        assert.equal(emulator.render().lines[0], 'Glazija 99');
      }));

    test('Slovenian letters are transliterated and counted; text past the width is cut and counted', () =>
      withSign(async ({ sign, emulator }) => {
        await sign.start();
        await sign.configure([{ fileLabel: '1', width: 12 }]);
        await sign.writeString('1', 'Aškerčeva Ž');
        assert.is(emulator.file('1'), 'Askerceva Z');
        assert.is(sign.health().counts.transliterated, 3);
        assert.is(sign.health().counts.truncated, 0);
        await sign.writeString('1', 'Spodnji grad 14');
        assert.is(emulator.file('1'), 'Spodnji grad');
        assert.is(sign.health().counts.truncated, 1);
      }));

    test('calls out of order or with bad arguments reject with a SignFault naming it', () =>
      withSign(async ({ sign }) => {
        await sign.start();
        const early = await sign.writeString('1', 'x').catch((e: unknown) => e);
        assert.instance(early, SignFault);
        assert.is((early as SignFault).kind, 'state');
        for (const layout of [[], [{ fileLabel: '0', width: 5 }], [{ fileLabel: 'A', width: 5 }], [{ fileLabel: '1', width: 0 }], [{ fileLabel: '1', width: 5 }, { fileLabel: '1', width: 5 }]]) {
          const err = await sign.configure(layout).catch((e: unknown) => e);
          assert.instance(err, SignFault, JSON.stringify(layout));
          assert.is((err as SignFault).kind, 'input');
        }
        await sign.configure(LAYOUT);
        const unknown = await sign.writeString('9', 'x').catch((e: unknown) => e);
        assert.is((unknown as SignFault).kind, 'input');
        assert.match((unknown as Error).message, /"9"/);
        const bright = await sign.setBrightness(140).catch((e: unknown) => e);
        assert.is((bright as SignFault).kind, 'input');
      }));

    test('brightness goes to the nearest level the sign has', () =>
      withSign(async ({ sign, emulator }) => {
        await sign.start();
        await sign.configure(LAYOUT);
        await sign.setBrightness(70);
        assert.is(emulator.brightness, 2);
        await sign.setBrightness(100);
        assert.is(emulator.brightness, 0);
      }));

    test('a sign that rebooted mid-session (memory configuration lost) is configured again and shows every row', () =>
      withSign(async ({ sign, emulator }) => {
        await sign.start();
        await sign.configure(LAYOUT);
        await sign.writeString('1', 'Glazija 10');
        await sign.writeString('2', 'Kocbekova 20');
        emulator.reboot();
        assert.equal(emulator.render().lines, ['', ''], 'a sign without its configuration shows nothing');
        await sign.writeString('1', 'Glazija 11');
        assert.equal(emulator.render().lines, ['Glazija 11', 'Kocbekova 20']);
        const h = sign.health();
        assert.is(h.counts.reboots, 1);
        assert.equal(h.faults, []);
        assert.is(h.inSync, true);
      }));

    test('a refused packet is sent again', () =>
      withSign(async ({ sign, emulator }) => {
        await sign.start();
        await sign.configure(LAYOUT);
        emulator.nak(1);
        await sign.writeString('1', 'Mestni park 7');
        assert.is(emulator.file('1'), 'Mestni park 7');
        assert.ok(sign.health().counts.retries >= 1);
      }));

    test('stop() ends pending calls with a state fault, and is safe twice', () =>
      withSign(async ({ sign, emulator }) => {
        await sign.start();
        await sign.configure(LAYOUT);
        emulator.silent = true;
        const pending = sign.writeString('1', 'never').catch((e: unknown) => e);
        await sign.stop();
        const err = await pending;
        assert.instance(err, SignFault);
        assert.is((err as SignFault).kind, 'state');
        await sign.stop();
        assert.is(sign.health().connected, false);
      }));

    test.run();
  }
}
