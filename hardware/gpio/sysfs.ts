/**
 * The sysfs GPIO lines of a Raspberry Pi's header, as every GPIO driver opens them (door beams,
 * the push button, the e-paper panel's DC/RST/BUSY): through the kernel's sysfs GPIO interface
 * (the `onoff` package: export, edge "both", epoll on `value`).
 *
 * Config names pins by their BCM numbers (GPIO17 is 17 on every Pi), but sysfs numbers lines
 * globally: BCM n is `base + n`, where `base` is that of the gpiochip driving the header. Kernels
 * before 6.6 gave it base 0; Raspberry Pi OS kernels from 6.6 on number dynamically from 512 (a
 * Pi 4's pinctrl-bcm2711 is gpiochip512, a Pi 5's pinctrl-rp1 gpiochip571). So the base is read
 * from the `base`, `label` and `ngpio` files of each `/sys/class/gpio/gpiochipN/`
 * (Documentation/ABI/obsolete/sysfs-gpio), picking the chip by label, never assumed.
 *
 * A driver's edges come through a small seam, `GpioLine` (watch, read, unexport): onoff's Gpio in
 * production, a file-backed fake (fake-gpio.ts, beside this file) in tests, so a whole driver,
 * sysfs root included, runs in a temp dir.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One sysfs GPIO line, as onoff's Gpio offers it. */
export interface GpioLine {
  /** Calls back on every edge with the line's value then (or the error reading it). */
  watch(callback: (err: Error | null | undefined, value: 0 | 1) => void): void;
  /** The line's value now. May throw. */
  read(): 0 | 1;
  /** Stops the watch and releases the line. */
  unexport(): void;
}

/** Opens (exports) sysfs line `sysfsNumber` as an input with edge "both". */
export type GpioLineOpener = (sysfsNumber: number) => GpioLine | Promise<GpioLine>;

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/**
 * Labels of the gpiochip that drives a Pi's 40-pin header, most specific first: the RP1 on a Pi 5
 * (also CM5, Pi 500), the BCM2711 on a Pi 4 / 400 / CM4, the BCM2835 driver's own name on Pi 1–3
 * and Zero. The others a Pi shows (raspberrypi-exp-gpio, gpio-brcmstb@…) are never the header.
 */
export const PI_HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface GpioChip {
  /** Its directory under the sysfs root: `gpiochip512`. */
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

/** The gpiochips listed under `sysfsRoot`, by base. One that cannot be read is left out. Never throws. */
export function readGpioChips(sysfsRoot: string = SYSFS_GPIO_ROOT): GpioChip[] {
  let names: string[];
  try {
    names = fs.readdirSync(sysfsRoot).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    const read = (file: string) => {
      try {
        return fs.readFileSync(path.join(sysfsRoot, name, file), 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    const base = read('base');
    const ngpio = read('ngpio');
    const label = read('label');
    if (base === undefined || !/^\d+$/.test(base) || label === undefined) continue;
    const lines = ngpio !== undefined && /^\d+$/.test(ngpio) ? Number(ngpio) : 0;
    chips.push({ name, base: Number(base), ngpio: lines, label });
  }
  return chips.sort((x, y) => x.base - y.base);
}

/** The chip of the first label in `labels` that any chip has (the lowest base if several). Throws when none. */
export function findHeaderChip(chips: readonly GpioChip[], labels: readonly string[] = PI_HEADER_CHIP_LABELS): GpioChip {
  for (const label of labels) {
    const found = chips.filter((c) => c.label === label).sort((x, y) => x.base - y.base)[0];
    if (found) return found;
  }
  const seen = chips.length === 0 ? 'no gpiochips at all (is sysfs GPIO enabled?)' : chips.map((c) => `${c.name} "${c.label}"`).join(', ');
  throw new Error(`no GPIO header chip labelled ${labels.map((l) => `"${l}"`).join(' or ')}: found ${seen}`);
}

/** The sysfs number of BCM line `bcm` on `chip`: base + bcm, within the chip's lines. */
export function sysfsNumber(chip: GpioChip, bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0 || (chip.ngpio > 0 && bcm >= chip.ngpio)) {
    throw new RangeError(`BCM ${bcm} is not a line of ${chip.name} "${chip.label}" (${chip.ngpio} lines)`);
  }
  return chip.base + bcm;
}

/** onoff's Gpio as a GpioLine. Loads onoff (and its native epoll) only when called. */
export async function onoffLineOpener(): Promise<GpioLineOpener> {
  const { Gpio } = await import('onoff');
  if (!Gpio.accessible) throw new Error('sysfs GPIO is not accessible (no /sys/class/gpio here, or no permission: is the user in the gpio group?)');
  return (n) => {
    const gpio = new Gpio(n, 'in', 'both');
    return {
      watch: (callback) => gpio.watch(callback),
      read: () => gpio.readSync(),
      unexport: () => {
        gpio.unwatchAll();
        gpio.unexport();
      },
    };
  };
}
