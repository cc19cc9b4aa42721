/**
 * The demo's Lokal'c, Velenje's free town bus, as data: its stops, its five coloured lines and
 * when the buses run them. What is public fact: five lines named by colour, all from the bus
 * station; the yellow one every 15 min at peak and 30 min off-peak; 42 stops in the city's plan;
 * stops such as Gorica, Šalek, Tomšičeva cesta, Tržnica, Rudarski dom, Železniška postaja,
 * Partizanska cesta, Lokovica, Vila Bianca. The other names are streets, districts and landmarks
 * of Velenje, not checked against the operator's stop list. What is made up: every position
 * (placed by hand near the place a stop is named after, around the centre at 46.359 N 15.112 E;
 * not surveyed), the order of the stops on each line and every time. It is not the operator's
 * timetable.
 *
 * `build-gtfs.mjs` turns this into a GTFS feed; it checks the rules stated here (42 stops, every
 * one served, names unique, layovers of 3–8 min) and refuses to write a feed that breaks them.
 */

/** Stops: id, name (as a stop sign would say it), lat, lon; `centre` slows the buses (20 km/h
 * between two centre stops, 23 km/h elsewhere); `busy` stops get a longer dwell (30 s, not 20 s). */
export const STOPS = [
  // the centre, shared by several lines
  { id: 'ap', name: 'Avtobusna postaja Velenje', lat: 46.3594, lon: 15.1105, centre: true, busy: true },
  { id: 'titov-trg', name: 'Titov trg', lat: 46.36035, lon: 15.1119, centre: true, busy: true },
  { id: 'rudarski-dom', name: 'Rudarski dom', lat: 46.3612, lon: 15.1093, centre: true, busy: true },
  { id: 'trznica', name: 'Tržnica', lat: 46.35815, lon: 15.1129, centre: true, busy: true },
  { id: 'tomsiceva', name: 'Tomšičeva cesta', lat: 46.3624, lon: 15.107, centre: true },
  { id: 'partizanska', name: 'Partizanska cesta', lat: 46.3568, lon: 15.1086, centre: true },
  { id: 'zelezniska', name: 'Železniška postaja Velenje', lat: 46.3628, lon: 15.114, centre: true, busy: true },
  { id: 'zd', name: 'Zdravstveni dom Velenje', lat: 46.3574, lon: 15.116, centre: true, busy: true },
  { id: 'kidriceva', name: 'Kidričeva cesta', lat: 46.3583, lon: 15.1042, centre: true },
  // rumena: east, to Šalek
  { id: 'rdeca-dvorana', name: 'Rdeča dvorana', lat: 46.3572, lon: 15.1208 },
  { id: 'saleska', name: 'Šaleška cesta', lat: 46.3604, lon: 15.1245 },
  { id: 'kardeljev-trg', name: 'Kardeljev trg', lat: 46.3638, lon: 15.1278, busy: true },
  { id: 'selo', name: 'Selo', lat: 46.3652, lon: 15.1448 },
  { id: 'salek', name: 'Šalek', lat: 46.37, lon: 15.134, busy: true },
  { id: 'jenkova', name: 'Jenkova cesta', lat: 46.3696, lon: 15.127 },
  { id: 'stantetova', name: 'Stantetova ulica', lat: 46.3675, lon: 15.122 },
  { id: 'efenkova', name: 'Efenkova cesta', lat: 46.3656, lon: 15.1176 },
  // rdeča: north-west, to Gorica and Škale
  { id: 'koroska', name: 'Koroška cesta', lat: 46.3644, lon: 15.1043 },
  { id: 'muzej', name: 'Muzej premogovništva', lat: 46.3661, lon: 15.1015 },
  { id: 'stara-vas', name: 'Stara vas', lat: 46.3683, lon: 15.1027 },
  { id: 'gorica', name: 'Gorica', lat: 46.3707, lon: 15.0995, busy: true },
  { id: 'hrastovec', name: 'Hrastovec', lat: 46.3735, lon: 15.0968 },
  { id: 'skale', name: 'Škale', lat: 46.3765, lon: 15.0952 },
  // modra: south-west, by the lake to Lokovica
  { id: 'premogovnik', name: 'Premogovnik Velenje', lat: 46.3566, lon: 15.1012 },
  { id: 'vila-bianca', name: 'Vila Bianca', lat: 46.3556, lon: 15.0968, busy: true },
  { id: 'plaza', name: 'Velenjska plaža', lat: 46.3546, lon: 15.0925 },
  { id: 'pesje', name: 'Pesje', lat: 46.3522, lon: 15.0893 },
  { id: 'lokovica', name: 'Lokovica', lat: 46.3497, lon: 15.0858 },
  // zelena: north, a loop through Konovo, Plešivec and Podkraj
  { id: 'presernova', name: 'Prešernova cesta', lat: 46.3617, lon: 15.1108, centre: true },
  { id: 'solski-center', name: 'Šolski center Velenje', lat: 46.3636, lon: 15.1098, busy: true },
  { id: 'cankarjeva', name: 'Cankarjeva cesta', lat: 46.369, lon: 15.1106 },
  { id: 'konovo', name: 'Konovo', lat: 46.3756, lon: 15.1139 },
  { id: 'plesivec', name: 'Plešivec', lat: 46.3852, lon: 15.1182 },
  { id: 'podkraj', name: 'Podkraj', lat: 46.381, lon: 15.1249 },
  { id: 'pokopalisce', name: 'Pokopališče Podkraj', lat: 46.3771, lon: 15.128 },
  // oranžna: south-east, past Gorenje and Staro Velenje to Pirešica
  { id: 'gorenje', name: 'Gorenje', lat: 46.3547, lon: 15.1094, busy: true },
  { id: 'cesta-talcev', name: 'Cesta talcev', lat: 46.3536, lon: 15.1136 },
  { id: 'staro-velenje', name: 'Staro Velenje', lat: 46.3541, lon: 15.1181 },
  { id: 'velenjski-grad', name: 'Velenjski grad', lat: 46.3527, lon: 15.1212 },
  { id: 'celjska', name: 'Celjska cesta', lat: 46.3509, lon: 15.1238 },
  { id: 'bevce', name: 'Bevče', lat: 46.348, lon: 15.1268 },
  { id: 'piresica', name: 'Pirešica', lat: 46.3452, lon: 15.1301 },
];

