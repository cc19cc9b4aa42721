/**
 * Pairs of input lines on a Raspberry Pi's GPIO header, each watched for edges: what the door
 * beams (two per door) and the loop detectors (two per lane) open. Finds the header's gpiochip
 * (sysfs.ts), opens every line by its BCM number, reports each edge as the line being active or
 * not, reads each once at open, and unexports them all at close.
 */
import { findHeaderChip, onoffLineOpener, readGpioChips, SYSFS_GPIO_ROOT, sysfsNumber, type GpioChip, type GpioLine, type GpioLineOpener } from './sysfs.js';

/** Where the header is and how its lines open: the same for every GPIO driver's config. */
export interface GpioHeaderOptions {
  /** Where the gpiochips are listed (default /sys/class/gpio); a temp dir in tests. */
  sysfsRoot?: string;
  /** Labels of the header's gpiochip, in order of preference (default: the Pi's, PI_HEADER_CHIP_LABELS in sysfs.ts). */
  chipLabels?: readonly string[];
  /** Opens a line by sysfs number (default: onoff, which always uses /sys/class/gpio). */
  openLine?: GpioLineOpener;
}

/** Two inputs, `a` and `b`, at one place (a door's two beams, a lane's two loops): BCM numbers. */
export interface GpioPair<P> {
  place: P;
  a: number;
  b: number;
}

export type Which = 'a' | 'b';

/** Both inputs of a place: true while active. */
export interface PairLevels {
  a: boolean;
  b: boolean;
}

/** Where the lines report. Never throws. */
export interface GpioPairSink<P> {
  edge(place: P, which: Which, active: boolean): void;
  error(place: P, which: Which, err: unknown): void;
}

export class GpioPairs<P> {
  readonly #pairs: readonly GpioPair<P>[];
  readonly #activeLevel: 0 | 1;
  readonly #options: GpioHeaderOptions;
  #lines: GpioLine[] = [];
  #chip: GpioChip | null = null;
  /** Place and input of each sysfs number opened (for diagnostics). */
  #numbers = new Map<number, { place: P; which: Which }>();

  /** `activeWhen`: the level that reads as active (a broken beam, an occupied loop). */
  constructor(pairs: readonly GpioPair<P>[], activeWhen: 'low' | 'high', options: GpioHeaderOptions) {
    this.#pairs = pairs.map((p) => ({ ...p }));
    this.#activeLevel = activeWhen === 'low' ? 0 : 1;
    this.#options = { ...options };
  }

  /** The header chip found at the last open, or null. */
  get chip(): GpioChip | null {
    return this.#chip;
  }

  /** sysfs number → place and input, as opened. */
  get lines(): ReadonlyMap<number, { place: P; which: Which }> {
    return new Map(this.#numbers);
  }

  /**
   * Opens every input, reports its edges to `sink` from now on and resolves with how each place
   * reads now. On failure releases what it opened and rejects.
   */
  async open(sink: GpioPairSink<P>): Promise<ReadonlyMap<P, PairLevels>> {
    await this.close();
    const chip = findHeaderChip(readGpioChips(this.#options.sysfsRoot ?? SYSFS_GPIO_ROOT), this.#options.chipLabels);
    const plan = this.#pairs.flatMap((p) => (['a', 'b'] as const).map((which) => ({ place: p.place, which, number: sysfsNumber(chip, p[which]) })));
    const activeLevel = this.#activeLevel;
    const openLine = this.#options.openLine ?? (await onoffLineOpener());
    const levels = new Map<P, PairLevels>();
    try {
      for (const { place, which, number } of plan) {
        const line = await openLine(number);
        this.#lines.push(line);
        this.#numbers.set(number, { place, which });
        line.watch((err, value) => {
          if (err) sink.error(place, which, err);
          else sink.edge(place, which, value === activeLevel);
        });
        const now = line.read() === activeLevel;
        levels.set(place, { ...(levels.get(place) ?? { a: false, b: false }), [which]: now });
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    this.#chip = chip;
    return levels;
  }

  async close(): Promise<void> {
    const lines = this.#lines;
    this.#lines = [];
    this.#numbers.clear();
    for (const line of lines) {
      try {
        line.unexport();
      } catch {
        // already gone (unexported by someone else): nothing left to release
      }
    }
  }
}
