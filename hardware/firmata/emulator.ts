/**
 * A Firmata board in software: an Arduino Uno running StandardFirmata 2.5, as a host sees it over
 * its serial port, for the Firmata drivers' tests (door beams, the button: the simulated hardware
 * beside the real drivers). Tests drive its input pins (`setPin`, or `walk` for a passenger through
 * a door's two beams); it reports them as the firmware does.
 *
 * What it speaks (Firmata protocol 2.5, github.com/firmata/protocol, protocol.md; the sysex
 * replies as firmata.js parses them):
 *   host → board   REPORT_VERSION 0xF9 · sysex QUERY_FIRMWARE 0x79 · sysex CAPABILITY_QUERY 0x6B
 *                  · sysex ANALOG_MAPPING_QUERY 0x69 · sysex PIN_STATE_QUERY 0x6D · PIN_MODE 0xF4
 *                  pin mode · REPORT_DIGITAL 0xD0|port 0/1 · SYSTEM_RESET 0xFF; anything else
 *                  (sampling interval, analog reporting, writes) is read and ignored
 *   board → host   0xF9 major minor · 0xF0 0x79 major minor name(LSB, MSB per char) 0xF7
 *                  · 0xF0 0x6C (mode resolution)… 0x7F per pin 0xF7 · 0xF0 0x6A channel|0x7F per
 *                  pin 0xF7 · 0xF0 0x6E pin mode state 0xF7 · DIGITAL_MESSAGE 0x90|port, bits 0–6,
 *                  bit 7: the inputs of an 8-pin port, when a reported input changes and when its
 *                  reporting is turned on (StandardFirmata's reportDigitalCallback sends it at once)
 *
 * Two ways to reach it: `port()` is an in-memory serial port (the driver's `openPort` seam; data
 * arrives without delay, replies to writes a turn of the event loop later, as over a wire); and
 * `attach(path)` opens a real serial device, one end of a socat pty pair, and serves it (both
 * hardware/serial/emulated.ts).
 */
import { attachSerial, MemoryPort } from '../serial/emulated.js';
import type { FirmataPort } from './link.js';

/** Command bytes of Firmata protocol 2.5. */
export const FIRMATA = {
  DIGITAL_MESSAGE: 0x90,
  REPORT_ANALOG: 0xc0,
  REPORT_DIGITAL: 0xd0,
  ANALOG_MESSAGE: 0xe0,
  START_SYSEX: 0xf0,
  PIN_MODE: 0xf4,
  SET_DIGITAL_PIN_VALUE: 0xf5,
  END_SYSEX: 0xf7,
  REPORT_VERSION: 0xf9,
  SYSTEM_RESET: 0xff,
  ANALOG_MAPPING_QUERY: 0x69,
  ANALOG_MAPPING_RESPONSE: 0x6a,
  CAPABILITY_QUERY: 0x6b,
  CAPABILITY_RESPONSE: 0x6c,
  PIN_STATE_QUERY: 0x6d,
  PIN_STATE_RESPONSE: 0x6e,
  QUERY_FIRMWARE: 0x79,
} as const;

export const PIN_MODE = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PWM: 0x03, SERVO: 0x04, I2C: 0x06, PULLUP: 0x0b } as const;

export interface PinCapability {
  mode: number;
  /** Bits (a digital mode has 1). */
  resolution: number;
}

/**
 * An Uno's pins as StandardFirmata describes them: D0/D1 are the serial port (no modes); D2–D13
 * digital, PWM on 3, 5, 6, 9, 10 and 11; A0–A5 are pins 14–19, analog channels 0–5, SDA/SCL on 18/19.
 */
export function unoPins(): PinCapability[][] {
  const pins: PinCapability[][] = [];
  for (let pin = 0; pin < 20; pin++) {
    if (pin < 2) {
      pins.push([]);
      continue;
    }
    const caps: PinCapability[] = [
      { mode: PIN_MODE.INPUT, resolution: 1 },
      { mode: PIN_MODE.PULLUP, resolution: 1 },
      { mode: PIN_MODE.OUTPUT, resolution: 1 },
    ];
    if (pin >= 14) caps.push({ mode: PIN_MODE.ANALOG, resolution: 10 });
    if ([3, 5, 6, 9, 10, 11].includes(pin)) caps.push({ mode: PIN_MODE.PWM, resolution: 8 });
    if (pin < 14) caps.push({ mode: PIN_MODE.SERVO, resolution: 14 });
    if (pin === 18 || pin === 19) caps.push({ mode: PIN_MODE.I2C, resolution: 1 });
    pins.push(caps);
  }
  return pins;
}

export interface FirmataEmulatorOptions {
  /** Each pin's modes (default: an Uno's, `unoPins()`). Pins from 14 on with ANALOG are channels 0, 1, … */
  pins?: PinCapability[][];
  /** What QUERY_FIRMWARE answers (default "StandardFirmata.ino", 2.5). */
  firmware?: { name: string; major: number; minor: number };
  /** The level of an input pin nobody has set (default 1: receivers idle high, pulled up). */
  idle?: 0 | 1;
}

