/**
 * The drivers a role's modules get, made from the config's `hardware` section (protocols/config/
 * hardware.ts) by each class's one `create(config)`: the agent never knows which it has.
 */
import type { HardwareConfig, Logger } from '../protocols/index.js';
import { createDoorCounter } from '../hardware/door/door.js';
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
        : createDoorCounter({ kind: 'simulated', doors: d.doors, ...counting });
  }
  return drivers;
}
