/**
 * The serial side of a device emulated in software (the Firmata board, the Alpha sign): the two
 * ways a driver reaches it. `MemoryPort` is an in-memory serial port (a driver's `openPort` seam:
 * writes reach the device a turn of the event loop later, as over a wire; `pull()` is the cable
 * pulled); `attachSerial` serves the device on a real serial device, one end of a socat pty pair.
 */
import { EventEmitter } from 'node:events';
import { openSerialPort } from './port.js';

/** What an emulator offers its ports: bytes from the host in, bytes to the host out. */
export interface EmulatedDevice {
  receive(bytes: Uint8Array): void;
  /** Calls `send` with every reply; returns what stops it. */
  onSend(send: (bytes: Uint8Array) => void): () => void;
}

export interface MemoryPortOptions {
  /** Replies reach the host a turn of the event loop later (else at once). */
  dataLater: boolean;
  /** 'close' is emitted a turn later (else at once). */
  closeLater: boolean;
  /** A write to a closed port emits 'error' too, as node-serialport does (else only its callback hears). */
  errorOnClosedWrite: boolean;
  /** Told +1 when the port opens, -1 when it closes. */
  counted?: (delta: number) => void;
}

/** An in-memory serial port to an emulated device. Closed until opened. */
export class MemoryPort extends EventEmitter {
  readonly path: string;
  readonly #device: EmulatedDevice;
  readonly #options: MemoryPortOptions;
  #open = false;
  #off: (() => void) | null = null;

  constructor(path: string, device: EmulatedDevice, options: MemoryPortOptions) {
    super();
    this.path = path;
    this.#device = device;
    this.#options = options;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  open(callback: (err: Error | null) => void): void {
    setImmediate(() => {
      if (this.#open) return callback(new Error('Port is already open'));
      this.#open = true;
      this.#options.counted?.(1);
      this.#off = this.#device.onSend(
        this.#options.dataLater ? (bytes) => setImmediate(() => this.#open && this.emit('data', Buffer.from(bytes))) : (bytes) => this.emit('data', bytes),
      );
      this.emit('open');
      callback(null);
    });
  }

  write(data: Buffer, callback?: (err: Error | null | undefined) => void): boolean {
    if (!this.#open) {
      const err = new Error('Port is not open');
      setImmediate(() => {
        callback?.(err);
        if (this.#options.errorOnClosedWrite) this.emit('error', err);
      });
      return false;
    }
    const bytes = Buffer.from(data);
    setImmediate(() => {
      if (this.#open) this.#device.receive(bytes);
      callback?.(null);
    });
    return true;
  }

  close(callback?: (err: Error | null) => void): void {
    if (!this.#open) {
      setImmediate(() => callback?.(new Error('Port is not open')));
      return;
    }
    this.#shut(null);
    setImmediate(() => callback?.(null));
  }

  /** The cable pulled. */
  pull(): void {
    if (this.#open) this.#shut(Object.assign(new Error('Input/output error'), { disconnected: true }));
  }

  #shut(err: Error | null): void {
    this.#open = false;
    this.#options.counted?.(-1);
    this.#off?.();
    this.#off = null;
    if (this.#options.closeLater) setImmediate(() => this.emit('close', err));
    else this.emit('close', err);
  }
}

export interface AttachSettings {
  baudRate: number;
  dataBits?: 7 | 8;
  parity?: 'even' | 'odd' | 'none';
  /** Called on close(), after the device stops sending (a parser to cut, say). */
  closing?: () => void;
}

/** Serves `device` on the serial device at `path` (one end of a pty pair); resolves once it is open. */
export async function attachSerial(device: EmulatedDevice, path: string, settings: AttachSettings): Promise<{ close(): Promise<void> }> {
  const { baudRate, dataBits, parity, closing } = settings;
  const port = openSerialPort({ path, baudRate, ...(dataBits !== undefined ? { dataBits } : {}), ...(parity !== undefined ? { parity } : {}) });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('data', (chunk: Buffer) => device.receive(chunk));
  port.on('error', () => undefined); // the pty gone with socat: the test knows
  const off = device.onSend((bytes) => {
    if (port.isOpen) port.write(Buffer.from(bytes));
  });
  port.on('close', off);
  return {
    close: async () => {
      off();
      closing?.();
      port.removeAllListeners('data');
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
