/**
 * Door beams on a Raspberry Pi's GPIO header, through the kernel's sysfs GPIO interface (the
 * `onoff` package: export, edge "both", epoll on `value`).
 *
 * Config names pins by their BCM numbers; the header's gpiochip, its base (BCM n is sysfs
 * `base + n`) and the `GpioLine` seam (onoff in production, a file-backed fake in tests, so the
 * whole driver, sysfs root included, runs in a temp dir) are hardware/gpio/sysfs.ts's. The Firmata
 * driver (firmata.ts) is another BeamSource, over johnny-five's pins.
 */
import { findHeaderChip, onoffLineOpener, readGpioChips, SYSFS_GPIO_ROOT, sysfsNumber, type GpioChip, type GpioLine, type GpioLineOpener } from '../gpio/sysfs.js';
import type { Beam } from './beams.js';
import { BeamDoorCounter, type BeamLevels, type BeamSink, type BeamSource } from './counter.js';
import type { DoorCountingOptions } from './door.js';

export interface GpioDoorPins {
  /** Door number, 1 at the front (ApcDoorCount). */
  door: number;
  /** BCM number of beam A's receiver (outside). */
  a: number;
  /** BCM number of beam B's receiver (inside). */
  b: number;
}

export interface GpioDoorOptions {
  doors: readonly GpioDoorPins[];
  /** The receiver's level while its beam is broken: 'low' for the common open-collector receivers (default). */
  brokenWhen?: 'low' | 'high';
  /** Where the gpiochips are listed (default /sys/class/gpio); a temp dir in tests. */
  sysfsRoot?: string;
  /** Labels of the header's gpiochip, in order of preference (default: the Pi's, PI_HEADER_CHIP_LABELS in hardware/gpio/sysfs.ts). */
  chipLabels?: readonly string[];
  /** Opens a line by sysfs number (default: onoff, which always uses /sys/class/gpio). */
  openLine?: GpioLineOpener;
}

/** The doors' beams as sysfs GPIO lines. */
export class GpioBeams implements BeamSource {
  readonly #options: GpioDoorOptions;
  #lines: GpioLine[] = [];
  #chip: GpioChip | null = null;
  /** Door and beam of each sysfs number opened (for diagnostics). */
  #numbers = new Map<number, { door: number; beam: Beam }>();

  constructor(options: GpioDoorOptions) {
    this.#options = options;
  }

  /** The header chip found at the last open, or null. */
  get chip(): GpioChip | null {
    return this.#chip;
  }

  /** sysfs number → door and beam, as opened. */
  get lines(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return new Map(this.#numbers);
  }

  async open(sink: BeamSink): Promise<ReadonlyMap<number, BeamLevels>> {
    await this.close();
    const root = this.#options.sysfsRoot ?? SYSFS_GPIO_ROOT;
    const chip = findHeaderChip(readGpioChips(root), this.#options.chipLabels);
    const plan = this.#options.doors.flatMap((d) =>
      (['a', 'b'] as const).map((beam) => ({ door: d.door, beam, number: sysfsNumber(chip, d[beam]) })),
    );
    const brokenLevel = (this.#options.brokenWhen ?? 'low') === 'low' ? 0 : 1;
    const openLine = this.#options.openLine ?? (await onoffLineOpener());
    const levels = new Map<number, BeamLevels>();
    try {
      for (const { door, beam, number } of plan) {
        const line = await openLine(number);
        this.#lines.push(line);
        this.#numbers.set(number, { door, beam });
        line.watch((err, value) => {
          if (err) sink.error(door, beam, err);
          else sink.edge(door, beam, value === brokenLevel);
        });
        const now = line.read() === brokenLevel;
        levels.set(door, { ...(levels.get(door) ?? { a: false, b: false }), [beam]: now });
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

export class GpioDoorCounter extends BeamDoorCounter {
  readonly #beams: GpioBeams;

  constructor(config: GpioDoorOptions & DoorCountingOptions) {
    const doors = config.doors ?? [];
    const pins = doors.flatMap((d) => [d.a, d.b]);
    for (const pin of pins) if (!Number.isInteger(pin) || pin < 0) throw new RangeError(`gpio door counter: BCM ${pin} is not a line number`);
    if (new Set(pins).size !== pins.length) throw new RangeError('gpio door counter: a BCM line is used twice');
    const beams = new GpioBeams({ ...config, doors: doors.map((d) => ({ ...d })) });
    super(
      doors.map((d) => d.door),
      beams,
      config,
      'gpio door counter',
    );
    this.#beams = beams;
  }

  /** The header chip found at start (its base is what BCM numbers are offset by), or null before. */
  get chip(): GpioChip | null {
    return this.#beams.chip;
  }

  /** The sysfs lines held now: number → door and beam. Empty when stopped. */
  get lines(): ReadonlyMap<number, { door: number; beam: Beam }> {
    return this.#beams.lines;
  }
}
