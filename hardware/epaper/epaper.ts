/**
 * An e-paper panel: the Waveshare 7.5" V2 (UC8179, 800×480, black/white) of the stop displays.
 *
 * Laid out like hardware/door/: this file has the interface, the frame convention and
 * `createEpaper(config)`; waveshare.ts is the real driver (spi-device for the bytes, onoff for
 * DC/RST/BUSY/PWR), emulator.ts a model of the UC8179 controller that takes the same byte stream
 * through a fake transport, simulated.ts the panel built on it, contract.ts the tests every driver
 * passes.
 *
 * One buffer convention everywhere above the driver: 1 bit per pixel, MSB = leftmost pixel,
 * 100 bytes a row, a set bit is black ink. The controller wants other polarities in some modes;
 * the driver handles that, nobody else.
 *
 * Imports protocols/ only.
 */
import path from 'node:path';
import type { EpaperHardware, Logger } from '../../protocols/index.js';
import { SimulatedEpaper } from './simulated.js';
import { openSpidevTransport } from './spidev.js';
import { WaveshareEpaper } from './waveshare.js';

export const EPAPER_WIDTH = 800;
export const EPAPER_HEIGHT = 480;
export const EPAPER_ROW_BYTES = EPAPER_WIDTH / 8;
export const EPAPER_FRAME_BYTES = EPAPER_ROW_BYTES * EPAPER_HEIGHT;

/** A whole frame in the convention above (EPAPER_FRAME_BYTES long). */
export type Frame1bpp = Uint8Array;

/** A rectangle of the panel, px. For a partial refresh `x` and `width` are multiples of 8. */
export interface PanelWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RefreshReport {
  mode: 'full' | 'partial' | 'clear';
  /** From the first byte sent to the panel reporting not busy, ms. */
  ms: number;
  /** The refreshed window (partial). */
  window?: PanelWindow;
}

/**
 * `busy-timeout`: BUSY stayed low past the bound; `transport`: SPI or GPIO failed; `state`: a call
 * out of order (a refresh before init). The stop-display module retries with backoff and reports it.
 */
export type EpaperFaultKind = 'busy-timeout' | 'transport' | 'state';

export class EpaperFault extends Error {
  readonly kind: EpaperFaultKind;
  constructor(kind: EpaperFaultKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EpaperFault';
    this.kind = kind;
  }
}

export interface EpaperPanel {
  readonly width: number;
  readonly height: number;
  /** Powers the panel up, resets it and runs the init sequence (again after sleep). */
  init(): Promise<void>;
  /** Shows `frame` with a full refresh (flashing, ~4 s); the panel sleeps after it. */
  full(frame: Frame1bpp): Promise<RefreshReport>;
  /** Shows `window` of `frame` with a partial refresh (~0.5 s); the rest of the glass keeps what it had. */
  partial(frame: Frame1bpp, window: PanelWindow): Promise<RefreshReport>;
  /** All white, full refresh. */
  clear(): Promise<RefreshReport>;
  /** Deep sleep and power off (init() wakes it). */
  sleep(): Promise<void>;
  /** The panel's temperature sensor, °C, or null where the panel has none to read. */
  temperature(): Promise<number | null>;
  /** Releases the SPI device and GPIO lines. */
  close(): Promise<void>;
}

export interface CreateEpaperOptions {
  log: Logger;
  /** What a relative `png` path is relative to (the config file's directory); default the process's. */
  baseDir?: string;
}

/**
 * The panel the config names: the Waveshare driver on spidev + sysfs GPIO (nothing is opened before
 * init()), or the same driver on the UC8179 emulator. Side-effect free.
 */
export function createEpaper(config: EpaperHardware, options: CreateEpaperOptions): EpaperPanel {
  const log = options.log;
  if (config.kind === 'waveshare-7in5-v2') {
    return new WaveshareEpaper({
      open: () => openSpidevTransport({ spi: config.spi, pins: config.pins }),
      busyTimeoutMs: config.busyTimeoutMs,
      log,
    });
  }
  const png = config.png === undefined ? undefined : path.resolve(options.baseDir ?? '.', config.png);
  return new SimulatedEpaper({ speed: config.speed, temperatureC: config.temperatureC, log, ...(png ? { png } : {}) });
}
