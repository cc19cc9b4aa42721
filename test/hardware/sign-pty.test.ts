/**
 * The Alpha sign driver over a real pseudo-terminal pair made by socat (node-serialport's own
 * bindings at 9600 7E1, real reads and writes), an emulated sign on the other end: the sign
 * contract, then the failures a sign on a roadside RS-485 line has: line noise, a sign gone silent,
 * a sign refusing packets, the cable pulled and put back, and the sign rebooted while it was out.
 *
 * Skipped, with the reason printed, where socat is not installed (`apt-get install socat`).
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AlphaSign, SignFault } from '../../hardware/sign/sign.js';
import { signContract } from '../../hardware/sign/contract.js';
import { SignEmulator } from '../../hardware/sign/emulator.js';
import { quiet, tmpDir, waitFor } from '../helpers.js';
import { PtyPair } from './pty.js';

const LAYOUT = [
  { fileLabel: '1', width: 16 },
  { fileLabel: '2', width: 16 },
];

/** A socat pty pair, the driver on `a`, an emulated sign served on `b`. */
async function rig(dir: string, options: { acks?: boolean; retries?: number } = {}) {
  const pair = new PtyPair(path.join(dir, 'sign-host'), path.join(dir, 'sign-line'));
  await pair.up();
  const emulator = new SignEmulator({ acks: options.acks ?? true });
  let served = await emulator.attach(pair.b);
  const sign = new AlphaSign({
    path: pair.a,
    ackTimeoutMs: 250,
    responseTimeoutMs: 250,
    retries: options.retries ?? 3,
    retryDelayMs: 20,
    passBackoffMinMs: 100,
    passBackoffMaxMs: 400,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    log: quiet,
  });
  return {
    pair,
    emulator,
    sign,
    /** The cable pulled: socat killed, both ptys gone. */
    async pull() {
      await served.close();
      await pair.down();
    },
    /** Put back: socat again on the same paths, the sign served again. */
    async plug() {
      await pair.up();
      served = await emulator.attach(pair.b);
    },
    async close() {
      await sign.stop();
      await served.close();
      await pair.down();
    },
  };
}

if (!PtyPair.available()) {
  console.log('sign-pty: skipped the pty tests: socat is not installed (apt-get install socat)');
} else {
  signContract('alpha driver over a socat pty pair', async ({ root, acks }) => {
    const r = await rig(root, { acks });
    return { sign: r.sign, emulator: r.emulator, close: () => r.close() };
  });

  const faults = suite('alpha driver over a pty: a roadside line');

  faults('line noise from the sign side is counted and skipped; writes are still confirmed', async () => {
    const r = await rig(tmpDir('tabla-sign-pty-'));
    try {
      await r.sign.start();
      await r.sign.configure(LAYOUT);
      r.emulator.inject(Uint8Array.from([0xff, 0x13, 0x41, 0x42, 0x80, 0x7e]));
      await r.sign.writeString('1', 'Glazija 40');
      r.emulator.inject(Uint8Array.from([0x01, 0x5a, 0x30, 0x31, 0x02, 0x47, 0x31, 0x03, 0x30, 0x30, 0x30, 0x30, 0x04])); // a packet with a wrong checksum
      await r.sign.writeString('2', 'Celeiapark 3');
      assert.equal(r.emulator.render().lines, ['Glazija 40', 'Celeiapark 3']);
      const h = r.sign.health();
      assert.ok(h.counts.noiseBytes >= 6, `noise ${h.counts.noiseBytes}`);
      assert.is(h.counts.rejected.checksum, 1);
      assert.is(h.inSync, true);
    } finally {
      await r.close();
    }
  });

  faults('a sign gone silent: the write fails with no-response after its retries; when it answers again the driver catches up by itself', async () => {
    const r = await rig(tmpDir('tabla-sign-pty-'), { retries: 1 });
    try {
      await r.sign.start();
      await r.sign.configure(LAYOUT);
      r.emulator.silent = true;
      const err = await r.sign.writeString('1', 'Kocbekova 8').catch((e: unknown) => e);
      assert.instance(err, SignFault);
      assert.is((err as SignFault).kind, 'no-response');
      let h = r.sign.health();
      assert.is(h.responding, false);
      assert.ok(h.faults.includes('no-response'));
      assert.ok(h.counts.timeouts >= 2);
      assert.is(h.inSync, false);
      r.emulator.silent = false;
      await waitFor('the sign caught up', () => r.sign.health().inSync, 10_000);
      assert.is(r.emulator.file('1'), 'Kocbekova 8');
      h = r.sign.health();
      assert.equal(h.faults, []);
      assert.is(h.responding, true);
    } finally {
      await r.close();
    }
  });

  faults('a sign that keeps refusing: nak fault after the retries, then it goes through in the background', async () => {
    const r = await rig(tmpDir('tabla-sign-pty-'), { retries: 2 });
    try {
      await r.sign.start();
      await r.sign.configure(LAYOUT);
      r.emulator.nak(4);
      const err = await r.sign.writeString('1', 'Spodnji grad 2').catch((e: unknown) => e);
      assert.instance(err, SignFault);
      assert.ok(['nak', 'no-response'].includes((err as SignFault).kind), (err as Error).message);
      assert.ok(r.sign.health().counts.naks >= 3);
      await waitFor('written after the refusals', () => r.emulator.file('1') === 'Spodnji grad 2', 10_000);
      await waitFor('in sync', () => r.sign.health().inSync);
    } finally {
      await r.close();
    }
  });

  faults('the cable pulled: disconnected, writes refused at once; the sign rebooted meanwhile; put back: reopened, configured again, every row shown', async () => {
    const r = await rig(tmpDir('tabla-sign-pty-'));
    try {
      await r.sign.start();
      await r.sign.configure(LAYOUT);
      await r.sign.writeString('1', 'Glazija 10');
      await r.pull();
      // The hangup reaches the driver through the serial port's poller: on a loaded machine that can take seconds.
      await waitFor('the port lost', () => !r.sign.health().connected, 20_000);
      assert.ok(r.sign.health().faults.includes('disconnected'));
      const err = await r.sign.writeString('2', 'Celeiapark 7').catch((e: unknown) => e);
      assert.instance(err, SignFault);
      assert.is((err as SignFault).kind, 'disconnected');
      r.emulator.reboot();
      await r.plug();
      await waitFor('reopened and in sync', () => r.sign.health().connected && r.sign.health().inSync, 10_000);
      assert.equal(r.emulator.render().lines, ['Glazija 10', 'Celeiapark 7']);
      const h = r.sign.health();
      assert.is(h.counts.disconnects, 1);
      assert.is(h.counts.reboots, 1);
      assert.equal(h.faults, []);
      const glass = r.emulator.picture();
      assert.equal([...r.sign.picture().bits], [...glass.bits]);
    } finally {
      await r.close();
    }
  });

  faults.run();
}
