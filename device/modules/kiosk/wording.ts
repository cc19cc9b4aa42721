/**
 * Every word the information panel shows, in Slovenian and English: the page has none of its own
 * (it fills itself from the JSON the module serves), so the wording lives in one place.
 */
import { BIKES_WORDS, slCount } from '../departures/bikes.js';

export const LANGUAGES = ['sl', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A text in each language. */
export type Said = Record<Language, string>;

export const TEXT = {
  tabs: {
    parking: { sl: 'Parkirišča', en: 'Parking' },
    buses: { sl: 'Avtobusi', en: 'Buses' },
    notices: { sl: 'Obvestila', en: 'Notices' },
  },
  /** The toggle shows the language it switches to. */
  language: { sl: 'SLOVENŠČINA', en: 'ENGLISH' },
  full: { sl: 'ZASEDENO', en: 'FULL' },
  closed: { sl: 'ZAPRTO', en: 'CLOSED' },
  unknown: { sl: '--', en: '--' },
  freeSpaces: { sl: 'prostih', en: 'free' },
  garage: { sl: 'garažna hiša', en: 'garage' },
  open: { sl: 'parkirišče', en: 'car park' },
  now: { sl: 'zdaj', en: 'now' },
  scheduled: { sl: 'po voznem redu', en: 'scheduled' },
  live: { sl: 'v živo', en: 'live' },
  noDepartures: { sl: 'Ni odhodov v naslednjih dveh urah.', en: 'No departures in the next two hours.' },
  noStops: { sl: 'Za ta zaslon ni izbranih postaj.', en: 'No stops are set for this panel.' },
  noCarParks: { sl: 'Ni podatkov o parkiriščih.', en: 'No car park data.' },
  noNotices: { sl: 'Trenutno ni obvestil.', en: 'No notices at the moment.' },
  noData: { sl: 'Podatkov še ni.', en: 'No data yet.' },
  map: { sl: 'Zemljevid', en: 'Map' },
  list: { sl: 'Seznam', en: 'List' },
  until: { sl: 'do', en: 'until' },
  bikesNearby: { sl: 'Kolesa v bližini', en: 'Bikes nearby' },
} as const satisfies Record<string, Said | Record<string, Said>>;

/** "Podatki: pred 25 s" — how old the data is. */
export function ageText(ageS: number): Said {
  const s = Math.max(0, Math.floor(ageS));
  const [n, unit] = s < 90 ? [s, 's'] : s < 90 * 60 ? [Math.round(s / 60), 'min'] : [Math.round(s / 3600), 'h'];
  return { sl: `Podatki: pred ${n} ${unit}`, en: `Data: ${n} ${unit} ago` };
}

/** The stale banner: since when the data has not been refreshed. */
export function staleText(since: string | null): Said {
  return since === null
    ? { sl: 'Podatki niso na voljo', en: 'Data not available' }
    : { sl: `Podatki niso osveženi od ${since}`, en: `Data not updated since ${since}` };
}

/** Minutes to a departure: `zdaj` under a minute, `N min` within the hour, else its clock time. */
export function minutesText(ms: number, clock: string): Said {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return TEXT.now;
  if (min < 60) return { sl: `${min} min`, en: `${min} min` };
  return { sl: clock, en: clock };
}

/** Slovenian forms of "free docks" by number, as BIKES_WORDS gives "bikes" (the stop display's words). */
const FREE_DOCKS = ['prosto mesto', 'prosti mesti', 'prosta mesta', 'prostih mest'] as const;

/** The noun alone, in the form its number takes (slCount's rule: 1 kolo, 2 kolesi, 3 kolesa, 5 koles). */
const slNoun = (n: number, forms: readonly [string, string, string, string]) => slCount(n, forms).slice(String(n).length + 1);

/** The word under a station's free bikes; null: not renting (no count, the plural). */
export function bikesUnit(n: number | null): Said {
  return n === null ? { sl: 'kolesa', en: 'bikes' } : { sl: slNoun(n, BIKES_WORDS.bikes), en: n === 1 ? 'bike' : 'bikes' };
}

/** The word under a station's free docks; null: not returning or unknown. */
export function docksUnit(n: number | null): Said {
  return n === null ? { sl: 'prosta mesta', en: 'free docks' } : { sl: slNoun(n, FREE_DOCKS), en: n === 1 ? 'free dock' : 'free docks' };
}

/** How far a station is: to 10 m under a kilometre (at least 10 m), else to 100 m. */
export function distanceText(m: number): Said {
  if (m < 995) {
    const t = `${Math.max(10, Math.round(m / 10) * 10)} m`;
    return { sl: t, en: t };
  }
  const km = (Math.round(m / 100) / 10).toFixed(1);
  return { sl: `${km.replace('.', ',')} km`, en: `${km} km` };
}

/**
 * The footer's line about the nearest station that has a count, as a stop display says it:
 * `Kolesa: Titov trg 4 kolesa · 6 mest`; null when none has.
 */
export function bikesLineText(s: { name: string; bikes: number | null; docks: number | null }): Said | null {
  if (s.bikes === null && s.docks === null) return null;
  const en = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const sl = [...(s.bikes !== null ? [slCount(s.bikes, BIKES_WORDS.bikes)] : []), ...(s.docks !== null ? [slCount(s.docks, BIKES_WORDS.docks)] : [])];
  const eng = [...(s.bikes !== null ? [en(s.bikes, 'bike', 'bikes')] : []), ...(s.docks !== null ? [en(s.docks, 'dock', 'docks')] : [])];
  return { sl: `${BIKES_WORDS.label}: ${s.name} ${sl.join(' · ')}`, en: `Bikes: ${s.name} ${eng.join(' · ')}` };
}
