/**
 * A model of the UC8179 controller of the Waveshare 7.5" V2 panel, fed the same byte stream and
 * line levels the real driver sends (through fake-transport.ts), so the driver's code is what the
 * tests and the simulated panel run.
 *
 * What it models: power (the HAT's PWR line) and reset (RST low holds the chip), commands (DC low)
 * and their parameters (DC high) as in /work/shared/REFERENCES.md — booster 06, power setting 01,
 * power on 04 / off 02, panel setting 00, resolution 61, 15, VCOM and data interval 50, TCON 60,
 * old data 10, new data 13, refresh 12, partial in 91 / window 90 / out 92, deep sleep 07 (check
 * code A5), status 71, temperature sensing 40 — the old/new RAM, the partial window and the
 * polarity the data interval register sets (DDX bit 0 = 0: a set bit of new data is black; 1: a
 * clear bit is), N2OCP (new data copied to old after a refresh), BUSY low while it works (about
 * 4 s for a full refresh, 0.5 s for a partial, divided by the panel's speed), and the glass: what
 * the panel shows, which a full refresh replaces and a partial one changes only in its window, in
 * the frame convention of epaper.ts.
 *
 * What the chip would ignore it ignores, writing down why in `errors` for the tests to see: bytes
 * while unpowered, held in reset or in deep sleep; a refresh with the charge pump off; parameters
 * of the wrong count; data beyond the RAM or the window.
 */
import { EPAPER_FRAME_BYTES, EPAPER_ROW_BYTES, type PanelWindow } from './epaper.js';
import { parseWindowParameters } from './window.js';

export interface ChipTiming {
  /** BUSY low after a full refresh (0x12 outside partial mode), ms. */
  fullMs: number;
  /** BUSY low after a partial refresh, ms. */
  partialMs: number;
  /** BUSY low after power on (0x04) and power off (0x02), ms. */
  powerMs: number;
  /** BUSY low while the temperature is sensed (0x40), ms. */
  senseMs: number;
}

/** The panel's own times, before the speed factor. */
export const UC8179_TIMING: ChipTiming = { fullMs: 4000, partialMs: 500, powerMs: 80, senseMs: 10 };

export interface ChipRefresh {
  mode: 'full' | 'partial';
  /** Chip clock, ms, when 0x12 came. */
  at: number;
  window?: PanelWindow;
}

/** Parameter counts the chip takes (a list where it takes several). */
const PARAMETERS: Record<number, readonly number[]> = {
  0x00: [1, 2],
  0x01: [4, 5],
  0x02: [0],
  0x04: [0],
  0x06: [4],
  0x07: [1],
  0x12: [0],
  0x15: [1],
  0x40: [0],
  0x50: [1, 2],
  0x60: [1],
  0x61: [4],
  0x71: [0],
  0x90: [9],
  0x91: [0],
  0x92: [0],
};
const hex = (b: number) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

export class Uc8179 {
  readonly #now: () => number;
  readonly #timing: ChipTiming;
  /** What the glass shows, frame convention (set bit = black). Bistable: kept without power. */
  readonly glass = new Uint8Array(EPAPER_FRAME_BYTES);
  /** The chip's RAM as written, raw (its polarity is the data interval register's business). */
  oldRam = new Uint8Array(EPAPER_FRAME_BYTES);
  newRam = new Uint8Array(EPAPER_FRAME_BYTES);
  /** Why the chip ignored what it ignored, oldest first. */
  readonly errors: string[] = [];
  readonly refreshes: ChipRefresh[] = [];
  /** Every command byte accepted, oldest first. */
  readonly commands: number[] = [];
  /** The temperature the internal sensor reads, °C. */
  temperatureC: number;
  /** A fault to test with: BUSY stays low whatever the chip does. */
  stuckBusy = false;

  #pwr = false;
  #rst = true;
  #dc = 0;
  #deepSleep = false;
  #chargePump = false;
  #busyUntil = 0;
  #command: number | null = null;
  #parameters: number[] = [];
  #dataTarget: 'old' | 'new' | null = null;
  #dataCount = 0;
  #registers = new Map<number, Uint8Array>();
  #partialMode = false;
  #window: PanelWindow | null = null;
  #readable: number[] = [];

  constructor(options: { now: () => number; temperatureC?: number; timing?: Partial<ChipTiming> }) {
    this.#now = options.now;
    this.#timing = { ...UC8179_TIMING, ...options.timing };
    this.temperatureC = options.temperatureC ?? 20;
  }

