/**
 * Which board this is, for telling a cloned SD card from the card it was cloned from: the SoC's
 * serial number where the board has one (Raspberry Pi: the device tree's `serial-number`, or
 * `Serial` in /proc/cpuinfo), else the OS's machine id, else the host name.
 */
import fs from 'node:fs';
import os from 'node:os';

export function boardSerial(): string {
  const tries: (() => string | undefined)[] = [
    () => fs.readFileSync('/sys/firmware/devicetree/base/serial-number', 'utf8').replace(/\0/g, '').trim(),
    () => /^Serial\s*:\s*(\S+)/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1],
    () => fs.readFileSync('/etc/machine-id', 'utf8').trim(),
  ];
  for (const read of tries) {
    try {
      const v = read();
      if (v && !/^0+$/.test(v)) return v;
    } catch {
      // not on this board: try the next source
    }
  }
  return os.hostname();
}
