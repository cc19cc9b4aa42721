// Types of displays.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { EpaperHardware } from '../../protocols/config/hardware.js';

export const DISPLAY_SITE: string;
export const DISPLAYS_DIR: string;
export const DISPLAY_PANEL: Readonly<{ kind: 'simulated'; speed: number; temperatureC: number }>;
export function displayId(stopId: string): string;
export function stopDisplays(stops?: readonly { id: string }[]): { id: string; role: 'stop-display'; site: string; labels: { stop: string } }[];
export function displayPng(dataDir: string, id: string): string;
export function displayHardware(options: { id: string; dataDir: string; configDir: string }): { epaper: EpaperHardware };