  get powered(): boolean {
    return this.#pwr;
  }
  get asleep(): boolean {
    return this.#deepSleep;
  }
  /** The charge pump (0x04 on, 0x02 off): a refresh needs it. */
  get chargePump(): boolean {
    return this.#chargePump;
  }
  get partialMode(): boolean {
    return this.#partialMode;
  }
  get window(): PanelWindow | null {
    return this.#window && { ...this.#window };
  }
  /** The last parameters written to a register command (0x50 → [0x10, 0x07]), or undefined. */
  register(command: number): Uint8Array | undefined {
    return this.#registers.get(command);
  }
  /** DDX[1:0] of the data interval register (0x50); 01 after reset. */
  get ddx(): number {
    return (this.#registers.get(0x50)?.[0] ?? 0x31) & 0x03;
  }

  /** The level of the BUSY pin (low while busy). Undriven (low) without power. */
  busyLevel(): 0 | 1 {
    if (!this.#pwr || this.stuckBusy) return 0;
    return this.#now() < this.#busyUntil ? 0 : 1;
  }

  setLine(line: 'rst' | 'dc' | 'pwr', level: 0 | 1): void {
    if (line === 'dc') {
      this.#dc = level;
    } else if (line === 'pwr') {
      const on = level === 1;
      if (on && !this.#pwr) this.#powerOnReset();
      if (!on && this.#pwr) {
        this.#endCommand();
        this.#pwr = false;
        this.#chargePump = false;
      }
    } else {
      if (level === 0 && this.#rst) this.#endCommand();
      if (level === 0) this.#reset();
      this.#rst = level === 1;
    }
  }

  /** Bytes clocked in with CS asserted; DC as it is now says command or data. */
  spiWrite(bytes: Uint8Array): void {
    if (!this.#pwr) return this.#error(`${bytes.length} SPI byte(s) while unpowered (PWR low)`);
    if (!this.#rst) return this.#error(`${bytes.length} SPI byte(s) while held in reset (RST low)`);
    if (this.#dc === 0) {
      for (const b of bytes) this.#commandByte(b);
    } else {
      this.#dataBytes(bytes);
    }
  }

  /** Bytes clocked out by the chip (what the last reading command left to read; 0x00 past it). */
  spiRead(count: number): Uint8Array {
    const out = new Uint8Array(count);
    if (!this.#pwr || !this.#rst || this.#deepSleep) {
      this.#error(`read of ${count} byte(s) while the chip cannot answer`);
      return out;
    }
    if (this.#readable.length < count) this.#error(`read of ${count} byte(s), ${this.#readable.length} to read`);
    for (let i = 0; i < count; i++) out[i] = this.#readable.shift() ?? 0;
    return out;
  }

  #error(message: string): void {
    this.errors.push(message);
  }

  #powerOnReset(): void {
    this.#pwr = true;
    this.#reset();
  }

  /** Registers to their defaults, out of deep sleep and partial mode; RAM is kept. */
  #reset(): void {
    this.#deepSleep = false;
    this.#chargePump = false;
    this.#busyUntil = 0;
    this.#command = null;
    this.#parameters = [];
    this.#dataTarget = null;
    this.#registers.clear();
    this.#partialMode = false;
    this.#window = null;
    this.#readable = [];
  }

  #commandByte(byte: number): void {
    if (this.#deepSleep) return this.#error(`command ${hex(byte)} in deep sleep (only a reset wakes the chip)`);
    this.#endCommand();
    if (byte !== 0x10 && byte !== 0x13 && !(byte in PARAMETERS)) return this.#error(`unknown command ${hex(byte)}`);
    this.commands.push(byte);
    this.#command = byte;
    this.#parameters = [];
    if (byte === 0x10 || byte === 0x13) {
      this.#dataTarget = byte === 0x10 ? 'old' : 'new';
      this.#dataCount = 0;
      return;
    }
    // Commands without parameters act at once.
    if (PARAMETERS[byte]!.length === 1 && PARAMETERS[byte]![0] === 0) this.#act(byte, Uint8Array.of());
  }

  #dataBytes(bytes: Uint8Array): void {
    if (this.#deepSleep) return this.#error(`${bytes.length} data byte(s) in deep sleep`);
    if (this.#command === null) return this.#error(`${bytes.length} data byte(s) without a command`);
    if (this.#dataTarget) return this.#writeRam(bytes);
    this.#parameters.push(...bytes);
    const counts = PARAMETERS[this.#command]!;
    // A command acts when it has the most parameters it takes; one that takes fewer acts when the next command comes.
    if (this.#parameters.length >= Math.max(...counts)) this.#endCommand();
  }

  #ramSize(): number {
    return this.#partialMode && this.#window ? (this.#window.width / 8) * this.#window.height : EPAPER_FRAME_BYTES;
  }

  #writeRam(bytes: Uint8Array): void {
    const ram = this.#dataTarget === 'old' ? this.oldRam : this.newRam;
    const size = this.#ramSize();
    const room = Math.max(0, size - this.#dataCount);
    if (bytes.length > room) this.#error(`${bytes.length - room} data byte(s) past the end of ${hex(this.#command!)}'s ${size}`);
    const take = Math.min(room, bytes.length);
    if (this.#partialMode && this.#window) {
      const w = this.#window;
      const rowBytes = w.width / 8;
      for (let i = 0; i < take; i++) {
        const n = this.#dataCount + i;
        ram[(w.y + Math.floor(n / rowBytes)) * EPAPER_ROW_BYTES + w.x / 8 + (n % rowBytes)] = bytes[i]!;
      }
    } else {
      ram.set(bytes.subarray(0, take), this.#dataCount);
    }
    this.#dataCount += take;
  }

  /** Closes the command in progress: checks its parameter count and applies it. */
  #endCommand(): void {
    const command = this.#command;
    if (command === null) return;
    this.#command = null;
    if (this.#dataTarget) {
      const size = this.#ramSize();
      if (this.#dataCount !== size) this.#error(`${hex(command)} got ${this.#dataCount} data byte(s), the RAM area is ${size}`);
      this.#dataTarget = null;
      return;
    }
    const counts = PARAMETERS[command]!;
    if (counts.length === 1 && counts[0] === 0) {
      if (this.#parameters.length > 0) this.#error(`${hex(command)} takes no parameters, got ${this.#parameters.length}`);
      return; // acted when it came
    }
    if (!counts.includes(this.#parameters.length)) {
      return this.#error(`${hex(command)} got ${this.#parameters.length} parameter(s), takes ${counts.join(' or ')}`);
    }
    this.#act(command, Uint8Array.from(this.#parameters));
  }

  #busyFor(ms: number): void {
    this.#busyUntil = Math.max(this.#busyUntil, this.#now() + ms);
  }

  #act(command: number, p: Uint8Array): void {
    switch (command) {
      case 0x04:
        this.#chargePump = true;
        return this.#busyFor(this.#timing.powerMs);
      case 0x02:
        this.#chargePump = false;
        return this.#busyFor(this.#timing.powerMs);
      case 0x07:
        if (p[0] !== 0xa5) return this.#error(`deep sleep (0x07) without its check code A5 (got ${hex(p[0]!)})`);
        this.#deepSleep = true;
        return;
      case 0x91:
        this.#partialMode = true;
        return;
      case 0x92:
        this.#partialMode = false;
        return;
      case 0x90: {
        const window = parseWindowParameters(p);
        if (typeof window === 'string') return this.#error(window);
        this.#window = window;
        return;
      }
      case 0x40:
        this.#busyFor(this.#timing.senseMs);
        this.#readable = [...temperatureBytes(this.temperatureC)];
        return;
      case 0x71:
        // FLG: bit 0 is BUSY_N (1 = idle); the rest are not modelled.
        this.#readable = [this.busyLevel()];
        return;
      case 0x12:
        return this.#refresh();
      default:
        this.#registers.set(command, p);
        if (command === 0x61 && ((p[0]! << 8) | p[1]!) !== 800) this.#error(`resolution (0x61) ${(p[0]! << 8) | p[1]!}×${(p[2]! << 8) | p[3]!}, the panel is 800×480`);
    }
  }

  #refresh(): void {
    if (!this.#chargePump) return this.#error('refresh (0x12) with the charge pump off (send 0x04 first)');
    if (this.busyLevel() === 0) return this.#error('refresh (0x12) while busy');
    const black = (raw: number) => (this.ddx & 0x01 ? ~raw & 0xff : raw);
    const at = this.#now();
    if (this.#partialMode) {
      const w = this.#window;
      if (!w) return this.#error('partial refresh (0x12 after 0x91) without a window (0x90)');
      for (let y = w.y; y < w.y + w.height; y++) {
        for (let c = w.x / 8; c < (w.x + w.width) / 8; c++) this.glass[y * EPAPER_ROW_BYTES + c] = black(this.newRam[y * EPAPER_ROW_BYTES + c]!);
      }
      this.refreshes.push({ mode: 'partial', at, window: { ...w } });
      this.#busyFor(this.#timing.partialMs);
    } else {
      for (let i = 0; i < EPAPER_FRAME_BYTES; i++) this.glass[i] = black(this.newRam[i]!);
      this.refreshes.push({ mode: 'full', at });
      this.#busyFor(this.#timing.fullMs);
    }
    const cdi = this.#registers.get(0x50)?.[0] ?? 0x31;
    if (cdi & 0x08) this.oldRam.set(this.newRam);
  }
}

/**
 * The two bytes the temperature sensing command (0x40) leaves to read: the first is whole degrees,
 * two's complement; the top three bits of the second are eighths (an 11-bit reading).
 */
export function temperatureBytes(celsius: number): Uint8Array {
  const eighths = Math.max(-1024, Math.min(1023, Math.round(celsius * 8)));
  const raw = eighths & 0x7ff;
  return Uint8Array.of(raw >> 3, (raw & 0x07) << 5);
}

/** The temperature two bytes from 0x40 stand for, °C. */
export function temperatureFromBytes(msb: number, lsb: number): number {
  const raw = ((msb & 0xff) << 3) | ((lsb & 0xff) >> 5);
  return (raw & 0x400 ? raw - 0x800 : raw) / 8;
}
