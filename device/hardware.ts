/**
 * The drivers a role's modules get, made from the config's `hardware` section (protocols/config/
 * hardware.ts) by each class's one `create(config)`: the agent never knows which it has.
 */
import type { HardwareConfig, Logger } from '../protocols/index.js';
import { createButton } from '../hardware/button/button.js';
import { createDoorCounter } from '../hardware/door/door.js';
import { createEpaper } from '../hardware/epaper/epaper.js';
import { createGnss } from '../hardware/gnss/gnss.js';
import { createSign } from '../hardware/sign/sign.js';
import { createLoopDetector } from '../hardware/loop/loop.js';
import type { ModuleDrivers } from './module.js';

export function driversFrom(config: HardwareConfig, log: Logger): Omit<ModuleDrivers, 'board'> {
  const drivers: Omit<ModuleDrivers, 'board'> = {};
  const d = config.doors;
  if (d) {
    const counting = {
      ...(d.debounceMs !== undefined ? { debounceMs: d.debounceMs } : {}),
      ...(d.stallMs !== undefined ? { stallMs: d.stallMs } : {}),
      ...(d.stuckMs !== undefined ? { stuckMs: d.stuckMs } : {}),
      log: log.child('doors'),
    };
    drivers.doors =
      d.kind === 'gpio'
        ? createDoorCounter({ kind: 'gpio', doors: d.doors, brokenWhen: d.brokenWhen, ...counting })
        : d.kind === 'firmata'
          ? createDoorCounter({ kind: 'firmata', path: d.path, baud: d.baud, doors: d.doors, brokenWhen: d.brokenWhen, pullUp: d.pullUp, ...counting })
          : createDoorCounter({ kind: 'simulated', doors: d.doors, ...(d.visits !== undefined ? { visits: d.visits } : {}), ...counting });
  }
  const g = config.gnss;
  if (g) {
    const log_ = log.child('gnss');
    drivers.gnss =
      g.kind === 'serial'
        ? createGnss({ kind: 'serial', path: g.path, baudRate: g.baudRate, log: log_ })
        : g.kind === 'replay'
          ? // A recorded log keeps the dates it was recorded with (no week-rollover correction).
            createGnss({ kind: 'replay', file: g.file, loop: g.loop, rate: g.rate, dateFloor: 0, log: log_ })
          : createGnss({ kind: 'simulated', route: g.route, speedMps: g.speedMps, stops: g.stops, log: log_ });
  }
  const l = config.loops;
  // The schema's output is the driver's config (its defaults the driver's own where left out).
  if (l) drivers.loops = createLoopDetector({ ...l, log: log.child('loops') });
  const e = config.epaper;
  if (e) drivers.epaper = createEpaper(e, { log: log.child('epaper') });
  const b = config.button;
  // A relative `presses` file is resolved by the config loader, as the doors' `visits` are.
  if (b) drivers.button = createButton(b, { log: log.child('button') });
  // A description, not a driver: the talking button makes its speaker from it (a relative `file` resolved by the config loader).
  if (config.audio) drivers.audio = config.audio;
  // A relative `png` is taken from the process's directory unless the config loader resolves it (as device/config.ts does the e-paper's).
  if (config.sign) drivers.sign = createSign(config.sign, { log: log.child('sign') });
  return drivers;
}