type Sender = (bytes: Buffer) => void;

/** Data bytes after a command byte (sysex runs to END_SYSEX). */
function dataLength(command: number): number {
  if (command >= 0x80 && command < 0xf0) return (command & 0xf0) === 0xc0 || (command & 0xf0) === 0xd0 ? 1 : 2;
  if (command === FIRMATA.PIN_MODE || command === FIRMATA.SET_DIGITAL_PIN_VALUE) return 2;
  return 0;
}

export class FirmataEmulator {
  readonly #caps: PinCapability[][];
  readonly #firmware: { name: string; major: number; minor: number };
  readonly #modes: (number | undefined)[];
  readonly #levels: (0 | 1)[];
  readonly #reporting: boolean[] = Array(16).fill(false);
  readonly #senders = new Set<Sender>();
  /** The command being read and its data so far (null: waiting for a command byte). */
  #command: number | null = null;
  #data: number[] = [];
  #openPorts = 0;
  /** What the host asked, in order ("REPORT_VERSION", "PIN_MODE 2 0", "REPORT_DIGITAL 0 1", …). */
  readonly heard: string[] = [];

  constructor(options: FirmataEmulatorOptions = {}) {
    this.#caps = options.pins ?? unoPins();
    this.#firmware = options.firmware ?? { name: 'StandardFirmata.ino', major: 2, minor: 5 };
    this.#modes = this.#caps.map(() => undefined);
    this.#levels = this.#caps.map(() => options.idle ?? 1);
  }

  /** In-memory ports open on it now. */
  get openPorts(): number {
    return this.#openPorts;
  }

