/**
 * The panel's LED sign as the module drives it (hardware/sign's GuidanceSign underneath): the I/O
 * half of the module, rows.ts being the decision.
 *
 * - Only what changed is sent: a row's text when it differs from the last one given (no flicker,
 *   no needless traffic on the RS-485 line), the layout when the number of rows or the width
 *   changes, the brightness when the schedule moves it.
 * - The driver keeps what the sign should show and reconciles it itself (retries, backoff,
 *   reconfiguring a sign that rebooted); a rejected write here is a fault to report, not to resend.
 *   The fault is read from the driver's health after each write and on every check(), and so is
 *   its recovery.
 * - A sign whose start() throws is started again after 5 s, doubling to 5 min.
 * - close(): every row written blank (`--`) within a bound, then the driver stopped (bounded too),
 *   so a stopped agent does not leave numbers on a main road.
 *
 * Nothing here throws to the module.
 */
import type { Logger } from '../../../protocols/index.js';
import type { GuidanceSign, SignHealth, SignLayout, SignPicture } from '../../../hardware/sign/sign.js';
import { CHAR_PITCH, LINE_PITCH } from '../../../hardware/sign/render.js';

/** What a row is to the sign: its STRING file and its text (the module's rows carry more). */
export interface SignRowText {
  fileLabel: string;
  text: string;
}

export interface PanelSignOptions<R extends SignRowText> {
  sign: GuidanceSign;
  log: Logger;
  /** After a write settles, and on each check(): the rows the sign has confirmed, and its picture. */
  onShown(rows: R[], picture: SignPicture): void;
  /** The sign's fault in words, or null once it is healthy again (called on changes only). */
  onFault(error: string | null): void;
}

export const START_BACKOFF_MIN_MS = 5_000;
export const START_BACKOFF_MAX_MS = 300_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Characters a line of the sign shows, from its picture (6 LEDs a character, the last gap not drawn). */
export function signColumns(picture: Pick<SignPicture, 'width'>): number {
  return Math.max(1, Math.round((picture.width + 1) / CHAR_PITCH));
}

/** Lines of text the sign shows, from its picture. */
export function signLines(picture: Pick<SignPicture, 'height'>): number {
  return Math.max(1, Math.round((picture.height + 1) / LINE_PITCH));
}

/** The fault a sign's health tells of, in words (null: none). */
export function healthFault(h: SignHealth): string | null {
  const faults = h.faults.filter((f) => f !== 'config-lost' || !h.inSync); // a reboot already repaired is not a fault
  if (!faults.length) return null;
  return `${faults.join(', ')}${h.lastError ? `: ${h.lastError}` : ''}`.slice(0, 300);
}

export class PanelSign<R extends SignRowText> {
  readonly #o: PanelSignOptions<R>;
  #started = false;
  #closed = false;
  #startFaults = 0;
  #startTimer: NodeJS.Timeout | null = null;
  #wanted: { rows: R[]; percent: number | null } | null = null;
  #layoutKey: string | null = null;
  readonly #asked = new Map<string, R>();
  #brightness: number | null = null;
  readonly #confirmed = new Map<string, R>();
  readonly #pending = new Set<Promise<void>>();
  #fault: string | null = null;

  constructor(options: PanelSignOptions<R>) {
    this.#o = options;
  }

