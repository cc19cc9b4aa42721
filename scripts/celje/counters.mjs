/**
 * The demo's car-park counters: one car-park-counter agent at the gates of each of Celje's car parks
 * (car-parks.mjs), labelled `carPark=<id>` (how the fleet finds a car park's counters), with a pair
 * of simulated induction loops in each entry and exit lane (hardware/loop/simulated.ts: the same
 * detector and loop-pair logic as the GPIO driver) playing a seeded day of the car park's traffic,
 * and the counter module's settings naming each lane's car park and direction. The demo runs them
 * all in one tabla-agent process (one `--config` each).
 */
import { CAR_PARKS, CELJE_SITE, CELJE_TIME_ZONE, TRAFFIC_DAY_STARTS_AT } from './car-parks.mjs';

/** The counter at car park `carParkId`'s gates: counter-celje-<id> (Glazija's and Celeiapark's as in the earlier demo). */
export function counterId(carParkId) {
  return `counter-celje-${carParkId}`;
}

/** One counter per car park: what the demo provisions. */
export function carParkCounters(carParks = CAR_PARKS) {
  return carParks.map((c) => ({ id: counterId(c.id), role: 'car-park-counter', site: CELJE_SITE, labels: { carPark: c.id } }));
}

/** The lanes of a car park's gates: entry-1…, exit-1…. */
export function gateLanes(carPark) {
  const lanes = [];
  for (const kind of /** @type {const} */ (['entry', 'exit'])) for (let i = 1; i <= carPark.lanes[kind]; i++) lanes.push({ lane: `${kind}-${i}`, kind });
  return lanes;
}

/** The seed of a car park's traffic: fixed per car park, so every run plays the same day. */
function seedOf(carParkId) {
  let h = 7;
  for (const ch of carParkId) h = (h * 31 + ch.charCodeAt(0)) % 2_147_483_647;
  return h;
}

/** The `hardware` section of a car park's counter: its simulated lanes and their traffic. */
export function counterHardware(carPark) {
  return {
    loops: {
      kind: 'simulated',
      lanes: gateLanes(carPark),
      timeZone: CELJE_TIME_ZONE,
      traffic: {
        seed: seedOf(carPark.id),
        capacity: carPark.capacity,
        inside: carPark.traffic.inside,
        arrivalsPerHour: carPark.traffic.arrivalsPerHour,
        speed: 1,
        dayStartsAt: TRAFFIC_DAY_STARTS_AT,
      },
    },
  };
}

/** The counter module's settings (`settings.modules.counter`): each lane's car park and kind, the capacity. */
export function counterSettings(carPark) {
  return {
    lanes: Object.fromEntries(gateLanes(carPark).map((l) => [l.lane, { carParkId: carPark.id, kind: l.kind }])),
    carParks: { [carPark.id]: { capacity: carPark.capacity } },
    timeZone: CELJE_TIME_ZONE,
  };
}
