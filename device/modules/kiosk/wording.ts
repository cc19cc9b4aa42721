/**
 * Every word the information panel shows, in Slovenian and English: the page has none of its own
 * (it fills itself from the JSON the module serves), so the wording lives in one place.
 */
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