  /** Bytes from the host, in chunks split anywhere. */
  receive(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte & 0x80) {
        if (this.#command === FIRMATA.START_SYSEX && byte === FIRMATA.END_SYSEX) {
          this.#sysex(this.#data);
          this.#command = null;
          continue;
        }
        // A command byte ends whatever came before it unfinished (as the firmware's parser does).
        this.#command = byte;
        this.#data = [];
        if (byte !== FIRMATA.START_SYSEX && dataLength(byte) === 0) this.#run(byte, []);
      } else if (this.#command !== null) {
        this.#data.push(byte);
        if (this.#command !== FIRMATA.START_SYSEX && this.#data.length === dataLength(this.#command)) this.#run(this.#command, this.#data);
      }
    }
  }

  /** Calls `send` with every message the board sends; returns the unsubscribe. */
  onSend(send: Sender): () => void {
    this.#senders.add(send);
    return () => void this.#senders.delete(send);
  }

  /** Drives an input pin to `level`; reported at once when it is a reported input and the level changed. */
  setPin(pin: number, level: 0 | 1): void {
    this.#pin(pin);
    if (this.#levels[pin] === level) return;
    this.#levels[pin] = level;
    const port = pin >> 3;
    if (this.#isInput(pin) && this.#reporting[port]) this.#sendPort(port);
  }

  level(pin: number): 0 | 1 {
    this.#pin(pin);
    return this.#levels[pin]!;
  }

  /** The mode the host set on a pin, or undefined. */
  mode(pin: number): number | undefined {
    this.#pin(pin);
    return this.#modes[pin];
  }

  /** Whether the host has digital reporting on for an 8-pin port. */
  reporting(port: number): boolean {
    return this.#reporting[port] ?? false;
  }

  /** What StandardFirmata sends by itself when it boots: its version and firmware name. */
  announce(): void {
    this.#send([FIRMATA.REPORT_VERSION, 2, 5]);
    this.#sendFirmware();
  }

  /**
   * A passenger through a door whose beams' receivers are on pins `a` (outside) and `b` (inside):
   * near beam broken, far beam broken, near clear, far clear, `stepMs` apart, in real time.
   */
  async walk(pins: { a: number; b: number }, direction: 'in' | 'out', options: { stepMs?: number; brokenLevel?: 0 | 1 } = {}): Promise<void> {
    const { stepMs = 120, brokenLevel = 0 } = options;
    const [near, far] = direction === 'in' ? [pins.a, pins.b] : [pins.b, pins.a];
    const clear = brokenLevel === 0 ? 1 : 0;
    for (const [pin, level] of [[near, brokenLevel], [far, brokenLevel], [near, clear], [far, clear]] as const) {
      this.setPin(pin, level);
      await new Promise((resolve) => setTimeout(resolve, stepMs));
    }
  }

  /** An in-memory serial port to the board (closed; the driver opens it). */
  port(path = '/dev/ttyEMU0'): EmulatorPort {
    return new EmulatorPort(path, this, (delta) => (this.#openPorts += delta));
  }

  /** Serves the board on a serial device (one end of a pty pair); resolves once it is open. */
  attach(path: string): Promise<{ close(): Promise<void> }> {
    return attachSerial(this, path, { baudRate: 57_600 });
  }

  #run(command: number, data: number[]): void {
    this.#command = null;
    const [x = 0, y = 0] = data;
    if (command === FIRMATA.REPORT_VERSION) {
      this.heard.push('REPORT_VERSION');
      this.#send([FIRMATA.REPORT_VERSION, 2, 5]);
    } else if (command === FIRMATA.PIN_MODE) {
      this.heard.push(`PIN_MODE ${x} ${y}`);
      if (this.#caps[x]?.some((c) => c.mode === y)) this.#modes[x] = y;
    } else if ((command & 0xf0) === FIRMATA.REPORT_DIGITAL) {
      const port = command & 0x0f;
      this.heard.push(`REPORT_DIGITAL ${port} ${x}`);
      this.#reporting[port] = x === 1;
      if (x === 1) this.#sendPort(port);
    } else if (command === FIRMATA.SYSTEM_RESET) {
      this.heard.push('SYSTEM_RESET');
      this.#modes.fill(undefined);
      this.#reporting.fill(false);
    }
  }

  #sysex(data: number[]): void {
    const [command, pin = 0] = data;
    if (command === FIRMATA.QUERY_FIRMWARE) {
      this.heard.push('QUERY_FIRMWARE');
      this.#sendFirmware();
    } else if (command === FIRMATA.CAPABILITY_QUERY) {
      this.heard.push('CAPABILITY_QUERY');
      const body = this.#caps.flatMap((caps) => [...caps.flatMap((c) => [c.mode, c.resolution]), 0x7f]);
      this.#send([FIRMATA.START_SYSEX, FIRMATA.CAPABILITY_RESPONSE, ...body, FIRMATA.END_SYSEX]);
    } else if (command === FIRMATA.ANALOG_MAPPING_QUERY) {
      this.heard.push('ANALOG_MAPPING_QUERY');
      let channel = 0;
      const body = this.#caps.map((caps) => (caps.some((c) => c.mode === PIN_MODE.ANALOG) ? channel++ : 0x7f));
      this.#send([FIRMATA.START_SYSEX, FIRMATA.ANALOG_MAPPING_RESPONSE, ...body, FIRMATA.END_SYSEX]);
    } else if (command === FIRMATA.PIN_STATE_QUERY && pin < this.#caps.length) {
      this.heard.push(`PIN_STATE_QUERY ${pin}`);
      const mode = this.#modes[pin] ?? PIN_MODE.OUTPUT;
      // For an input the state is its pull-up; for an output, the level written.
      const state = mode === PIN_MODE.PULLUP ? 1 : mode === PIN_MODE.INPUT ? 0 : this.#levels[pin]!;
      this.#send([FIRMATA.START_SYSEX, FIRMATA.PIN_STATE_RESPONSE, pin, mode, state, FIRMATA.END_SYSEX]);
    }
  }

  #sendFirmware(): void {
    const { name, major, minor } = this.#firmware;
    const chars = [...Buffer.from(name, 'latin1')].flatMap((c) => [c & 0x7f, (c >> 7) & 0x7f]);
    this.#send([FIRMATA.START_SYSEX, FIRMATA.QUERY_FIRMWARE, major, minor, ...chars, FIRMATA.END_SYSEX]);
  }

  /** DIGITAL_MESSAGE for an 8-pin port: the levels of its input pins, the others 0. */
  #sendPort(port: number): void {
    let value = 0;
    for (let i = 0; i < 8; i++) {
      const pin = port * 8 + i;
      if (pin < this.#caps.length && this.#isInput(pin) && this.#levels[pin]) value |= 1 << i;
    }
    this.#send([FIRMATA.DIGITAL_MESSAGE | port, value & 0x7f, (value >> 7) & 0x7f]);
  }

  #isInput(pin: number): boolean {
    const mode = this.#modes[pin];
    return mode === PIN_MODE.INPUT || mode === PIN_MODE.PULLUP;
  }

  #send(bytes: number[]): void {
    const message = Buffer.from(bytes);
    for (const send of [...this.#senders]) send(message);
  }

  #pin(pin: number): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= this.#caps.length) throw new RangeError(`firmata emulator: no pin ${pin} (0–${this.#caps.length - 1})`);
  }
}

/**
 * An in-memory serial port to an emulated board, shaped like node-serialport's: `open`, `write`,
 * `close`, "data" and "close" events; `pull()` is the cable pulled (a "close" with a disconnected
 * error, as node-serialport emits when a read fails with EIO).
 */
/** An in-memory serial port to the board: replies at once, writes a turn later, 'close' at once. */
export class EmulatorPort extends MemoryPort implements FirmataPort {
  constructor(path: string, board: FirmataEmulator, count: (delta: number) => void) {
    super(path, board, { dataLater: false, closeLater: false, errorOnClosedWrite: true, counted: count });
  }
}
