/**
 * The e-paper glass of a stop display: takes the newest screen, renders it, asks the refresh policy
 * (refresh.ts) what to do and does it through the panel (hardware/epaper), one refresh at a time.
 * The decisions are refresh.ts's; this is their I/O (balena-supervisor's plan/execute split).
 *
 * - A change the policy defers (minimum interval) is tried again when the interval ends, with
 *   whatever screen is newest then.
 * - The panel's temperature is read at most every 10 min (reading it wakes the panel); a panel
 *   without a sensor (the Waveshare HAT) is judged by the `ambientTemperatureC` setting, or not at all.
 * - A panel fault (EpaperFault or any throw, or an operation past its bound) is reported, the
 *   glass counts as unknown (the next refresh is full, after init() again), and the refresh is
 *   retried after 5 s doubling to 5 min. It never escapes to the agent.
 * - close(): the out-of-service screen with a full refresh, bounded in time, then sleep and close,
 *   so a stopped display never keeps live-looking numbers on the glass.
 */
import type { DeparturesSettings, Logger } from '../../../protocols/index.js';
import type { EpaperPanel, Frame1bpp, PanelWindow } from '../../../hardware/epaper/epaper.js';
import type { DisplayStats } from '../../module.js';
import { UNKNOWN_GLASS, afterFault, afterRefresh, decideRefresh, faultBackoffMs, sameBits, type GlassState, type RefreshDecision } from './refresh.js';
import type { Screen } from './screen.js';

export interface GlassOptions {
  panel: EpaperPanel;
  render(screen: Screen): Frame1bpp;
  bands(a: Frame1bpp, b: Frame1bpp): PanelWindow[];
  /** Wall-clock ms (tests step it). */
  now(): number;
  settings(): DeparturesSettings;
  log: Logger;
  /** After each refresh that succeeded: what the glass shows now. */
  onShown(screen: Screen, bits: Frame1bpp): void;
  onStats(stats: DisplayStats): void;
  /** A panel fault's message, or null once a refresh succeeds again. */
  onFault(error: string | null): void;
}

