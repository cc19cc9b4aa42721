/**
 * node-serialport's port, as every serial driver here opens it (the GNSS receiver, the Alpha
 * sign, the Firmata board, the emulators' end of a pty), with one fix to its Linux binding: a read
 * that gives zero bytes is the port hung up, and the port is lost.
 *
 * Why: when a tty hangs up (a USB adapter unplugged, the other end of a pty closed), Linux answers
 * every later read with end of file. bindings-cpp 13 reads again at once when a read gives zero
 * bytes (`unixRead`, serialport/bindings-cpp#162), so the port's close never comes: the process
 * spins a core on reads and never hears the device went. Which of EIO or end of file a read sees
 * depends on when it runs against the kernel's hang-up, so it happened to a pty pulled in about
 * one in thirty tries here. Opened with `vmin: 1` (the binding's default) and non-blocking, a tty
 * with nothing to read answers EAGAIN, never zero bytes, so zero bytes means hung up.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import { autoDetect, BindingsError, LinuxBinding, type AutoDetectTypes, type LinuxBindingInterface, type LinuxPortBinding } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';

export interface SerialPortOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
}

/** A node-serialport port (closed: `autoOpen` is false) on the binding below. */
export function openSerialPort(options: SerialPortOptions): SerialPortStream<AutoDetectTypes> {
  return new SerialPortStream({ binding: serialBinding(), ...options, autoOpen: false });
}

/** The error a hung-up port's read fails with; the stream closes the port with its message, as a disconnect. */
function hungUp(path: string): Error {
  return Object.assign(new Error(`${path} hung up (a read gave end of file): the device went away or the other end closed`), { disconnect: true });
}

let binding: AutoDetectTypes | null = null;

/** bindings-cpp for this platform; on Linux, its ports' reads treat end of file as a hang-up. */
function serialBinding(): AutoDetectTypes {
  if (binding) return binding;
  if (process.platform !== 'linux') return (binding = autoDetect());
  const linux: LinuxBindingInterface = {
    list: () => LinuxBinding.list(),
    open: async (options) => {
      const port = await LinuxBinding.open(options);
      port.read = (buffer, offset, length) => readUntilHungUp(port, options.path, buffer, offset, length);
      return port;
    },
  };
  return (binding = linux);
}

const readAsync = promisify(fs.read);

/** One read as bindings-cpp's `unixRead` makes it (EAGAIN waits for the poller), except at end of file. */
async function readUntilHungUp(port: LinuxPortBinding, path: string, buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
  if (buffer.length < offset + length) throw new Error('buffer is too small');
  for (;;) {
    if (port.fd === null) throw new BindingsError('Port is not open', { canceled: true });
    try {
      const { bytesRead } = await readAsync(port.fd, buffer, offset, length, null);
      if (bytesRead === 0 && length > 0) throw hungUp(path);
      return { buffer, bytesRead };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
    }
    if (port.fd === null) throw new BindingsError('Port is not open', { canceled: true });
    await new Promise<void>((resolve, reject) => port.poller.once('readable', (err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
