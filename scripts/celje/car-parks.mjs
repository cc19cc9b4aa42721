/**
 * Celje's car parks in the demo town: the catalogue the fleet's occupancy engine is given for site
 * `celje` (fleet/engines/occupancy/catalogue.ts), and the simulated traffic at each car park's gates.
 *
 * The three garages are Celje's: Celeiapark (Aškerčeva 14), Glazija (Ljubljanska 20) and
 * Kocbekova, 1,136 spaces together. How those spaces split between them is ILLUSTRATIVE (Celeiapark
 * 600, Glazija 300, Kocbekova 236), as are the open car parks' capacities other than Mestni park's
 * 77, the open car parks beyond Mestni park, Spodnji grad and Železniška postaja, and every
 * position (approximate, around the centre at 46.2309 N, 15.2604 E). None of it is survey data.
 *
 * The traffic (hardware/loop/traffic.ts, played by each counter's simulated loops) starts at a
 * simulated 07:45, the morning fill, with the counts below inside, so the demo shows a busy
 * morning whatever the hour it runs at. Glazija starts a few cars short of full with a high
 * arrival rate: it reaches ZASEDENO within the first minute and stays there while its arrivals are
 * turned away, so every state of a panel is on show.
 */

/** The site Celje's parking agents and catalogue belong to. */
export const CELJE_SITE = 'celje';
export const CELJE_TIME_ZONE = 'Europe/Ljubljana';

/** The simulated local time the car parks' day starts at, every run. */
export const TRAFFIC_DAY_STARTS_AT = '07:45';

/**
 * Each car park: its catalogue entry and, for the demo, its gates (loop lanes) and traffic
 * (`inside` at start, morning-peak `arrivalsPerHour`). Capacities and positions: see above.
 */
export const CAR_PARKS = Object.freeze([
  {
    id: 'glazija',
    name: 'Garažna hiša Glazija',
    kind: 'garage',
    lat: 46.2336,
    lon: 15.2598,
    address: 'Ljubljanska cesta 20, Celje',
    capacity: 300,
    panelLabel: 'GLAZIJA',
    lanes: { entry: 2, exit: 1 },
    traffic: { inside: 290, arrivalsPerHour: 1500 },
  },
  {
    id: 'celeiapark',
    name: 'Garažna hiša Celeiapark',
    kind: 'garage',
    lat: 46.2299,
    lon: 15.2636,
    address: 'Aškerčeva ulica 14, Celje',
    capacity: 600,
    panelLabel: 'CELEIAPARK',
    lanes: { entry: 2, exit: 2 },
    traffic: { inside: 410, arrivalsPerHour: 240 },
  },
  {
    id: 'kocbekova',
    name: 'Garažna hiša Kocbekova',
    kind: 'garage',
    lat: 46.2327,
    lon: 15.2662,
    address: 'Kocbekova ulica, Celje',
    capacity: 236,
    panelLabel: 'KOCBEKOVA',
    lanes: { entry: 1, exit: 1 },
    traffic: { inside: 150, arrivalsPerHour: 120 },
  },
  {
    id: 'mestni-park',
    name: 'Parkirišče Mestni park',
    kind: 'open',
    lat: 46.2286,
    lon: 15.2676,
    address: 'Partizanska cesta, Celje',
    capacity: 77,
    panelLabel: 'MESTNI PARK',
    lanes: { entry: 1, exit: 1 },
    traffic: { inside: 50, arrivalsPerHour: 120 },
  },
  {
    id: 'spodnji-grad',
    name: 'Parkirišče Spodnji grad',
    kind: 'open',
    lat: 46.2284,
    lon: 15.2577,
    address: 'Ulica na okopih, Celje',
    capacity: 120,
    panelLabel: 'SPODNJI GRAD',
    lanes: { entry: 1, exit: 1 },
    traffic: { inside: 70, arrivalsPerHour: 120 },
  },
  {
    id: 'zelezniska-postaja',
    name: 'Parkirišče Železniška postaja',
    kind: 'open',
    lat: 46.2294,
    lon: 15.2672,
    address: 'Krekov trg, Celje',
    capacity: 90,
    panelLabel: 'ŽEL. POSTAJA',
    lanes: { entry: 1, exit: 1 },
    traffic: { inside: 50, arrivalsPerHour: 120 },
  },
  {
    id: 'trznica',
    name: 'Parkirišče Tržnica',
    kind: 'open',
    lat: 46.2318,
    lon: 15.2623,
    address: 'Linhartova ulica, Celje',
    capacity: 64,
    panelLabel: 'TRŽNICA',
    lanes: { entry: 1, exit: 1 },
    traffic: { inside: 35, arrivalsPerHour: 120 },
  },
  {
    id: 'zdravstveni-dom',
    name: 'Parkirišče Zdravstveni dom',
    kind: 'open',
    lat: 46.2345,
    lon: 15.2651,
    address: 'Gregorčičeva ulica, Celje',
    capacity: 85,
    panelLabel: 'ZDR. DOM',
    lanes: { entry: 1, exit: 1 },
    traffic: { inside: 50, arrivalsPerHour: 120 },
  },
]);

/** The catalogue document (`PUT /api/parking/car-parks`, `tabla parking import <file> --site celje`). */
export function celjeCatalogue(carParks = CAR_PARKS) {
  return {
    site: CELJE_SITE,
    timeZone: CELJE_TIME_ZONE,
    carParks: carParks.map(({ lanes: _lanes, traffic: _traffic, ...def }) => ({ ...def })),
  };
}

/** Spaces of the garages together (the programme's 1,136). */
export function garageSpaces(carParks = CAR_PARKS) {
  return carParks.filter((c) => c.kind === 'garage').reduce((n, c) => n + c.capacity, 0);
}
