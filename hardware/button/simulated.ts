/**
 * A talking button pressed by simulated people (tests, the demo town): `setPressed` moves the
 * contact now (bounce and all, if a test wants it), `press(holdMs)` is a whole press on the
 * button's timers, and a press timeline (`presses`, presses.ts) is played when the wall clock
 * reaches each press. The levels go through the same debouncing as the real drivers', so what
 * presses here is what would press on the stop.
 *
 * The timeline is read at each start() (a file that cannot be read, or a bad line, rejects it,
 * naming the file and line, and nothing is left running) and played like the door visits
 * (door/simulated.ts): presses already past at start are skipped, the waits run on the monotonic
 * clock from the wall clock read once at start.
 */
import type { ButtonOptions } from './button.js';
import { LineButton, type ButtonLine, type ButtonSink } from './line.js';
import { DEFAULT_HOLD_MS, readPressTimeline, type TimelinePress } from './presses.js';

export interface SimulatedButtonOptions {
  /** A press timeline file (presses.ts) to play by the wall clock; an absolute path (createButton resolves it). */
  presses?: string;
}

export interface PressTimelineProgress {
  file: string;
  played: number;
  /** Presses already past at start(). */
  skipped: number;
  pending: number;
}

/** A press due after this long is waited for in steps of it (Node's timers stop at 2^31 ms). */
const MAX_WAIT_MS = 3_600_000;

class SimulatedContact implements ButtonLine {
  pressed = false;
  #sink: ButtonSink | null = null;

  get heard(): boolean {
    return this.#sink !== null;
  }

  set(pressed: boolean): void {
    this.pressed = pressed;
    this.#sink?.level(pressed);
  }

  async open(sink: ButtonSink): Promise<boolean> {
    this.#sink = sink;
    return this.pressed;
  }

  async close(): Promise<void> {
    this.#sink = null;
  }
}

export class SimulatedButton extends LineButton {
  readonly #contact: SimulatedContact;
  readonly #file: string | undefined;
  #release: unknown = null;
  #timeline: { press: TimelinePress; due: number }[] = [];
  #timelineTimer: unknown = null;
  #progress: PressTimelineProgress | null = null;

  constructor(config: SimulatedButtonOptions & ButtonOptions = {}) {
    const contact = new SimulatedContact();
    super(contact, config, 'simulated button');
    this.#contact = contact;
    this.#file = config.presses;
  }

  /** True while a started button hears its contact. */
  get heard(): boolean {
    return this.#contact.heard;
  }

  /** How the timeline is being played since the last start(), or null without one. */
  get timeline(): PressTimelineProgress | null {
    return this.#progress ? { ...this.#progress } : null;
  }

  /** Moves the contact now: held (true) or released. Set while stopped, it is how the button is found at start. */
  setPressed(pressed: boolean): void {
    this.#contact.set(pressed);
  }

  /** Someone presses now and lets go after `holdMs` (on the button's timers). */
  press(holdMs = DEFAULT_HOLD_MS): void {
    if (!Number.isFinite(holdMs) || holdMs <= 0) throw new RangeError(`simulated button: holdMs must be > 0, not ${holdMs}`);
    this.#clearRelease();
    this.#contact.set(true);
    this.#release = this.timers.setTimeout(() => {
      this.#release = null;
      this.#contact.set(false);
    }, holdMs);
  }

  override async start(): Promise<void> {
    if (this.running) return;
    const presses = this.#file !== undefined ? await readPressTimeline(this.#file) : null;
    await super.start();
    if (presses && this.#file !== undefined) this.#follow(this.#file, presses);
  }

  override async stop(): Promise<void> {
    if (this.#timelineTimer !== null) this.timers.clearTimeout(this.#timelineTimer);
    this.#timelineTimer = null;
    this.#timeline = [];
    if (this.#release !== null) {
      this.#clearRelease();
      this.#contact.pressed = false; // let go while no one was listening
    }
    await super.stop();
  }

  #clearRelease(): void {
    if (this.#release !== null) this.timers.clearTimeout(this.#release);
    this.#release = null;
  }

  #follow(file: string, presses: readonly TimelinePress[]): void {
    const wallMinusMono = this.clock.now() - this.clock.mono();
    const now = this.clock.now();
    const ahead = presses.filter((p) => p.at >= now);
    this.#progress = { file, played: 0, skipped: presses.length - ahead.length, pending: ahead.length };
    this.#timeline = ahead.map((press) => ({ press, due: press.at - wallMinusMono }));
    this.#arm();
  }

  #arm(): void {
    if (this.#timelineTimer !== null) this.timers.clearTimeout(this.#timelineTimer);
    this.#timelineTimer = null;
    const next = this.#timeline[0];
    if (!next || !this.running) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(next.due - this.clock.mono())));
    this.#timelineTimer = this.timers.setTimeout(this.#play, wait);
  }

  #play = (): void => {
    this.#timelineTimer = null;
    const now = this.clock.mono();
    while (this.#timeline.length > 0 && this.#timeline[0]!.due <= now) {
      const { press } = this.#timeline.shift()!;
      this.press(press.holdMs);
      this.#progress!.played++;
      this.#progress!.pending--;
    }
    this.#arm();
  };
}