  /** Characters a row of the sign shows. */
  get columns(): number {
    return signColumns(this.#o.sign.picture());
  }

  get started(): boolean {
    return this.#started;
  }

  /** Starts the sign; a start that throws is reported and tried again with backoff. Never rejects. */
  async open(): Promise<void> {
    if (this.#closed || this.#started) return;
    try {
      await this.#o.sign.start();
    } catch (err) {
      if (this.#closed) return;
      const delay = Math.min(START_BACKOFF_MIN_MS * 2 ** this.#startFaults++, START_BACKOFF_MAX_MS);
      this.#o.log.warn('sign not started: trying again', { error: message(err), retryInS: delay / 1000 });
      this.#setFault(`not started: ${message(err)}`);
      this.#startTimer = setTimeout(() => {
        this.#startTimer = null;
        void this.open();
      }, delay);
      this.#startTimer.unref();
      return;
    }
    if (this.#closed) {
      await this.#o.sign.stop().catch(() => {});
      return;
    }
    this.#started = true;
    this.#startFaults = 0;
    this.#setFault(null);
    this.#sync();
    this.check();
  }

  /** The rows to show (one STRING file each, in order) and the brightness (null: leave it). */
  show(rows: R[], percent: number | null): void {
    if (this.#closed) return;
    this.#wanted = { rows, percent };
    this.#sync();
  }

  /** Reads the driver's health: reports a fault or its end, and what the sign shows once it is in sync. */
  check(): void {
    if (!this.#started) return;
    let h: SignHealth;
    try {
      h = this.#o.sign.health();
    } catch (err) {
      this.#setFault(`health not readable: ${message(err)}`);
      return;
    }
    this.#setFault(healthFault(h));
    if (h.inSync) for (const [label, row] of this.#asked) this.#confirmed.set(label, row);
    this.#shown();
  }

  /** Rows written blank (the module's `--` rows) within `timeoutMs`, then the driver stopped. Never rejects. */
  async close(blank: R[] | null, timeoutMs: number): Promise<void> {
    if (this.#startTimer) clearTimeout(this.#startTimer);
    this.#startTimer = null;
    const deadline = Date.now() + timeoutMs;
    if (this.#started && blank) {
      this.show(blank, null);
      const all = Promise.allSettled([...this.#pending]);
      const done = await bounded(all, timeoutMs);
      if (!done) this.#o.log.warn('sign not blanked in time: stopping it anyway', { timeoutMs });
    }
    this.#closed = true;
    if (!this.#started) return;
    this.#started = false;
    const stopped = await bounded(
      this.#o.sign.stop().catch((err) => this.#o.log.warn('sign stop failed', { error: message(err) })),
      Math.max(deadline - Date.now(), 1000),
    );
    if (!stopped) this.#o.log.warn('sign did not stop in time');
  }

  /** Sends what differs from what the driver was last given. */
  #sync(): void {
    const w = this.#wanted;
    if (!w || !this.#started) return;
    const { sign } = this.#o;
    const width = this.columns;
    const layout: SignLayout = w.rows.map((r) => ({ fileLabel: r.fileLabel, width }));
    const key = JSON.stringify(layout);
    if (key !== this.#layoutKey) {
      this.#layoutKey = key;
      this.#asked.clear();
      this.#confirmed.clear();
      this.#track(sign.configure(layout), 'layout', null);
    }
    for (const row of w.rows) {
      if (this.#asked.get(row.fileLabel)?.text === row.text) continue;
      this.#asked.set(row.fileLabel, row);
      this.#track(sign.writeString(row.fileLabel, row.text), `row ${row.fileLabel}`, row);
    }
    if (w.percent !== null && w.percent !== this.#brightness) {
      this.#brightness = w.percent;
      this.#track(sign.setBrightness(w.percent), 'brightness', null);
    }
  }

  #track(work: Promise<void>, what: string, row: R | null): void {
    const p = work.then(
      () => {
        if (row && this.#asked.get(row.fileLabel) === row) this.#confirmed.set(row.fileLabel, row);
      },
      (err) => this.#o.log.debug('sign write not confirmed (the driver tries again)', { what, error: message(err) }),
    );
    this.#pending.add(p);
    void p.finally(() => {
      this.#pending.delete(p);
      if (this.#started) this.check();
    });
  }

  #shown(): void {
    const rows = (this.#wanted?.rows ?? []).map((r) => this.#confirmed.get(r.fileLabel)).filter((r): r is R => r !== undefined);
    let picture: SignPicture;
    try {
      picture = this.#o.sign.picture();
    } catch (err) {
      this.#o.log.warn('sign picture not readable', { error: message(err) });
      return;
    }
    this.#o.onShown(rows, picture);
  }

  #setFault(error: string | null): void {
    if (error === this.#fault) return;
    this.#fault = error;
    if (error) this.#o.log.warn('sign fault', { error });
    else this.#o.log.info('sign healthy');
    this.#o.onFault(error);
  }
}

/** True when `work` settles within `ms`, false when the time runs out first. */
async function bounded(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
