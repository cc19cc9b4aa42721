/**
 * Loop detectors on a Raspberry Pi's GPIO header, through the kernel's sysfs GPIO interface (the
 * `onoff` package: export, edge "both", epoll on `value`). Each detector channel's presence output
 * (a relay contact or an open collector, to ground, with the Pi's pull-up) is one input line.
 *
 * Config names pins by their BCM numbers; the header's gpiochip, its base (BCM n is sysfs
 * `base + n`, read from /sys/class/gpio/gpiochipN, never assumed) and the `GpioLine` seam (onoff in
 * production, a file-backed fake in tests) are hardware/gpio/sysfs.ts's.
 */
import { findHeaderChip, onoffLineOpener, readGpioChips, SYSFS_GPIO_ROOT, sysfsNumber, type GpioChip, type GpioLine, type GpioLineOpener } from '../gpio/sysfs.js';
import { LaneLoopDetector, type LoopLevels, type LoopSink, type LoopSource } from './detector.js';
import type { LoopReadingOptions } from './loop.js';
import type { Loop } from './pair.js';

export interface GpioLoopLane {
  /** The lane's name, as the `loops` stream carries it (entry-1). */
  lane: string;
  /** BCM number of loop A's detector output: the loop met first in the lane's direction of travel (loop.ts). */
  a: number;
  /** BCM number of loop B's detector output. */
  b: number;
}

export interface GpioLoopOptions {
  lanes: readonly GpioLoopLane[];
  /** The detector output's level while its loop is occupied: 'low' for a contact or open collector to ground (default). */
  occupiedWhen?: 'low' | 'high';
  /** Where the gpiochips are listed (default /sys/class/gpio); a temp dir in tests. */
  sysfsRoot?: string;
  /** Labels of the header's gpiochip, in order of preference (default: the Pi's). */
  chipLabels?: readonly string[];
  /** Opens a line by sysfs number (default: onoff). */
  openLine?: GpioLineOpener;
}

/** The lanes' loops as sysfs GPIO lines. */
export class GpioLoops implements LoopSource {
  readonly #options: GpioLoopOptions;
  #lines: GpioLine[] = [];
  #chip: GpioChip | null = null;
  #numbers = new Map<number, { lane: string; loop: Loop }>();

  constructor(options: GpioLoopOptions) {
    this.#options = options;
  }

  get chip(): GpioChip | null {
    return this.#chip;
  }

  get lines(): ReadonlyMap<number, { lane: string; loop: Loop }> {
    return new Map(this.#numbers);
  }

  async open(sink: LoopSink): Promise<ReadonlyMap<string, LoopLevels>> {
    await this.close();
    const chip = findHeaderChip(readGpioChips(this.#options.sysfsRoot ?? SYSFS_GPIO_ROOT), this.#options.chipLabels);
    const plan = this.#options.lanes.flatMap((l) => (['a', 'b'] as const).map((loop) => ({ lane: l.lane, loop, number: sysfsNumber(chip, l[loop]) })));
    const occupiedLevel = (this.#options.occupiedWhen ?? 'low') === 'low' ? 0 : 1;
    const openLine = this.#options.openLine ?? (await onoffLineOpener());
    const levels = new Map<string, LoopLevels>();
    try {
      for (const { lane, loop, number } of plan) {
        const line = await openLine(number);
        this.#lines.push(line);
        this.#numbers.set(number, { lane, loop });
        line.watch((err, value) => {
          if (err) sink.error(lane, loop, err);
          else sink.edge(lane, loop, value === occupiedLevel);
        });
        const now = line.read() === occupiedLevel;
        levels.set(lane, { ...(levels.get(lane) ?? { a: false, b: false }), [loop]: now });
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
        // already released: nothing left to do
      }
    }
  }
}

export class GpioLoopDetector extends LaneLoopDetector {
  readonly #loops: GpioLoops;

  constructor(config: GpioLoopOptions & LoopReadingOptions) {
    const lanes = config.lanes ?? [];
    const pins = lanes.flatMap((l) => [l.a, l.b]);
    for (const pin of pins) if (!Number.isInteger(pin) || pin < 0) throw new RangeError(`gpio loop detector: BCM ${pin} is not a line number`);
    if (new Set(pins).size !== pins.length) throw new RangeError('gpio loop detector: a BCM line is used twice');
    const loops = new GpioLoops({ ...config, lanes: lanes.map((l) => ({ ...l })) });
    super(
      lanes.map((l) => l.lane),
      loops,
      config,
      'gpio loop detector',
    );
    this.#loops = loops;
  }

  /** The header chip found at start (its base offsets the BCM numbers), or null before. */
  get chip(): GpioChip | null {
    return this.#loops.chip;
  }

  /** The sysfs lines held now: number → lane and loop. Empty when stopped. */
  get lines(): ReadonlyMap<number, { lane: string; loop: Loop }> {
    return this.#loops.lines;
  }
}
