/**
 * The Waveshare 7.5" e-paper V2 driver (UC8179, 800×480, black/white), over the transport seam of
 * transport.ts: spidev.ts on a Raspberry Pi, fake-transport.ts (the controller emulator) in tests
 * and in the simulated panel. Byte for byte as /work/shared/REFERENCES.md lists it (after
 * waveshareteam/e-Paper's epd7in5_V2.py, cross-checked with GxEPD2_750_T7):
 *
 *   power   PWR high before anything, low after deep sleep — never powered between refreshes
 *   reset   RST 1, 20 ms, 0, 2 ms, 1, 20 ms
 *   init    06[17 17 28 17] 01[07 07 28 17] 04 (100 ms, wait) 00[1F] 61[03 20 01 E0] 15[00] 50[10 07] 60[22]
 *   full    10 ← the frame the glass shows now, 13 ← the new frame, 12 (100 ms, wait)
 *   clear   10 ← FF×48000, 13 ← 00×48000, 12 (100 ms, wait)
 *   partial 50[A9 07] 91 90[xs xe ys ye, 01] 13 ← the window's bytes inverted, 12 (100 ms, wait)
 *   sleep   50[F7] 02 (wait) 07[A5], 2 s, PWR low
 *   wait    71 then read BUSY (low while busy) every 10 ms, bounded by busyTimeoutMs; 20 ms once high
 *
 * Polarity: the init's data interval 50[10 …] has DDX = 0, a set bit of new data is black, which is
 * the frame convention; the partial path's 50[A9 …] has DDX = 1, so it gets the inverse bytes.
 *
 * Lifecycle, decided here: init() is needed once (it opens the bus and lines and checks that the
 * panel answers), a refresh before it is EpaperFault('state'). Each refresh then wakes the panel
 * itself (power, reset, init sequence) unless init() just did, refreshes, and puts it to deep
 * sleep with the power off — so sleep() between refreshes costs nothing and a refresh after it
 * needs no init(). After a fault (BUSY timeout, transport error) the power is cut and the next
 * refresh or init() starts from reset.
 *
 * temperature(): the UC8179 senses its own temperature (0x40, two bytes back), but only a
 * transport that can read (`spiRead`) can ask it: the emulator can, the Waveshare HAT cannot
 * (the chip answers on its bidirectional SDA pin, which the HAT does not route to MISO), so on the
 * real panel it is null.
 */
import type { Logger } from '../../protocols/index.js';
import { EPAPER_FRAME_BYTES, EPAPER_HEIGHT, EPAPER_WIDTH, EpaperFault, type EpaperPanel, type Frame1bpp, type PanelWindow, type RefreshReport } from './epaper.js';
import { temperatureFromBytes } from './emulator.js';
import type { EpaperTransport } from './transport.js';
import { checkFrame, cutWindow, fitWindow, inverted, pasteWindow, windowParameters } from './window.js';

/** The init sequence after reset: [command, parameters] in order; 0x04 is followed by a wait. */
export const INIT_SEQUENCE: readonly (readonly [number, readonly number[]])[] = [
  [0x06, [0x17, 0x17, 0x28, 0x17]], // booster soft start
  [0x01, [0x07, 0x07, 0x28, 0x17]], // power setting: VGH/VGL ±20 V, VDH/VDL ±15 V
  [0x04, []], // power on (charge pump)
  [0x00, [0x1f]], // panel setting: KW mode, LUT from OTP
  [0x61, [0x03, 0x20, 0x01, 0xe0]], // resolution 800×480
  [0x15, [0x00]], // dual SPI off
  [0x50, [0x10, 0x07]], // VCOM and data interval: DDX = 0 (set bit = black)
  [0x60, [0x22]], // TCON
];
export const RESET_TIMING_MS = { high: 20, low: 2, settle: 20 } as const;
/** After 0x04 and after 0x12, before the first BUSY poll (the reference driver's 100 ms). */
export const SETTLE_BEFORE_POLL_MS = 100;
export const BUSY_POLL_MS = 10;
/** After BUSY goes high (the reference driver's 20 ms). */
export const AFTER_BUSY_MS = 20;
/** After deep sleep, before the power is cut (the reference driver's 2 s). */
export const BEFORE_POWER_OFF_MS = 2000;
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

