/**
 * Which modules each role runs: the one table `tabla-agent` reads. A module is a factory, so each
 * agent gets fresh instances; a new feature of a role is a new line here and a folder in modules/.
 */
import type { Role } from '../protocols/index.js';
import type { AnyAgentModule, ModuleFactory } from './module.js';
import { apc } from './modules/apc/index.js';
import { boardWatch } from './modules/board-watch/index.js';
import { counter } from './modules/counter/index.js';
import { departures } from './modules/departures/index.js';
import { gps } from './modules/gps/index.js';
import { kiosk } from './modules/kiosk/index.js';
import { panel } from './modules/panel/index.js';

export const ROLE_MODULES: Readonly<Record<Role, readonly ModuleFactory[]>> = {
  bus: [boardWatch, gps, apc],
  'stop-display': [boardWatch, departures],
  'parking-panel': [boardWatch, panel],
  'car-park-counter': [boardWatch, counter],
  'info-panel': [boardWatch, kiosk],
};

/** Fresh instances of the role's modules, in start order. */
export function modulesFor(role: Role): AnyAgentModule[] {
  return ROLE_MODULES[role].map((make) => make());
}