/** How long a temperature reading is trusted. */
export const TEMPERATURE_MAX_AGE_MS = 10 * 60_000;
/** The outer bound on one panel operation (the driver bounds BUSY itself; this catches a hung bus). */
export const PANEL_OP_TIMEOUT_MS = 60_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class Glass {
  readonly #o: GlassOptions;
  #wanted: { screen: Screen; quiet: boolean } | null = null;
  #rendered: { key: string; bits: Frame1bpp } | null = null;
  #glass: GlassState = UNKNOWN_GLASS;
  #initialised = false;
  #faults = 0;
  #retryAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #closed = false;
  #temperature: { value: number | null; at: number } | null = null;
  readonly #counts = { partial: 0, full: 0, recent: [] as number[], lastRefreshMs: undefined as number | undefined, lastRefreshAt: undefined as number | undefined };
  #held: string | undefined;
  #lastStats = '';

  constructor(options: GlassOptions) {
    this.#o = options;
  }

  /** What the glass is known to show (null: unknown). */
  get shown(): Frame1bpp | null {
    return this.#glass.shown;
  }

  /**
   * The newest screen to show; resolves once the glass has done what the policy allowed. Rejects
   * only if the screen cannot be rendered (the module's handler counts that); panel faults are
   * handled here.
   */
  offer(screen: Screen, quiet: boolean): Promise<void> {
    this.#wanted = { screen, quiet };
    return this.#kick();
  }

  /**
   * Shows `screen` (the out-of-service one) with a full refresh within `timeoutMs`, then sleeps and
   * closes the panel; returns within `timeoutMs` + 2 s whatever the panel does.
   */
  async close(screen: Screen, timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    const { panel, log } = this.#o;
    try {
      if (this.#running) await bounded(this.#running, left(), 'the refresh under way');
      const bits = this.#render(screen);
      if (!this.#glass.shown || !sameBits(this.#glass.shown, bits)) {
        // Outside the temperature range too: a blurred "out of order" is better than live-looking numbers left behind.
        await bounded(this.#refresh({ action: 'full', reason: 'unknown' }, bits), left(), 'the out-of-service refresh');
        this.#o.onShown(screen, bits);
      }
    } catch (err) {
      log.warn('out-of-service screen not shown', { error: message(err) });
    }
    // Sleep and close get what is left, at least a second each: the whole stays within timeoutMs + 2 s.
    try {
      await bounded(panel.sleep(), Math.max(left(), 1000), 'sleep');
    } catch (err) {
      log.warn('panel sleep failed', { error: message(err) });
    }
    try {
      await bounded(panel.close(), Math.max(left(), 1000), 'close');
    } catch (err) {
      log.warn('panel close failed', { error: message(err) });
    }
  }

  #kick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      do {
        this.#again = false;
        await this.#step();
      } while (this.#again && !this.#closed);
    })();
    this.#running = run;
    const clear = () => {
      if (this.#running === run) this.#running = null;
    };
    run.then(clear, clear);
    return run;
  }

  async #step(): Promise<void> {
    const wanted = this.#wanted;
    if (!wanted || this.#closed) return;
    const now = this.#o.now();
    if (now < this.#retryAt) return this.#later(this.#retryAt);
    const bits = this.#render(wanted.screen);
    const recent = this.#temperature && now >= this.#temperature.at && now - this.#temperature.at < TEMPERATURE_MAX_AGE_MS ? this.#temperature : null;
    let decision = this.#decide(bits, now, recent?.value ?? null, wanted.quiet);
    if ((decision.action === 'full' || decision.action === 'partial') && !recent) {
      // About to refresh with no recent reading: read it now (it wakes the panel), then decide again.
      decision = this.#decide(bits, now, await this.#readTemperature(now), wanted.quiet);
    }
    switch (decision.action) {
      case 'nothing':
        this.#held = decision.held;
        break;
      case 'hold':
        this.#held = decision.reason;
        break;
      case 'wait':
        this.#later(decision.until);
        break;
      default:
        try {
          await this.#refresh(decision, bits);
          this.#held = undefined;
          if (this.#faults) this.#o.onFault(null);
          this.#faults = 0;
          this.#retryAt = 0;
          this.#o.onShown(wanted.screen, bits);
        } catch (err) {
          const delay = faultBackoffMs(this.#faults++);
          const end = this.#o.now();
          this.#glass = afterFault(this.#glass, end);
          this.#initialised = false;
          this.#retryAt = end + delay;
          this.#held = `panel fault: ${message(err)}`.slice(0, 200);
          this.#o.log.warn('panel refresh failed', { error: message(err), faults: this.#faults, retryInS: delay / 1000 });
          this.#o.onFault(message(err));
          this.#later(this.#retryAt);
        }
    }
    this.#emitStats();
  }

  #decide(bits: Frame1bpp, now: number, temperatureC: number | null, quiet: boolean): RefreshDecision {
    const { panel } = this.#o;
    return decideRefresh({
      glass: this.#glass,
      next: bits,
      now,
      temperatureC,
      quiet,
      size: { width: panel.width, height: panel.height },
      bands: this.#o.bands,
      settings: this.#o.settings(),
    });
  }

  /** Runs a full or partial refresh; throws on a panel fault. */
  async #refresh(decision: Extract<RefreshDecision, { action: 'full' | 'partial' }>, bits: Frame1bpp): Promise<void> {
    const { panel } = this.#o;
    if (!this.#initialised) {
      await bounded(panel.init(), PANEL_OP_TIMEOUT_MS, 'init');
      this.#initialised = true;
    }
    let ms = 0;
    if (decision.action === 'full') ms += (await bounded(panel.full(bits), PANEL_OP_TIMEOUT_MS, 'full refresh')).ms;
    else for (const w of decision.windows) ms += (await bounded(panel.partial(bits, w), PANEL_OP_TIMEOUT_MS, 'partial refresh')).ms;
    const end = this.#o.now();
    this.#glass = afterRefresh(this.#glass, decision.action, bits, end);
    this.#counts[decision.action]++;
    this.#counts.recent.push(end);
    this.#counts.lastRefreshMs = ms;
    this.#counts.lastRefreshAt = end;
  }

  async #readTemperature(now: number): Promise<number | null> {
    let value: number | null = null;
    try {
      if (!this.#initialised) {
        await bounded(this.#o.panel.init(), PANEL_OP_TIMEOUT_MS, 'init');
        this.#initialised = true;
      }
      value = await bounded(this.#o.panel.temperature(), PANEL_OP_TIMEOUT_MS, 'temperature');
    } catch (err) {
      // The refresh that follows meets the same fault and reports it; here only the reading is lost.
      this.#o.log.debug('panel temperature not read', { error: message(err) });
    }
    value ??= this.#o.settings().ambientTemperatureC ?? null;
    this.#temperature = { value, at: now };
    return value;
  }

  #render(screen: Screen): Frame1bpp {
    const key = JSON.stringify(screen);
    if (this.#rendered?.key !== key) this.#rendered = { key, bits: this.#o.render(screen) };
    return this.#rendered.bits;
  }

  /** Steps again at `at` (module clock), with the newest screen then. */
  #later(at: number): void {
    this.#clearTimer();
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#kick().catch((err) => this.#o.log.warn('deferred refresh failed', { error: message(err) }));
      },
      Math.max(0, at - this.#o.now()),
    );
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #emitStats(): void {
    const c = this.#counts;
    const hourAgo = this.#o.now() - 3_600_000;
    while (c.recent.length && c.recent[0]! <= hourAgo) c.recent.shift();
    const stats: DisplayStats = {
      refreshesLastHour: c.recent.length,
      partial: c.partial,
      full: c.full,
      ...(c.lastRefreshMs !== undefined ? { lastRefreshMs: c.lastRefreshMs } : {}),
      ...(c.lastRefreshAt !== undefined ? { lastRefreshAt: c.lastRefreshAt } : {}),
      ...(this.#held ? { held: this.#held } : {}),
    };
    const key = JSON.stringify(stats);
    if (key === this.#lastStats) return;
    this.#lastStats = key;
    this.#o.onStats(stats);
  }
}

/** `work`, or a rejection naming `what` once `ms` have passed. */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref(); // a hung panel must not keep a stopping process alive
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