export interface WaveshareOptions {
  /** Opens the transport: at init(), and again at an init() after close(). */
  open: () => EpaperTransport | Promise<EpaperTransport>;
  /** Longest wait for BUSY, on the transport's clock (default 30 s). */
  busyTimeoutMs?: number;
  log?: Logger;
}

type PanelState = 'closed' | 'awake' | 'asleep';

export class WaveshareEpaper implements EpaperPanel {
  readonly width = EPAPER_WIDTH;
  readonly height = EPAPER_HEIGHT;
  readonly #options: WaveshareOptions;
  readonly #busyTimeoutMs: number;
  #t: EpaperTransport | null = null;
  #state: PanelState = 'closed';
  /** What the glass shows, as far as the driver knows; null until the first refresh. */
  #shown: Uint8Array | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WaveshareOptions) {
    this.#options = options;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!(this.#busyTimeoutMs > 0)) throw new RangeError(`busyTimeoutMs ${this.#busyTimeoutMs} is not positive`);
  }

  /** 'closed' before init() and after close(); 'awake' right after init(); 'asleep' after a refresh or sleep(). */
  get state(): PanelState {
    return this.#state;
  }

  /** What the driver last put on the glass (frame convention), or null before the first refresh. */
  get shown(): Uint8Array | null {
    return this.#shown && Uint8Array.from(this.#shown);
  }

  init(): Promise<void> {
    return this.#run('init', async (t) => {
      await this.#wake(t);
    }, { opens: true });
  }

  async full(frame: Frame1bpp): Promise<RefreshReport> {
    checkFrame(frame);
    const next = Uint8Array.from(frame);
    return this.#refresh('full', async (t) => {
      // Old data: what the glass shows; unknown (first refresh) is sent as clear() sends it.
      await this.#command(t, 0x10, this.#shown ?? new Uint8Array(EPAPER_FRAME_BYTES).fill(0xff));
      await this.#command(t, 0x13, next);
      this.#shown = next;
    });
  }

  clear(): Promise<RefreshReport> {
    return this.#refresh('clear', async (t) => {
      await this.#command(t, 0x10, new Uint8Array(EPAPER_FRAME_BYTES).fill(0xff));
      await this.#command(t, 0x13, new Uint8Array(EPAPER_FRAME_BYTES));
      this.#shown = new Uint8Array(EPAPER_FRAME_BYTES);
    });
  }

  async partial(frame: Frame1bpp, window: PanelWindow): Promise<RefreshReport> {
    checkFrame(frame);
    const fitted = fitWindow(window);
    const bytes = cutWindow(frame, fitted);
    return this.#refresh(
      'partial',
      async (t) => {
        await this.#command(t, 0x50, [0xa9, 0x07]); // DDX = 1: the inverse polarity, N2OCP
        await this.#command(t, 0x91); // partial in
        await this.#command(t, 0x90, windowParameters(fitted));
        await this.#command(t, 0x13, inverted(bytes));
        const shown = this.#shown ?? new Uint8Array(EPAPER_FRAME_BYTES);
        pasteWindow(shown, fitted, bytes);
        this.#shown = shown;
      },
      fitted,
    );
  }

  sleep(): Promise<void> {
    return this.#run('sleep', async (t) => {
      if (this.#state === 'awake') await this.#sleepPanel(t);
    });
  }

  temperature(): Promise<number | null> {
    return this.#run('temperature', async (t) => {
      const read = t.spiRead?.bind(t);
      if (!read) return null;
      const woke = this.#state !== 'awake';
      if (woke) await this.#wake(t);
      await this.#command(t, 0x40);
      // Polled without 0x71: a status command would replace the reading the chip holds for us.
      await this.#waitWhileBusy(t, 'temperature sensing (0x40)', { status: false });
      await this.#setDc(t, 1);
      const [msb, lsb] = await read(2);
      if (woke) await this.#sleepPanel(t);
      return temperatureFromBytes(msb ?? 0, lsb ?? 0);
    });
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      const t = this.#t;
      this.#t = null;
      this.#state = 'closed';
      if (!t) return;
      try {
        await t.write('pwr', 0);
      } catch {
        // the line is going away with the transport anyway
      }
      try {
        await t.close();
      } catch (err) {
        throw new EpaperFault('transport', `e-paper close: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  /** One operation at a time: a refresh never interleaves its bytes with another's. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op, op);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Runs `op` on the open transport; a fault cuts the power and is reported as an EpaperFault. */
  #run<T>(name: string, op: (t: EpaperTransport) => Promise<T>, options: { opens?: boolean } = {}): Promise<T> {
    return this.#serial(async () => {
      if (!this.#t) {
        if (!options.opens) throw new EpaperFault('state', `e-paper ${name}() before init()`);
        try {
          this.#t = await this.#options.open();
        } catch (err) {
          throw new EpaperFault('transport', `e-paper init: ${(err as Error).message}`, { cause: err });
        }
      }
      const t = this.#t;
      try {
        return await op(t);
      } catch (err) {
        await this.#powerCut(t);
        if (err instanceof EpaperFault) throw err;
        throw new EpaperFault('transport', `e-paper ${name}: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  #refresh(mode: RefreshReport['mode'], send: (t: EpaperTransport) => Promise<void>, window?: PanelWindow): Promise<RefreshReport> {
    return this.#run(mode, async (t) => {
      if (this.#state !== 'awake') await this.#wake(t);
      const started = t.now();
      await send(t);
      await this.#command(t, 0x12);
      await t.sleep(SETTLE_BEFORE_POLL_MS);
      await this.#waitWhileBusy(t, `${mode} refresh (0x12)`);
      const report: RefreshReport = { mode, ms: Math.round(t.now() - started), ...(window ? { window } : {}) };
      await this.#sleepPanel(t);
      this.#options.log?.debug('e-paper refreshed', { ...report });
      return report;
    });
  }

  /** Power, reset, init sequence: the panel ready for data. */
  async #wake(t: EpaperTransport): Promise<void> {
    await t.write('pwr', 1);
    await t.write('rst', 1);
    await t.sleep(RESET_TIMING_MS.high);
    await t.write('rst', 0);
    await t.sleep(RESET_TIMING_MS.low);
    await t.write('rst', 1);
    await t.sleep(RESET_TIMING_MS.settle);
    for (const [command, parameters] of INIT_SEQUENCE) {
      await this.#command(t, command, parameters);
      if (command === 0x04) {
        await t.sleep(SETTLE_BEFORE_POLL_MS);
        await this.#waitWhileBusy(t, 'power on (0x04)');
      }
    }
    this.#state = 'awake';
  }

  /** Deep sleep, then the power off. */
  async #sleepPanel(t: EpaperTransport): Promise<void> {
    await this.#command(t, 0x50, [0xf7]);
    await this.#command(t, 0x02);
    await this.#waitWhileBusy(t, 'power off (0x02)');
    await this.#command(t, 0x07, [0xa5]);
    await t.sleep(BEFORE_POWER_OFF_MS);
    await t.write('pwr', 0);
    this.#state = 'asleep';
  }

  /** After a fault: power off whatever the lines can still do; the next operation starts from reset. */
  async #powerCut(t: EpaperTransport): Promise<void> {
    this.#state = 'asleep';
    try {
      await t.write('pwr', 0);
    } catch (err) {
      this.#options.log?.warn('e-paper: could not cut the power after a fault', { error: (err as Error).message });
    }
  }

  async #setDc(t: EpaperTransport, level: 0 | 1): Promise<void> {
    await t.write('dc', level);
  }

  /** A command byte (DC low), then its parameters or data as one run (DC high). */
  async #command(t: EpaperTransport, command: number, data?: ArrayLike<number>): Promise<void> {
    await this.#setDc(t, 0);
    await t.spiWrite(Uint8Array.of(command));
    if (data && data.length > 0) {
      await this.#setDc(t, 1);
      await t.spiWrite(data instanceof Uint8Array ? data : Uint8Array.from(data));
    }
  }

  /** Polls BUSY after 0x71 until it is high, at most busyTimeoutMs; then the reference's 20 ms. */
  async #waitWhileBusy(t: EpaperTransport, after: string, options: { status?: boolean } = {}): Promise<void> {
    const started = t.now();
    for (;;) {
      if (options.status !== false) await this.#command(t, 0x71);
      if ((await t.busy()) === 1) break;
      const waited = t.now() - started;
      if (waited >= this.#busyTimeoutMs) {
        throw new EpaperFault('busy-timeout', `e-paper BUSY still low ${Math.round(waited)} ms after ${after} (bound ${this.#busyTimeoutMs} ms)`);
      }
      await t.sleep(Math.min(BUSY_POLL_MS, this.#busyTimeoutMs - waited));
    }
    await t.sleep(AFTER_BUSY_MS);
  }
}
