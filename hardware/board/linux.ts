/**
 * The real board on Linux (Raspberry Pi OS on a Pi, or any other Linux machine): load, memory and
 * uptime from the kernel through `os`, free disk from statfs of the data directory, SoC temperature
 * from a thermal zone, and the board's serial from the device tree, /proc/cpuinfo or the machine id.
 *
 * Every file it reads is an option, so the contract suite runs it over fake files in a temp dir.
 * The parsing is pure (the exported `parse…` functions); the class only reads files and calls them.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Health } from '../../protocols/index.js';
import type { Board } from './board.js';

/** Where a Raspberry Pi (and most Linux boards) keeps what this driver reads. */
export const LINUX_BOARD_SOURCES = {
  /** SoC temperature in millidegrees Celsius; on a Pi, zone 0 is `cpu-thermal`. */
  thermalZone: '/sys/class/thermal/thermal_zone0/temp',
  /** The SoC serial as a device-tree string (Pi, and other device-tree boards). */
  serialNumber: '/sys/firmware/devicetree/base/serial-number',
  /** Has a `Serial` line on 32-bit ARM and on the Pi's own kernels; mainline arm64 prints none. */
  cpuinfo: '/proc/cpuinfo',
  /** The OS's machine id (machine-id(5)); a cloned image shares it, so only a fallback. */
  machineId: '/etc/machine-id',
} as const;

export interface LinuxBoardOptions {
  /** Free disk is reported for the file system this directory is on (the agent's data directory). */
  dataDir: string;
  thermalZone?: string;
  serialNumber?: string;
  cpuinfo?: string;
  machineId?: string;
  /** The last fallback for the serial; `os.hostname` unless a test says otherwise. */
  hostname?: () => string;
}

export type BoardSerialSources = Pick<LinuxBoardOptions, 'serialNumber' | 'cpuinfo' | 'machineId' | 'hostname'>;

/**
 * Readings outside this range are a sensor fault, not a temperature (the kernel's own "no reading"
 * is THERMAL_TEMP_INVALID, -274000): left out. The range covers a Pi's rated -40…85 °C with margin.
 */
export const PLAUSIBLE_TEMPERATURE_C = { min: -55, max: 150 } as const;

export class LinuxBoard implements Board {
  readonly #options: LinuxBoardOptions;
  #serial: string | undefined;

  constructor(options: LinuxBoardOptions) {
    this.#options = { ...options };
  }

  health(): Health {
    const total = os.totalmem();
    // os.freemem() is /proc/meminfo's MemAvailable (libuv): page cache the kernel can drop counts as free.
    const used = total - Math.min(os.freemem(), total);
    const health: Health = {
      cpuLoad1: Math.round((Math.max(0, os.loadavg()[0] ?? 0) / Math.max(1, os.cpus().length)) * 100) / 100,
      memUsedBytes: used,
      memTotalBytes: total,
      uptimeS: Math.max(0, Math.round(os.uptime())),
    };
    const disk = freeDiskBytes(this.#options.dataDir);
    if (disk !== undefined) health.diskFreeBytes = disk;
    const temperature = readText(this.#options.thermalZone ?? LINUX_BOARD_SOURCES.thermalZone);
    const celsius = temperature === undefined ? undefined : parseThermalZone(temperature);
    if (celsius !== undefined) health.temperatureC = celsius;
    return health;
  }

  /** Read once, on the first call: a board's serial does not change while it runs. */
  serial(): string {
    this.#serial ??= readBoardSerial(this.#options);
    return this.#serial;
  }
}

/**
 * The first usable serial of: the device tree's `serial-number`, `Serial` in cpuinfo, the machine
 * id, the host name. Never throws; never empty.
 */
export function readBoardSerial(sources: BoardSerialSources = {}): string {
  const tries: (() => string | undefined)[] = [
    () => parseDeviceTreeSerial(readText(sources.serialNumber ?? LINUX_BOARD_SOURCES.serialNumber)),
    () => parseCpuinfoSerial(readText(sources.cpuinfo ?? LINUX_BOARD_SOURCES.cpuinfo)),
    () => parseMachineId(readText(sources.machineId ?? LINUX_BOARD_SOURCES.machineId)),
    () => usableSerial((sources.hostname ?? os.hostname)()),
  ];
  for (const read of tries) {
    try {
      const serial = read();
      if (serial) return serial;
    } catch {
      // a source that throws (a hostname hook, say) is a source that is not there: try the next
    }
  }
  return 'localhost';
}

/**
 * A device-tree `<string>` property is NUL-terminated (Devicetree Specification v0.4, §2.2.4,
 * table "Property values"), and sysfs hands over the raw bytes, terminator included: the Pi's
 * `serial-number` reads `100000002f4b1a7c\0`. The value is everything before the first NUL.
 */
export function parseDeviceTreeSerial(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return usableSerial(raw.split('\0', 1)[0]);
}

/** `Serial\t\t: 10000000abcdef01` in /proc/cpuinfo (32-bit ARM, and the Pi's kernels on arm64). */
export function parseCpuinfoSerial(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return usableSerial(/^Serial\s*:\s*(\S+)\s*$/m.exec(raw)?.[1]);
}

/**
 * machine-id(5): one line of 32 lowercase hex digits. Empty on an image prepared for cloning and
 * `uninitialized` early in a first boot (systemd 247+): neither identifies a board.
 */
export function parseMachineId(raw: string | undefined): string | undefined {
  const id = raw?.trim();
  return id && /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : undefined;
}

/**
 * Sysfs thermal zones report millidegrees Celsius as a decimal integer (kernel
 * Documentation/driver-api/thermal/sysfs-api.rst, `temp`): "48312\n" is 48.3 °C, to 0.1 °C.
 * Anything else (empty, text, out of range) is no reading.
 */
export function parseThermalZone(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^-?\d{1,7}$/.test(text)) return undefined;
  const celsius = Math.round(Number(text) / 100) / 10;
  if (celsius < PLAUSIBLE_TEMPERATURE_C.min || celsius > PLAUSIBLE_TEMPERATURE_C.max) return undefined;
  return celsius === 0 ? 0 : celsius; // never -0
}

/**
 * A value that can tell boards apart: printable ASCII without spaces, not all zeros (an
 * unprogrammed OTP reads 0000000000000000 on some boards and VMs), at most 128 characters.
 */
export function usableSerial(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v || v.length > 128 || /^0+$/.test(v) || !/^[\x21-\x7e]+$/.test(v)) return undefined;
  return v;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // missing, a directory, no permission: no reading
  }
}

function freeDiskBytes(dir: string): number | undefined {
  try {
    const st = fs.statfsSync(dir);
    const bytes = st.bavail * st.bsize;
    return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
  } catch {
    return undefined; // the data directory may not exist yet; the next heartbeat will have it
  }
}
