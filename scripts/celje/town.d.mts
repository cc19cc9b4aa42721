// Types of town.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { HardwareConfig } from '../../protocols/index.js';

export interface CeljeDevice {
  id: string;
  role: 'car-park-counter' | 'parking-panel' | 'info-panel';
  site: string;
  labels?: Record<string, string>;
}

export const CELJE_PROCESSES: Readonly<Record<CeljeDevice['role'], { name: string; log: string }>>;
export function celjeDevices(): CeljeDevice[];
export function celjeAgentSetup(
  d: CeljeDevice,
  options: { dataDir: string; kioskPort: (id: string) => number },
): { hardware: Partial<HardwareConfig>; module: 'counter' | 'panel' | 'kiosk'; settings: Record<string, unknown> };
export function loadCeljeParking(
  call: (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>,
): Promise<{ site: string; carParks: number; added: string[]; removed: string[]; kept: string[] }>;