/**
 * The five lines. A `loop` is one trip from the bus station round and back to it (direction 0);
 * an `out-and-back` line runs `stops` outwards (direction 0) and the same stops back (direction 1),
 * with a layover at the far end. `turn`: on a loop, from this stop on the sign reads the bus
 * station (stop_headsign), before it the trip's headsign.
 */
export const LINES = [
  {
    id: 'rumena',
    shortName: 'Rumena',
    longName: 'Avtobusna postaja – Šalek – Železniška postaja',
    color: 'FFD400',
    textColor: '000000',
    kind: 'loop',
    headsign: 'Šalek',
    turn: 'salek',
    stops: ['ap', 'trznica', 'zd', 'rdeca-dvorana', 'saleska', 'kardeljev-trg', 'selo', 'salek', 'jenkova', 'stantetova', 'efenkova', 'zelezniska', 'titov-trg', 'ap'],
  },
  {
    id: 'rdeca',
    shortName: 'Rdeča',
    longName: 'Avtobusna postaja – Gorica – Škale',
    color: 'E2001A',
    textColor: 'FFFFFF',
    kind: 'out-and-back',
    stops: ['ap', 'rudarski-dom', 'tomsiceva', 'koroska', 'muzej', 'stara-vas', 'gorica', 'hrastovec', 'skale'],
  },
  {
    id: 'modra',
    shortName: 'Modra',
    longName: 'Avtobusna postaja – Vila Bianca – Lokovica',
    color: '0067B1',
    textColor: 'FFFFFF',
    kind: 'out-and-back',
    stops: ['ap', 'kidriceva', 'premogovnik', 'vila-bianca', 'plaza', 'pesje', 'lokovica'],
  },
  {
    id: 'zelena',
    shortName: 'Zelena',
    longName: 'Avtobusna postaja – Konovo – Plešivec – Podkraj',
    color: '2E9B3F',
    textColor: 'FFFFFF',
    kind: 'loop',
    headsign: 'Plešivec',
    turn: 'plesivec',
    stops: ['ap', 'titov-trg', 'presernova', 'solski-center', 'cankarjeva', 'konovo', 'plesivec', 'podkraj', 'pokopalisce', 'efenkova', 'zelezniska', 'ap'],
  },
  {
    id: 'oranzna',
    shortName: 'Oranžna',
    longName: 'Avtobusna postaja – Gorenje – Staro Velenje – Pirešica',
    color: 'F08A00',
    textColor: '000000',
    kind: 'out-and-back',
    stops: ['ap', 'partizanska', 'gorenje', 'cesta-talcev', 'staro-velenje', 'velenjski-grad', 'celjska', 'bevce', 'piresica'],
  },
];

