/**
 * The simulated e-paper panel: the real Waveshare driver (waveshare.ts) on the fake transport
 * (fake-transport.ts) whose other end is the UC8179 emulator, on a clock `speed` times faster than
 * real time. So every byte the driver would send to a real panel is sent, parsed and checked here,
 * and what the glass would show is known — and, when `png` is set, saved as a PNG after each
 * refresh (temp file + rename, so a viewer never reads half a file).
 *
 * A PNG that cannot be written is logged and counted (`pngErrors`); the refresh itself succeeded.
 */
import type { Logger } from '../../protocols/index.js';
import { EPAPER_HEIGHT, EPAPER_WIDTH, type EpaperPanel, type Frame1bpp, type PanelWindow, type RefreshReport } from './epaper.js';
import type { Uc8179, ChipTiming } from './emulator.js';
import { EmulatedTransport, ScaledClock, type PanelClock } from './fake-transport.js';
import { savePng } from './png.js';
import { WaveshareEpaper } from './waveshare.js';

export interface SimulatedEpaperOptions {
  /** Refresh times (and the driver's waits) divided by this; 1 = a real panel's pace. */
  speed?: number;
  temperatureC?: number;
  /** Where to save the glass after each refresh (absolute, or relative to the process's directory). */
  png?: string;
  /** The driver's bound on BUSY, panel ms (default the driver's 30 s). */
  busyTimeoutMs?: number;
  /** Another clock (a VirtualClock in tests); default a ScaledClock at `speed`. */
  clock?: PanelClock;
  /** The chip's own times before the speed factor (default UC8179_TIMING). */
  timing?: Partial<ChipTiming>;
  log?: Logger;
}

export class SimulatedEpaper implements EpaperPanel {
  readonly width = EPAPER_WIDTH;
  readonly height = EPAPER_HEIGHT;
  readonly transport: EmulatedTransport;
  readonly driver: WaveshareEpaper;
  readonly #png: string | undefined;
  readonly #log: Logger | undefined;
  /** PNGs saved and failed. */
  pngSaved = 0;
  pngErrors = 0;

  constructor(options: SimulatedEpaperOptions = {}) {
    if (options.png !== undefined && options.png.length === 0) throw new RangeError('simulated e-paper: png must name a file');
    this.#png = options.png;
    this.#log = options.log;
    this.transport = new EmulatedTransport({
      clock: options.clock ?? new ScaledClock(options.speed ?? 1),
      ...(options.temperatureC !== undefined ? { temperatureC: options.temperatureC } : {}),
      ...(options.timing ? { timing: options.timing } : {}),
    });
    this.driver = new WaveshareEpaper({
      open: () => this.transport.reopen(),
      ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** The controller model at the other end of the bus. */
  get emulator(): Uc8179 {
    return this.transport.emulator;
  }

  /** What the glass shows now (frame convention). */
  glass(): Uint8Array {
    return Uint8Array.from(this.emulator.glass);
  }

  init(): Promise<void> {
    return this.driver.init();
  }

  async full(frame: Frame1bpp): Promise<RefreshReport> {
    return this.#saved(await this.driver.full(frame));
  }

  async partial(frame: Frame1bpp, window: PanelWindow): Promise<RefreshReport> {
    return this.#saved(await this.driver.partial(frame, window));
  }

  async clear(): Promise<RefreshReport> {
    return this.#saved(await this.driver.clear());
  }

  sleep(): Promise<void> {
    return this.driver.sleep();
  }

  temperature(): Promise<number | null> {
    return this.driver.temperature();
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  #saved(report: RefreshReport): RefreshReport {
    if (this.#png) {
      try {
        savePng(this.#png, this.emulator.glass);
        this.pngSaved++;
      } catch (err) {
        this.pngErrors++;
        this.#log?.warn('simulated e-paper: cannot save the PNG', { file: this.#png, error: (err as Error).message });
      }
    }
    return report;
  }
}
