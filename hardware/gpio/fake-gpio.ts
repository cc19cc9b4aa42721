/**
 * A fake sysfs GPIO for tests (node-serialport's binding-mock, for GPIO): a `/sys/class/gpio` tree
 * in a temp dir laid out like a given Pi's (its gpiochips with `base`, `ngpio`, `label`), and
 * file-backed `GpioLine`s that export like the kernel does (a number no chip has is refused,
 * EINVAL), keep their level in `gpioN/value` and call their watchers when a test changes it.
 *
 * onoff itself cannot run here (it writes the real /sys/class/gpio and polls it with epoll), so
 * this replaces only the seam below the drivers (door beams, button, e-paper control lines): chip
 * lookup, BCM → sysfs numbering, reading, watching and releasing are the drivers' own code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GpioLine, GpioLineOpener } from './sysfs.js';

export interface FakeGpioChip {
  base: number;
  ngpio: number;
  label: string;
}

/**
 * gpiochips as Raspberry Pi OS kernels list them under /sys/class/gpio (from /sys/kernel/debug/gpio
 * on each): from 6.6 on, numbering starts at 512; before, the SoC's chip had base 0 and the
 * firmware expander counted down from 512.
 */
export const PI_SYSFS_LAYOUTS = {
  /** Pi 4 on Raspberry Pi OS Bookworm/Trixie, kernel 6.6+: the header is 512–569. */
  pi4Kernel66: [
    { base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
    { base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
  /** Pi 4 on kernel 6.1 and earlier: the header is 0–57. */
  pi4Kernel61: [
    { base: 0, ngpio: 58, label: 'pinctrl-bcm2711' },
    { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
  /** Pi 3 on kernel 5.10: the BCM2835 driver's own label, base 0. */
  pi3Kernel510: [
    { base: 0, ngpio: 54, label: 'pinctrl-bcm2835' },
    { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
  /** Pi 5, kernel 6.6+: four SoC chips first, the RP1 (the header) at 571. */
  pi5Kernel66: [
    { base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
    { base: 544, ngpio: 4, label: 'gpio-brcmstb@107d508520' },
    { base: 548, ngpio: 17, label: 'gpio-brcmstb@107d517c00' },
    { base: 565, ngpio: 6, label: 'gpio-brcmstb@107d517c20' },
    { base: 571, ngpio: 54, label: 'pinctrl-rp1' },
  ],
} as const satisfies Record<string, readonly FakeGpioChip[]>;

type Watcher = (err: Error | null | undefined, value: 0 | 1) => void;

export class FakeSysfsGpio {
  readonly root: string;
  readonly #chips: readonly FakeGpioChip[];
  /** Each line's level, exported or not (the pin's electrical level). */
  readonly #levels = new Map<number, 0 | 1>();
  readonly #watchers = new Map<number, Set<Watcher>>();
  readonly #idle: 0 | 1;
  /** Every number ever exported, in order. */
  readonly exports: number[] = [];

  /** Lays the chips out under `root` (created if missing). Lines not set read `idle` (1: pulled up). */
  constructor(root: string, chips: readonly FakeGpioChip[], idle: 0 | 1 = 1) {
    this.root = root;
    this.#chips = chips;
    this.#idle = idle;
    fs.mkdirSync(root, { recursive: true });
    for (const chip of chips) {
      const dir = path.join(root, `gpiochip${chip.base}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'base'), `${chip.base}\n`);
      fs.writeFileSync(path.join(dir, 'ngpio'), `${chip.ngpio}\n`);
      fs.writeFileSync(path.join(dir, 'label'), `${chip.label}\n`);
    }
    fs.writeFileSync(path.join(root, 'export'), '');
    fs.writeFileSync(path.join(root, 'unexport'), '');
  }

  /** Opens a line as onoff would: export, direction "in", edge "both". */
  readonly open: GpioLineOpener = (n: number): GpioLine => {
    if (!this.#chips.some((c) => n >= c.base && n < c.base + c.ngpio)) {
      throw Object.assign(new Error(`EINVAL: invalid argument, write '${n}' to ${path.join(this.root, 'export')}`), { code: 'EINVAL' });
    }
    if (this.isExported(n)) throw Object.assign(new Error(`EBUSY: resource busy, write '${n}' to export`), { code: 'EBUSY' });
    const dir = this.#dir(n);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'direction'), 'in\n');
    fs.writeFileSync(path.join(dir, 'edge'), 'both\n');
    fs.writeFileSync(path.join(dir, 'value'), `${this.level(n)}\n`);
    fs.appendFileSync(path.join(this.root, 'export'), `${n}\n`);
    this.exports.push(n);
    const watchers = new Set<Watcher>();
    this.#watchers.set(n, watchers);
    let released = false;
    return {
      watch: (callback) => void watchers.add(callback),
      read: () => this.#read(n),
      unexport: () => {
        if (released) throw Object.assign(new Error(`EINVAL: write '${n}' to unexport`), { code: 'EINVAL' });
        released = true;
        watchers.clear();
        this.#watchers.delete(n);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.appendFileSync(path.join(this.root, 'unexport'), `${n}\n`);
      },
    };
  };

  /** The pin's level now (exported or not). */
  level(n: number): 0 | 1 {
    return this.#levels.get(n) ?? this.#idle;
  }

  /**
   * Drives the pin to `value`; an exported line gets it in its value file and its watchers are
   * told (an interrupt: also for the same value, as a real line may report a bounce that way).
   */
  set(n: number, value: 0 | 1): void {
    this.#levels.set(n, value);
    if (!this.isExported(n)) return;
    fs.writeFileSync(path.join(this.#dir(n), 'value'), `${value}\n`);
    this.#notify(n);
  }

  /** Makes an exported line unreadable (its value file gone) and tells its watchers; `set` mends it. */
  break(n: number): void {
    fs.rmSync(path.join(this.#dir(n), 'value'), { force: true });
    this.#notify(n);
  }

  isExported(n: number): boolean {
    return fs.existsSync(this.#dir(n));
  }

  /** Exported lines now. */
  exported(): number[] {
    return fs
      .readdirSync(this.root)
      .map((name) => /^gpio(\d+)$/.exec(name)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((x, y) => x - y);
  }

  /** Watch callbacks registered on exported lines now. */
  watchers(): number {
    let n = 0;
    for (const set of this.#watchers.values()) n += set.size;
    return n;
  }

  #notify(n: number): void {
    for (const watcher of [...(this.#watchers.get(n) ?? [])]) {
      let value: 0 | 1;
      try {
        value = this.#read(n);
      } catch (err) {
        watcher(err as Error, 0);
        continue;
      }
      watcher(null, value);
    }
  }

  #read(n: number): 0 | 1 {
    const text = fs.readFileSync(path.join(this.#dir(n), 'value'), 'utf8').trim();
    if (text !== '0' && text !== '1') throw new Error(`gpio${n}/value reads ${JSON.stringify(text)}`);
    return text === '1' ? 1 : 0;
  }

  #dir(n: number): string {
    return path.join(this.root, `gpio${n}`);
  }
}
