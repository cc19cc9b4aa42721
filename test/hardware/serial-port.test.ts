/**
 * hardware/serial/port.ts over real pseudo-terminals (socat): node-serialport's port with reads
 * that see a hang-up. Bytes arrive as written; a read with nothing to read waits; a pty whose other
 * end went (the cable pulled, an adapter unplugged) closes the port at once, whenever the hang-up
 * falls against the read, without spinning on end of file; close() while a read waits is quiet.
 *
 * Skipped, with the reason printed, where socat is not installed (`apt-get install socat`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openSerialPort } from '../../hardware/serial/port.js';
import { tmpDir, waitFor } from '../helpers.js';
import { PtyPair } from './pty.js';

type Port = ReturnType<typeof openSerialPort>;

async function opened(at: string): Promise<Port> {
  const port = openSerialPort({ path: at, baudRate: 9600 });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

async function closed(port: Port): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

/** What the port's 'close' said: the error it closed with, or 'clean'; undefined while open. */
function watchClose(port: Port): () => Error | 'clean' | undefined {
  let why: Error | 'clean' | undefined;
  port.on('close', (err?: Error | null) => (why = err ?? 'clean'));
  return () => why;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function writeTo(at: string, text: string): void {
  const fd = fs.openSync(at, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Runs `body` with a pty pair (`port` for the port, `line` for the other end) and a way to open
 * ports on it; whatever it opened is closed, socat stopped and the directory removed, pass or fail.
 */
async function withPty(body: (pty: PtyPair, open: () => Promise<Port>) => Promise<void>): Promise<void> {
  const dir = tmpDir('tabla-serial-port-');
  const pty = new PtyPair(path.join(dir, 'port'), path.join(dir, 'line'));
  const ports: Port[] = [];
  try {
    await body(pty, async () => {
      const port = await opened(pty.a);
      ports.push(port);
      return port;
    });
  } finally {
    for (const port of ports) await closed(port);
    await pty.down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (!PtyPair.available()) {
  console.log('serial-port: skipped: socat is not installed (apt-get install socat)');
} else {

  test('bytes written at the other end arrive; a read with nothing to read waits for what comes later', () =>
    withPty(async (pty, open) => {
      await pty.up();
      const port = await open();
      const why = watchClose(port);
      let got = '';
      port.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
      writeTo(pty.b, '$GPGGA,first\r\n');
      await waitFor('the first line', () => got === '$GPGGA,first\r\n');
      await sleep(300); // nothing to read: the read waits on the poller, it neither fails nor spins
      assert.is(why(), undefined);
      writeTo(pty.b, '$GPRMC,later\r\n');
      await waitFor('the later line', () => got === '$GPGGA,first\r\n$GPRMC,later\r\n');
    }));

  test('a pty hung up before the port reads (every later read is end of file): the port closes with a disconnect that says so and names it, without spinning', () =>
    withPty(async (pty, open) => {
      await pty.up();
      const port = await open();
      port.on('error', () => undefined);
      const why = watchClose(port);
      await pty.down(); // socat gone: the kernel hangs up the pty we hold
      await sleep(100);
      const cpu = process.cpuUsage();
      port.on('data', () => undefined); // the first read now
      await waitFor('the port closed', () => why() !== undefined, 2000);
      const used = process.cpuUsage(cpu);
      const err = why();
      assert.instance(err, Error);
      assert.is((err as Error & { disconnected?: boolean }).disconnected, true);
      assert.match((err as Error).message, `${pty.a} hung up (a read gave end of file)`);
      assert.is(port.isOpen, false);
      // bindings-cpp's own read spins here, reading end of file over and over (a core's worth).
      assert.ok((used.user + used.system) / 1000 < 500, `${Math.round((used.user + used.system) / 1000)} ms of CPU before the close`);
    }));

  test('a pty pulled while the port waits to read, 20 times: it closes every time, however the read or its wait sees the hang-up', () =>
    withPty(async (pty, open) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        await pty.up();
        const port = await open();
        port.on('error', () => undefined);
        const why = watchClose(port);
        let got = '';
        port.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
        writeTo(pty.b, `line ${i}\n`);
        await waitFor('the line', () => got === `line ${i}\n`);
        await sleep(i % 4);
        await pty.down();
        await waitFor(`the port closed (pull ${i + 1})`, () => why() !== undefined, 2000);
        const err = why();
        assert.ok(err instanceof Error, `pull ${i + 1}: closed ${String(err)}, not with an error`);
        const kind = err.message.includes('hung up') ? 'end of file' : err.message;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
      console.log(`    the pulls seen as: ${[...seen].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }));

  test('close() while a read waits: the port closes cleanly, no error', () =>
    withPty(async (pty, open) => {
      await pty.up();
      const port = await open();
      const errors: Error[] = [];
      port.on('error', (err: Error) => errors.push(err));
      const why = watchClose(port);
      port.on('data', () => undefined);
      await sleep(100);
      await closed(port);
      await sleep(100);
      assert.is(why(), 'clean');
      assert.equal(errors, []);
    }));

  test.run();
}
