/**
 * GBFS parsing (protocols/gbfs): the BICY 2.3 and KolesCE 3.0 fixtures (test/data/gbfs/) come out
 * in one shape; bad files are refused naming the field; a station not renting has no bike count;
 * freshness is `last_updated + ttl + margin`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isStale, joinStations, parseDiscovery, parseStationInformation, parseStationStatus, pickName, validUntil } from '../../protocols/gbfs/index.js';

const DIR = path.join(import.meta.dirname, '..', 'data', 'gbfs');
const read = (v: string, f: string): unknown => JSON.parse(fs.readFileSync(path.join(DIR, v, `${f}.json`), 'utf8'));
const T0 = Date.parse('2026-11-30T08:00:00+01:00');

function ok<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

for (const v of ['v2.3', 'v3.0']) {
  test(`${v}: discovery lists the feeds; headers in ms and seconds`, () => {
    const d = ok(parseDiscovery(read(v, 'gbfs')));
    assert.is(d.version, v === 'v2.3' ? '2' : '3');
    assert.is(d.lastUpdated, T0);
    assert.is(d.ttl, 3600);
    assert.is(d.feeds.station_status, 'station_status.json');
    assert.is(d.feeds.station_information, 'station_information.json');
  });
}

test('2.3 (BICY): names as given, bikes and docks joined; not renting → no bike count, not returning → no dock count', () => {
  const info = ok(parseStationInformation(read('v2.3', 'station_information')));
  const status = ok(parseStationStatus(read('v2.3', 'station_status')));
  assert.is(info.ttl, 86400);
  assert.equal([status.lastUpdated, status.ttl], [T0, 60]);
  const stations = joinStations(info.stations, status.stations);
  assert.equal(
    stations.map((s) => [s.id, s.name, s.bikes, s.docks, s.capacity]),
    [
      ['bicy-01', 'Titov trg', 4, 6, 10],
      ['bicy-02', 'Avtobusna postaja', 0, 11, 12],
      ['bicy-03', 'Šalek – Šaleška cesta', null, 5, 8],
      ['bicy-04', 'Jezero', 2, null, null],
    ],
  );
  assert.is(stations[0]!.lastReported, T0 - 30_000);
  assert.equal([stations[0]!.lat, stations[0]!.lon], [46.35962, 15.11195]);
});

test('3.0 (KolesCE): localized names (Slovenian first), num_vehicles_available, RFC 3339 times', () => {
  const info = ok(parseStationInformation(read('v3.0', 'station_information')));
  const status = ok(parseStationStatus(read('v3.0', 'station_status')));
  assert.is(info.version, '3');
  assert.equal([status.lastUpdated, status.ttl], [T0, 60]);
  const stations = joinStations(info.stations, status.stations);
  assert.equal(
    stations.map((s) => [s.id, s.name, s.bikes, s.docks]),
    [
      ['kce-01', 'Krekov trg', 5, 7],
      ['kce-02', 'Glazija', 1, 9],
      ['kce-03', 'Celeiapark', null, 6],
    ],
  );
  assert.is(stations[0]!.lastReported, Date.parse('2026-11-30T07:59:30+01:00'));
  assert.is(pickName([{ text: 'Krek Square', language: 'en' }, { text: 'Krekov trg', language: 'sl' }], ['de']), 'Krek Square');
});

test('a station missing from the status has no counts; one not installed neither', () => {
  const info = [{ id: 'a', name: 'A', lat: 46, lon: 15, capacity: null }, { id: 'b', name: 'B', lat: 46, lon: 15, capacity: 4 }];
  const s = joinStations(info, [{ id: 'b', bikes: 3, docks: 1, installed: false, renting: true, returning: true, lastReported: 0 }]);
  assert.equal(s.map((x) => [x.bikes, x.docks, x.lastReported]), [[null, null, null], [null, null, 0]]);
});

test('bad files are refused naming the field and the file', () => {
  const status = read('v2.3', 'station_status') as { data: { stations: Record<string, unknown>[] } };
  status.data.stations[1]!.num_bikes_available = -1;
  const r = parseStationStatus(status);
  assert.ok(!r.ok);
  assert.match((r as { reason: string }).reason, /^station_status: data\.stations\.1\.num_bikes_available/);
  const v3 = read('v3.0', 'station_information') as { last_updated: unknown };
  v3.last_updated = 1796022000; // 2.x form in a 3.0 file
  assert.match((parseStationInformation(v3) as { reason: string }).reason, /station_information: last_updated/);
  assert.match((parseDiscovery({ version: '1.1', ttl: 0, last_updated: 0, data: {} }) as { reason: string }).reason, /version/);
  assert.match((parseStationStatus(null) as { reason: string }).reason, /version/);
  const v3status = read('v3.0', 'station_status') as { data: { stations: Record<string, unknown>[] } };
  delete v3status.data.stations[2]!.num_vehicles_available;
  assert.match((parseStationStatus(v3status) as { reason: string }).reason, /data\.stations\.2\.num_vehicles_available: required/);
});

test('stale past last_updated + ttl + margin', () => {
  const h = { lastUpdated: T0, ttl: 60 };
  assert.is(validUntil(h, 30), T0 + 90_000);
  assert.not.ok(isStale(h, T0 + 90_000, 30));
  assert.ok(isStale(h, T0 + 90_001, 30));
});

test.run();
