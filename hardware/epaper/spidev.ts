/**
 * The real transport of the Waveshare driver on a Raspberry Pi: SPI mode 0 through the kernel's
 * spidev (`/dev/spidevB.D`, the `spi-device` package) and the HAT's RST, DC, PWR outputs and BUSY
 * input through sysfs GPIO (`onoff`).
 *
 * Pins are BCM numbers; sysfs numbers them from the header chip's base (512 and up on Raspberry Pi
 * OS kernels from 6.6), read from /sys/class/gpio/gpiochip*\/{base,label,ngpio} with the GPIO
 * drivers' shared helpers (hardware/gpio/sysfs.ts), never assumed.
 *
 * spi-device has a native part and is an optional dependency: it is imported when a transport is
 * opened, so a machine without it fails only when the real panel is used, with an error saying so.
 * spidev refuses a transfer longer than its `bufsiz` (4096 bytes unless the module is loaded with
 * more), so a 48,000-byte frame goes in 4096-byte transfers; chip select stays a per-transfer
 * matter, which the UC8179 does not mind (DC does not change inside a data run).
 */
import { findHeaderChip, readGpioChips, SYSFS_GPIO_ROOT, sysfsNumber } from '../gpio/sysfs.js';
import { chunks, type EpaperTransport, type Level, type OutputLine } from './transport.js';

/** spidev's default bufsiz: the longest single transfer. */
export const SPIDEV_BUFSIZ = 4096;

export interface EpaperPins {
  rst: number;
  dc: number;
  busy: number;
  pwr: number;
}

/** One sysfs GPIO line as the transport needs it. */
export interface EpaperLine {
  read(): Level;
  write(level: Level): void;
  unexport(): void;
}

