/**
 * Celje's car parks in the demo (scripts/celje/car-parks.mjs): the catalogue the fleet takes
 * (its own schema), the programme's numbers (three garages with 1,136 spaces, Mestni park's 77),
 * places around the centre, labels a 24-column sign shows whole beside ZASEDENO, and each car
 * park's simulated traffic consistent with its capacity; Glazija's morning fills it past the full
 * threshold within half a minute of simulated traffic.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Catalogue, resolveThresholds } from '../../fleet/engines/occupancy/index.js';
import { distanceM } from '../../protocols/index.js';
import { TrafficModel } from '../../hardware/loop/traffic.js';
import { FULL_TEXT, rowText } from '../../device/modules/panel/rows.js';
import { CAR_PARKS, CELJE_SITE, TRAFFIC_DAY_STARTS_AT, celjeCatalogue, garageSpaces } from '../../scripts/celje/car-parks.mjs';
import { counterHardware } from '../../scripts/celje/counters.mjs';
import { PANEL_COLUMNS } from '../../scripts/celje/panels.mjs';

test('the catalogue is one the fleet takes, for site celje, ids unique', () => {
  const parsed = Catalogue.safeParse(celjeCatalogue());
  assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  assert.is(parsed.data!.site, CELJE_SITE);
  assert.is(parsed.data!.timeZone, 'Europe/Ljubljana');
  assert.is(new Set(parsed.data!.carParks.map((c) => c.id)).size, CAR_PARKS.length);
  for (const c of celjeCatalogue().carParks) assert.not.ok('traffic' in c || 'lanes' in c, `${c.id}: only catalogue fields`);
});

test("the programme's numbers: Celeiapark, Glazija and Kocbekova with 1,136 spaces together; Mestni park 77; Spodnji grad and Železniška postaja open", () => {
  assert.equal(CAR_PARKS.filter((c) => c.kind === 'garage').map((c) => c.id).sort(), ['celeiapark', 'glazija', 'kocbekova']);
  assert.is(garageSpaces(), 1136);
  assert.is(CAR_PARKS.find((c) => c.id === 'mestni-park')?.capacity, 77);
  for (const id of ['mestni-park', 'spodnji-grad', 'zelezniska-postaja']) assert.is(CAR_PARKS.find((c) => c.id === id)?.kind, 'open', id);
  assert.match(CAR_PARKS.find((c) => c.id === 'celeiapark')!.address, 'Aškerčeva ulica 14');
  assert.match(CAR_PARKS.find((c) => c.id === 'glazija')!.address, 'Ljubljanska cesta 20');
});

test('every car park is within 1.5 km of the centre of Celje', () => {
  for (const c of CAR_PARKS) {
    const d = distanceM({ lat: 46.2309, lon: 15.2604 }, { lat: c.lat, lon: c.lon });
    assert.ok(d < 1500, `${c.id} is ${Math.round(d)} m from the centre`);
  }
});

test('a panel shows every label whole, with an arrow, beside ZASEDENO', () => {
  for (const c of CAR_PARKS) {
    for (const arrow of ['left', 'right', 'straight'] as const) {
      const text = rowText(arrow, c.panelLabel, FULL_TEXT, PANEL_COLUMNS);
      assert.ok(text.includes(c.panelLabel), `${c.id} (${arrow}): ${JSON.stringify(text)}`);
      assert.is([...text].length, PANEL_COLUMNS, `${c.id} (${arrow}) fills the line: ${JSON.stringify(text)}`);
    }
  }
});

test('each car park has an entry and an exit, and its traffic starts inside its capacity', () => {
  for (const c of CAR_PARKS) {
    assert.ok(c.lanes.entry >= 1 && c.lanes.exit >= 1, `${c.id} has gates both ways`);
    assert.ok(c.traffic.inside >= 0 && c.traffic.inside < c.capacity, `${c.id}: ${c.traffic.inside} inside of ${c.capacity}`);
    assert.ok(c.traffic.arrivalsPerHour > 0, `${c.id} has arrivals`);
  }
});

test("Glazija's simulated morning passes its full threshold within 30 s; the others are not full at the start", () => {
  const glazija = CAR_PARKS.find((c) => c.id === 'glazija')!;
  const def = Catalogue.parse(celjeCatalogue()).carParks.find((c) => c.id === 'glazija')!;
  const fullAt = glazija.capacity - resolveThresholds(glazija.capacity, def.thresholds).fullIncreasing;
  assert.ok(glazija.traffic.inside < fullAt, 'not full yet when the demo starts');
  const [h, m] = TRAFFIC_DAY_STARTS_AT.split(':').map(Number);
  const { dayStartsAt: _at, ...traffic } = counterHardware(glazija).loops.traffic!;
  const model = new TrafficModel(traffic, (h! * 60 + m!) * 60_000);
  let reached = Infinity;
  for (let i = 0; i < 1000 && reached === Infinity; i++) {
    const e = model.next();
    if (e.simMs > 30_000) break;
    if (model.inside >= fullAt) reached = e.simMs;
  }
  assert.ok(reached <= 30_000, `Glazija full within 30 s (at ${reached} ms)`);
  for (const c of CAR_PARKS.filter((x) => x.id !== 'glazija')) {
    const d = Catalogue.parse(celjeCatalogue()).carParks.find((x) => x.id === c.id)!;
    const almostFullAt = c.capacity - resolveThresholds(c.capacity, d.thresholds).almostFullIncreasing;
    assert.ok(c.traffic.inside < almostFullAt, `${c.id} starts with spaces available`);
  }
});

test.run();
