// Types of car-parks.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { CatalogueInput } from '../../fleet/engines/occupancy/index.js';

export interface DemoCarPark {
  id: string;
  name: string;
  kind: 'garage' | 'open';
  lat: number;
  lon: number;
  address: string;
  capacity: number;
  panelLabel: string;
  lanes: { entry: number; exit: number };
  traffic: { inside: number; arrivalsPerHour: number };
}

export const CELJE_SITE: string;
export const CELJE_TIME_ZONE: string;
export const TRAFFIC_DAY_STARTS_AT: string;
export const CAR_PARKS: readonly DemoCarPark[];
export function celjeCatalogue(carParks?: readonly DemoCarPark[]): CatalogueInput & { site: string; timeZone: string };
export function garageSpaces(carParks?: readonly DemoCarPark[]): number;
