/**
 * The footer line about bike share near the stop (`bike-stations` content, GBFS via the fleet):
 * `Kolesa: Mestni park 4 kolesa · 6 mest`, the nearest station that has something to say, shown
 * only until the content's `validUntil` (past it the counts are no longer live: no line at all).
 * A station not renting shows no bike count, one not returning no dock count. Slovenian numbers
 * take the dual and the small plural: 1 kolo, 2 kolesi, 3 kolesa, 5 koles; 1 mesto, 2 mesti, 3 mesta, 5 mest.
 */
import type { BikeStations } from '../../../protocols/index.js';

/** Slovenian noun forms by number: [1, 2, 3–4, 0 and 5+], by the last two digits. */
export function slCount(n: number, forms: readonly [string, string, string, string]): string {
  const h = n % 100;
  const form = h === 1 ? forms[0] : h === 2 ? forms[1] : h === 3 || h === 4 ? forms[2] : forms[3];
  return `${n} ${form}`;
}

export const BIKES_WORDS = {
  label: 'Kolesa',
  bikes: ['kolo', 'kolesi', 'kolesa', 'koles'] as const,
  docks: ['mesto', 'mesti', 'mesta', 'mest'] as const,
};

/** The footer line at `now`, or null (no content, past its `validUntil`, no station with a count). */
export function bikesLine(content: BikeStations | null, now: number): string | null {
  if (!content || !(Date.parse(content.validUntil) > now)) return null;
  for (const s of content.stations) {
    const parts = [
      ...(s.bikes !== null ? [slCount(s.bikes, BIKES_WORDS.bikes)] : []),
      ...(s.docks !== null ? [slCount(s.docks, BIKES_WORDS.docks)] : []),
    ];
    if (parts.length) return `${BIKES_WORDS.label}: ${s.name} ${parts.join(' · ')}`;
  }
  return null;
}
