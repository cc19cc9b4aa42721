/**
 * The board's own health for the heartbeat: load, memory, disk free under the data directory,
 * SoC temperature where the kernel exposes it (Raspberry Pi: thermal_zone0), uptime.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Health } from '../../protocols/index.js';

export interface BoardHealthSource {
  read(): Health;
}

export function createBoardHealth(options: { dataDir: string; thermalZone?: string }): BoardHealthSource {
  const zone = options.thermalZone ?? '/sys/class/thermal/thermal_zone0/temp';
  return {
    read(): Health {
      const health: Health = {
        cpuLoad1: Math.round((os.loadavg()[0]! / Math.max(1, os.cpus().length)) * 100) / 100,
        memUsedBytes: os.totalmem() - os.freemem(),
        memTotalBytes: os.totalmem(),
        uptimeS: Math.round(os.uptime()),
      };
      try {
        const st = fs.statfsSync(options.dataDir);
        health.diskFreeBytes = st.bavail * st.bsize;
      } catch {
        // the data directory may not exist yet; the next heartbeat will have it
      }
      try {
        const milli = Number(fs.readFileSync(zone, 'utf8').trim());
        if (Number.isFinite(milli)) health.temperatureC = Math.round(milli / 100) / 10;
      } catch {
        // no thermal zone on this board (or not readable): leave the field out
      }
      return health;
    },
  };
}
