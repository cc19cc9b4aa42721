// Types of counters.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { CounterSettings, LoopsHardware } from '../../protocols/index.js';
import type { DemoCarPark } from './car-parks.mjs';

export function counterId(carParkId: string): string;
export function carParkCounters(carParks?: readonly DemoCarPark[]): { id: string; role: 'car-park-counter'; site: string; labels: { carPark: string } }[];
export function gateLanes(carPark: DemoCarPark): { lane: string; kind: 'entry' | 'exit' }[];
export function counterHardware(carPark: DemoCarPark): { loops: LoopsHardware & { kind: 'simulated' } };
export function counterSettings(carPark: DemoCarPark): Partial<CounterSettings> & Pick<CounterSettings, 'lanes' | 'carParks'>;
