/**
 * The seam between the Waveshare driver and whatever carries its bytes and lines: the SPI bus (one
 * write per command or data run, DC telling the controller which it is), the RST, DC and PWR
 * outputs, the BUSY input, and the clock the driver waits on.
 *
 * Two transports implement it: spidev.ts (spi-device and onoff on a Raspberry Pi) and
 * fake-transport.ts (the UC8179 emulator, on a virtual or a sped-up clock). `TracingTransport`
 * wraps either and writes down every event as one text line, which is what the golden traces under
 * test/data/epaper/ hold.
 *
 * Imports nothing of ours.
 */
import { createHash } from 'node:crypto';

export type Level = 0 | 1;
/** The output lines of the HAT: reset (active low), data/command select, panel power. */
export type OutputLine = 'rst' | 'dc' | 'pwr';

export interface EpaperTransport {
  /** Drives an output line. */
  write(line: OutputLine, level: Level): Promise<void>;
  /** The BUSY input now (the UC8179 holds it low while busy). */
  busy(): Promise<Level>;
  /** Clocks `bytes` out on MOSI with CS asserted (the transport splits long runs as its bus needs). */
  spiWrite(bytes: Uint8Array): Promise<void>;
  /**
   * Clocks `count` bytes in from the controller (DC high), where the wiring can: the UC8179 answers
   * on its bidirectional SDA pin, which the Waveshare HAT does not route to the Pi's MISO, so the
   * real transport has no `spiRead` and the driver reports no temperature there.
   */
  spiRead?(count: number): Promise<Uint8Array>;
  /** Waits `ms` on this transport's clock. */
  sleep(ms: number): Promise<void>;
  /** Monotonic ms on this transport's clock (the one `sleep` waits on). */
  now(): number;
  /** Releases the bus and the lines. */
  close(): Promise<void>;
}

/**
 * Splits `bytes` into runs of at most `max` (spidev refuses a transfer larger than its `bufsiz`
 * module parameter, 4096 bytes by default). Views, not copies.
 */
export function chunks(bytes: Uint8Array, max: number): Uint8Array[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`chunk size ${max} is not a positive integer`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += max) out.push(bytes.subarray(i, Math.min(i + max, bytes.length)));
  return out;
}

const hex = (b: number) => b.toString(16).padStart(2, '0').toUpperCase();

/** Data runs longer than this are written as their length and SHA-256 in a trace. */
export const TRACE_INLINE_BYTES = 16;

/** One SPI run as a trace line: `cmd 06` with DC low, `data 17 17 28 17` (or `data[48000] sha256=…`) with DC high. */
export function traceBytes(dc: Level, bytes: Uint8Array): string {
  if (dc === 0) return bytes.length === 1 ? `cmd ${hex(bytes[0]!)}` : `cmd[${bytes.length}] ${[...bytes].map(hex).join(' ')}`;
  if (bytes.length <= TRACE_INLINE_BYTES) return `data ${[...bytes].map(hex).join(' ')}`;
  return `data[${bytes.length}] sha256=${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A transport that writes down what passes through it, one line per event:
 * `pwr 1`, `rst 0`, `wait 20`, `cmd 12`, `data 10 07`, `busy 1`, `read 14 00`. DC writes are not
 * lines of their own: they decide whether the next SPI run is a `cmd` or `data` line, which is how
 * the controller reads them too.
 */
export class TracingTransport implements EpaperTransport {
  readonly #inner: EpaperTransport;
  #dc: Level = 0;
  lines: string[] = [];

  constructor(inner: EpaperTransport) {
    this.#inner = inner;
  }

  /** The lines since the last take, and a fresh start. */
  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }

  async write(line: OutputLine, level: Level): Promise<void> {
    await this.#inner.write(line, level);
    if (line === 'dc') this.#dc = level;
    else this.lines.push(`${line} ${level}`);
  }

  async busy(): Promise<Level> {
    const level = await this.#inner.busy();
    this.lines.push(`busy ${level}`);
    return level;
  }

  async spiWrite(bytes: Uint8Array): Promise<void> {
    await this.#inner.spiWrite(bytes);
    this.lines.push(traceBytes(this.#dc, bytes));
  }

  get spiRead(): ((count: number) => Promise<Uint8Array>) | undefined {
    const read = this.#inner.spiRead?.bind(this.#inner);
    if (!read) return undefined;
    return async (count: number) => {
      const bytes = await read(count);
      this.lines.push(`read ${[...bytes].map(hex).join(' ')}`);
      return bytes;
    };
  }

  async sleep(ms: number): Promise<void> {
    await this.#inner.sleep(ms);
    this.lines.push(`wait ${ms}`);
  }

  now(): number {
    return this.#inner.now();
  }

  async close(): Promise<void> {
    await this.#inner.close();
  }
}
