// Types of panels.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { PanelArrow } from '../../protocols/index.js';

export interface PanelRowSpec {
  carParkId: string;
  arrow: PanelArrow;
}
export interface GuidancePanelSpec {
  id: string;
  road: string;
  roadName: string;
  rows: PanelRowSpec[];
}

export const PANELS_DIR: string;
export const PANEL_COLUMNS: number;
export const ROADS: readonly { road: string; name: string; panels: string[] }[];
export function parseRow(text: string): PanelRowSpec;
export function panelId(road: string, n: number): string;
export function guidancePanels(roads?: readonly { road: string; name: string; panels: string[] }[]): GuidancePanelSpec[];
export function panelDevices(panels?: readonly GuidancePanelSpec[]): { id: string; role: 'parking-panel'; site: string; labels: { carParks: string } }[];
export function panelPng(dataDir: string, id: string): string;
export function panelHardware(options: { panel: GuidancePanelSpec; dataDir: string }): {
  sign: { kind: 'simulated'; columns: number; lines: number; acks: boolean; png: string };
};
export function panelSettings(panel: GuidancePanelSpec): { rows: PanelRowSpec[]; timeZone: string };
