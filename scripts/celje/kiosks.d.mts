// Types of kiosks.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
export const KIOSKS: readonly { place: string; name: string }[];
export const KIOSK_BASE_PORT: number;
export function kioskId(place: string): string;
export function infoPanels(kiosks?: readonly { place: string }[]): { id: string; role: 'info-panel'; site: string }[];
export function kioskSettings(port: number): { port: number; tabs: ('parking' | 'buses' | 'notices')[]; timeZone: string };
export function kioskPorts(n: number, base?: number): Promise<number[]>;