/** Running speeds (km/h) and dwells (s) the stop times are computed from. */
export const TIMING = { centreKmh: 20, otherKmh: 23, dwellS: 20, busyDwellS: 30 };

/** A block's layover at a terminus between two of its trips, minutes (checked for every one). */
export const LAYOVER_MIN = { min: 3, max: 8 };

/**
 * When the buses run. Each block is one bus's day: `runs` departures from the bus station, the
 * lines taken in turn (one line: every run on it; two: a bus that alternates, as a small operator
 * does), from `first` to `last` every `everyMin`. One run is a loop's trip, or an out-and-back
 * line's trip out and back.
 */
export const SERVICES = [
  {
    id: 'delavnik',
    letter: 'D',
    days: { monday: 1, tuesday: 1, wednesday: 1, thursday: 1, friday: 1, saturday: 0, sunday: 0 },
    blocks: [
      // rumena: every 30 min all day, every 15 min in the peaks (6:00–8:30 and 13:00–16:00)
      { id: 'D-rumena-1', lines: ['rumena'], first: '05:00', last: '21:30', everyMin: 30 },
      { id: 'D-rumena-2', lines: ['rumena'], first: '06:15', last: '08:15', everyMin: 30 },
      { id: 'D-rumena-3', lines: ['rumena'], first: '13:15', last: '15:45', everyMin: 30 },
      { id: 'D-rdeca-1', lines: ['rdeca'], first: '05:05', last: '21:05', everyMin: 30 },
      { id: 'D-modra-1', lines: ['modra'], first: '05:10', last: '21:10', everyMin: 30 },
      // one bus for zelena (at :20) and oranžna (at :50): each every hour
      { id: 'D-zelena-oranzna-1', lines: ['zelena', 'oranzna'], first: '05:20', last: '21:20', everyMin: 30 },
    ],
  },
  {
    id: 'sobota',
    letter: 'S',
    days: { monday: 0, tuesday: 0, wednesday: 0, thursday: 0, friday: 0, saturday: 1, sunday: 0 },
    blocks: [
      { id: 'S-rumena-1', lines: ['rumena'], first: '06:00', last: '20:00', everyMin: 30 },
      { id: 'S-rdeca-modra-1', lines: ['rdeca', 'modra'], first: '07:05', last: '19:35', everyMin: 30 },
      { id: 'S-zelena-oranzna-1', lines: ['zelena', 'oranzna'], first: '07:20', last: '13:50', everyMin: 30 },
    ],
  },
  {
    // Sundays and public holidays: rumena only
    id: 'nedelja',
    letter: 'N',
    days: { monday: 0, tuesday: 0, wednesday: 0, thursday: 0, friday: 0, saturday: 0, sunday: 1 },
    blocks: [{ id: 'N-rumena-1', lines: ['rumena'], first: '08:00', last: '19:30', everyMin: 30 }],
  },
];

/** The feed's validity: the whole of 2026 and 2027. */
export const VALID = { start: '20260101', end: '20271231' };

/**
 * Slovenia's work-free public holidays in 2026 and 2027 (Zakon o praznikih in dela prostih dnevih)
 * that fall on a weekday or a Saturday: the Sunday service runs instead (calendar_dates.txt).
 * Easter Monday: 6 April 2026, 29 March 2027.
 */
export const HOLIDAYS = [
  '20260101', '20260102', '20260406', '20260427', '20260501', '20260502', '20260625', '20260815', '20261031', '20261225', '20261226',
  '20270101', '20270102', '20270208', '20270329', '20270427', '20270501', '20270625', '20271101', '20271225',
];

export const AGENCY = {
  id: 'lokalc',
  name: "Lokal'c (Mestna občina Velenje)",
  url: 'https://www.velenje.si/',
  timeZone: 'Europe/Ljubljana',
  lang: 'sl',
};

export const ILLUSTRATIVE_NOTE =
  'Illustrative feed for the Tabla demo, not the operator’s timetable: built from public facts (five colour lines from the bus station, 42 stops, the names of stops and places of Velenje); stop positions are approximate, the paths and every time are made up.';
