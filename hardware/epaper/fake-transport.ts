/**
 * The fake SPI/GPIO transport: the driver's seam (transport.ts) wired to the UC8179 emulator
 * instead of /dev/spidev and sysfs GPIO, on one of two clocks —
 *
 * - `VirtualClock`: sleeping moves the clock on at once, so a 4 s refresh or a 30 s BUSY timeout
 *   takes microseconds (the contract and trace tests);
 * - `ScaledClock`: real time run `speed` times faster (the simulated panel: at speed 1 a full
 *   refresh takes its 4 s, at 100 it takes 40 ms, the driver's own waits shrink alike).
 *
 * Faults to test with: `failNext('spi' | 'gpio', error)` makes the next write of that kind throw,
 * as a vanished SPI device or GPIO line would; `emulator.stuckBusy` keeps BUSY low.
 */
import { setImmediate as yieldToLoop, setTimeout as delay } from 'node:timers/promises';
import { Uc8179, type ChipTiming } from './emulator.js';
import type { EpaperTransport, Level, OutputLine } from './transport.js';

export interface PanelClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** A clock that jumps: `sleep(ms)` adds ms and returns on the next turn of the event loop. */
export class VirtualClock implements PanelClock {
  #t = 0;
  now(): number {
    return this.#t;
  }
  async sleep(ms: number): Promise<void> {
    this.#t += Math.max(0, ms);
    await yieldToLoop();
  }
}

/** Real time, `speed` times faster: now() counts panel ms, sleep(ms) waits ms / speed real ms. */
export class ScaledClock implements PanelClock {
  readonly #speed: number;
  readonly #t0 = performance.now();
  constructor(speed: number) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`panel speed ${speed} is not a positive number`);
    this.#speed = speed;
  }
  now(): number {
    return (performance.now() - this.#t0) * this.#speed;
  }
  async sleep(ms: number): Promise<void> {
    const real = Math.max(0, ms) / this.#speed;
    await (real >= 1 ? delay(real) : yieldToLoop());
  }
}

export interface EmulatedTransportOptions {
  clock?: PanelClock;
  temperatureC?: number;
  timing?: Partial<ChipTiming>;
}

export class EmulatedTransport implements EpaperTransport {
  readonly emulator: Uc8179;
  readonly clock: PanelClock;
  #fail: { spi?: Error; gpio?: Error } = {};
  #closed = false;
  /** Times the transport was closed (the driver releases it on close()). */
  closes = 0;

  constructor(options: EmulatedTransportOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.emulator = new Uc8179({
      now: () => this.clock.now(),
      ...(options.temperatureC !== undefined ? { temperatureC: options.temperatureC } : {}),
      ...(options.timing ? { timing: options.timing } : {}),
    });
  }

  /** The next SPI transfer (`spi`) or line access (`gpio`) throws `error`. */
  failNext(kind: 'spi' | 'gpio', error: Error): void {
    this.#fail[kind] = error;
  }

  #check(kind: 'spi' | 'gpio'): void {
    if (this.#closed) throw new Error(`fake ${kind === 'spi' ? 'SPI device' : 'GPIO line'} used after close`);
    const error = this.#fail[kind];
    if (error) {
      delete this.#fail[kind];
      throw error;
    }
  }

  async write(line: OutputLine, level: Level): Promise<void> {
    this.#check('gpio');
    this.emulator.setLine(line, level);
  }

  async busy(): Promise<Level> {
    this.#check('gpio');
    return this.emulator.busyLevel();
  }

  async spiWrite(bytes: Uint8Array): Promise<void> {
    this.#check('spi');
    this.emulator.spiWrite(bytes);
  }

  async spiRead(count: number): Promise<Uint8Array> {
    this.#check('spi');
    return this.emulator.spiRead(count);
  }

  sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms);
  }

  now(): number {
    return this.clock.now();
  }

  /** Opens it again after close (the driver's init() after close()). */
  reopen(): this {
    this.#closed = false;
    return this;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.closes++;
  }
}
