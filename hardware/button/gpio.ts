/**
 * A push button on a Raspberry Pi's GPIO header, through sysfs (the `onoff` package: export, edge
 * "both", epoll on `value`), as the door beams are, with the same chip lookup (hardware/gpio/sysfs.ts:
 * config names the pin by its BCM number, sysfs numbers it `base + n`, the base read from the
 * header's gpiochip, never assumed).
 *
 * Wiring: the usual is a button from the pin to ground, `pressedWhen: 'low'`, with a pull-up.
 * sysfs cannot set the SoC's pull-ups, so either a resistor (10 kΩ to 3V3) or a pin whose pull-up
 * is on at boot (BCM 0–8 on every Pi) or set in config.txt (`gpio=17=ip,pu`).
 */
import { findHeaderChip, onoffLineOpener, readGpioChips, SYSFS_GPIO_ROOT, sysfsNumber, type GpioChip, type GpioLine, type GpioLineOpener } from '../gpio/sysfs.js';
import type { ButtonOptions } from './button.js';
import { LineButton, type ButtonLine, type ButtonSink } from './line.js';

export interface GpioButtonOptions {
  /** BCM number of the button's pin. */
  pin: number;
  /** The pin's level while the button is held: 'low' (to ground, with a pull-up; the default) or 'high'. */
  pressedWhen?: 'low' | 'high';
  /** Where the gpiochips are listed (default /sys/class/gpio); a temp dir in tests. */
  sysfsRoot?: string;
  /** Labels of the header's gpiochip, in order of preference (default: the Pi's, hardware/gpio/sysfs.ts). */
  chipLabels?: readonly string[];
  /** Opens a line by sysfs number (default: onoff). */
  openLine?: GpioLineOpener;
}

class GpioButtonLine implements ButtonLine {
  readonly #options: GpioButtonOptions;
  #line: GpioLine | null = null;
  #chip: GpioChip | null = null;
  #number: number | null = null;

  constructor(options: GpioButtonOptions) {
    this.#options = options;
  }

  get chip(): GpioChip | null {
    return this.#chip;
  }

  get number(): number | null {
    return this.#number;
  }

  async open(sink: ButtonSink): Promise<boolean> {
    await this.close();
    const chip = findHeaderChip(readGpioChips(this.#options.sysfsRoot ?? SYSFS_GPIO_ROOT), this.#options.chipLabels);
    const number = sysfsNumber(chip, this.#options.pin);
    const pressedLevel = (this.#options.pressedWhen ?? 'low') === 'low' ? 0 : 1;
    const openLine = this.#options.openLine ?? (await onoffLineOpener());
    const line = await openLine(number);
    this.#line = line;
    try {
      line.watch((err, value) => {
        if (err) sink.error(err);
        else sink.level(value === pressedLevel);
      });
      const pressed = line.read() === pressedLevel;
      this.#chip = chip;
      this.#number = number;
      return pressed;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const line = this.#line;
    this.#line = null;
    this.#number = null;
    try {
      line?.unexport();
    } catch {
      // already gone (unexported by someone else): nothing left to release
    }
  }
}

export class GpioButton extends LineButton {
  readonly #line: GpioButtonLine;

  constructor(config: GpioButtonOptions & ButtonOptions) {
    if (!Number.isInteger(config.pin) || config.pin < 0) throw new RangeError(`gpio button: BCM ${config.pin} is not a line number`);
    const line = new GpioButtonLine({ ...config });
    super(line, config, 'gpio button');
    this.#line = line;
  }

  /** The header chip found at start (BCM numbers are offset by its base), or null before. */
  get chip(): GpioChip | null {
    return this.#line.chip;
  }

  /** The sysfs line held now, or null when stopped. */
  get sysfsLine(): number | null {
    return this.#line.number;
  }
}