/** An open SPI device: one transfer of up to bufsiz bytes at a time. */
export interface SpiBus {
  transfer(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface SpidevTransportOptions {
  spi: { bus: number; device: number; speedHz: number };
  pins: EpaperPins;
  /** Where the gpiochips are listed (default /sys/class/gpio); a temp dir in tests. */
  sysfsRoot?: string;
  chipLabels?: readonly string[];
  /** Opens a sysfs line as an input ('in') or an output starting low ('low'); default onoff. */
  openLine?: (sysfsNumber: number, direction: 'in' | 'low') => EpaperLine | Promise<EpaperLine>;
  /** Opens the SPI device; default spi-device. */
  openSpi?: (bus: number, device: number, speedHz: number) => SpiBus | Promise<SpiBus>;
  /** Longest transfer (default SPIDEV_BUFSIZ). */
  maxTransferBytes?: number;
}

export function spidevPath(bus: number, device: number): string {
  return `/dev/spidev${bus}.${device}`;
}

/** spi-device's open, mode 0 at `speedHz`, with an error naming the device when it is not there. */
export async function openSpiDevice(bus: number, device: number, speedHz: number): Promise<SpiBus> {
  const where = spidevPath(bus, device);
  let spi: typeof import('spi-device');
  try {
    const mod = (await import('spi-device')) as typeof import('spi-device') & { default?: typeof import('spi-device') };
    spi = mod.default ?? mod;
  } catch (err) {
    throw new Error(`cannot drive ${where}: the optional package spi-device is not installed or not built (${(err as Error).message})`, { cause: err });
  }
  const dev = await new Promise<import('spi-device').SpiDevice>((resolve, reject) => {
    const d = spi.open(bus, device, { mode: 0, maxSpeedHz: speedHz }, (err) => (err ? reject(err) : resolve(d)));
  }).catch((err: Error) => {
    const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test(err.message) ? ' (no such device: is SPI enabled, dtparam=spi=on?)' : '';
    throw new Error(`cannot open SPI device ${where}: ${err.message}${hint}`, { cause: err });
  });
  return {
    transfer: (bytes) =>
      new Promise<void>((resolve, reject) =>
        dev.transfer([{ byteLength: bytes.length, sendBuffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), speedHz }], (err) =>
          err ? reject(new Error(`SPI transfer on ${where}: ${err.message}`, { cause: err })) : resolve(),
        ),
      ),
    close: () => new Promise<void>((resolve, reject) => dev.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** onoff's Gpio as an EpaperLine. Loads onoff only when called. */
export async function onoffLine(n: number, direction: 'in' | 'low'): Promise<EpaperLine> {
  const { Gpio } = await import('onoff');
  if (!Gpio.accessible) throw new Error('sysfs GPIO is not accessible (no /sys/class/gpio here, or no permission: is the user in the gpio group?)');
  const gpio = new Gpio(n, direction);
  return { read: () => gpio.readSync(), write: (level) => gpio.writeSync(level), unexport: () => gpio.unexport() };
}

/** Opens the bus and lines; on any failure releases what it opened and throws an error naming the device. */
export async function openSpidevTransport(options: SpidevTransportOptions): Promise<EpaperTransport> {
  const root = options.sysfsRoot ?? SYSFS_GPIO_ROOT;
  const openLine = options.openLine ?? onoffLine;
  const opened: EpaperLine[] = [];
  const lines: Partial<Record<OutputLine | 'busy', EpaperLine>> = {};
  let bus: SpiBus | null = null;
  try {
    let numbers: Record<keyof EpaperPins, number>;
    try {
      const chip = findHeaderChip(readGpioChips(root), options.chipLabels);
      const p = options.pins;
      numbers = { rst: sysfsNumber(chip, p.rst), dc: sysfsNumber(chip, p.dc), busy: sysfsNumber(chip, p.busy), pwr: sysfsNumber(chip, p.pwr) };
    } catch (err) {
      throw new Error(`e-paper GPIO under ${root}: ${(err as Error).message}`, { cause: err });
    }
    for (const name of ['pwr', 'rst', 'dc', 'busy'] as const) {
      try {
        const line = await openLine(numbers[name], name === 'busy' ? 'in' : 'low');
        opened.push(line);
        lines[name] = line;
      } catch (err) {
        throw new Error(`e-paper GPIO ${name} (BCM ${options.pins[name]}, ${root}/gpio${numbers[name]}): ${(err as Error).message}`, { cause: err });
      }
    }
    const { bus: b, device, speedHz } = options.spi;
    bus = await (options.openSpi ?? openSpiDevice)(b, device, speedHz);
  } catch (err) {
    for (const line of opened) {
      try {
        line.unexport();
      } catch {
        // released already
      }
    }
    throw err;
  }
  return new SpidevTransport(bus, lines as Record<OutputLine | 'busy', EpaperLine>, opened, options.maxTransferBytes ?? SPIDEV_BUFSIZ);
}

class SpidevTransport implements EpaperTransport {
  readonly #bus: SpiBus;
  readonly #lines: Record<OutputLine | 'busy', EpaperLine>;
  readonly #all: EpaperLine[];
  readonly #max: number;

  constructor(bus: SpiBus, lines: Record<OutputLine | 'busy', EpaperLine>, all: EpaperLine[], max: number) {
    this.#bus = bus;
    this.#lines = lines;
    this.#all = all;
    this.#max = max;
  }

  async write(line: OutputLine, level: Level): Promise<void> {
    this.#lines[line].write(level);
  }

  async busy(): Promise<Level> {
    return this.#lines.busy.read();
  }

  async spiWrite(bytes: Uint8Array): Promise<void> {
    for (const part of chunks(bytes, this.#max)) await this.#bus.transfer(part);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  now(): number {
    return performance.now();
  }

  async close(): Promise<void> {
    const errors: string[] = [];
    try {
      await this.#bus.close();
    } catch (err) {
      errors.push(`SPI: ${(err as Error).message}`);
    }
    for (const line of this.#all) {
      try {
        line.unexport();
      } catch (err) {
        errors.push(`GPIO: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) throw new Error(`closing the e-paper transport: ${errors.join('; ')}`);
  }
}
