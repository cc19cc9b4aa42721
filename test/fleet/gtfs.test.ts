/**
 * The gtfs engine in a real fleet, with the TABLA_GTFS feed: it loads the Bull Runner feed at start
 * (a zip or a folder) as its site, counts its problems in `tabla_gtfs_problems`, and answers the
 * summary, the problems and a stop's scheduled departures over HTTP; a feed it cannot use is
 * logged and skipped, and the engine runs on (a good feed can be imported over it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { Timetables, gtfsEngine } from '../../fleet/engines/gtfs/index.js';
import { defaultEngines } from '../../fleet/engines/index.js';
import { createLogger } from '../../protocols/index.js';
import { api, startFleet, tmpDir } from '../helpers.js';

const FEED = path.resolve(import.meta.dirname, '../../../shared/data/gtfs/bullrunner-gtfs.zip');

const engine = (path: string, site?: string) => gtfsEngine({ timetables: new Timetables(), path, ...(site ? { site } : {}) });

test('GET /api/gtfs: the feed summary, with its problems counted in tabla_gtfs_problems', async () => {
  const fleet = await startFleet({ engines: [engine(FEED)] });
  try {
    assert.equal(fleet.health().engines, ['gtfs']);
    const { status, body: all } = await api(fleet, 'GET', '/api/gtfs');
    assert.is(status, 200);
    assert.is(all.feeds.length, 1);
    const body = all.feeds[0];
    assert.equal([body.site, body.source, body.stored, body.importedAt, body.info], ['default', FEED, false, null, null]);
    assert.ok(Date.parse(body.loadedAt) > Date.now() - 60_000);
    assert.equal((await api(fleet, 'GET', '/api/gtfs/feeds/default')).body, body);
    assert.equal(body.agencies, [{ name: 'USF Bull Runner', url: 'http://www.usf.edu/administrative-services/parking' }]);
    assert.is(body.timeZone, 'America/New_York');
    assert.equal(body.routes.map((r: { name: string; color: string }) => `${r.name} ${r.color}`), ['A 00573C', 'B 0077D1', 'C AC49D0', 'D F70505', 'E D4BA13', 'F 8F6A51']);
    assert.equal([body.stops, body.trips, body.stopTimes, body.shapes, body.frequencyTrips], [125, 15, 473, 6, 15]);
    assert.equal(body.serviceDates, { first: '2015-01-01', last: '2020-12-31' });
    assert.equal(body.problems, { error: 0, warning: 10 });
    assert.is(fleet.metrics.get('tabla_gtfs_problems', { site: 'default', severity: 'warning' }), 10);
    assert.is(fleet.metrics.get('tabla_gtfs_problems', { site: 'default', severity: 'error' }), 0);
    const metrics = await (await fetch(fleet.httpUrl + '/metrics')).text();
    assert.match(metrics, /^tabla_gtfs_problems\{site="default",severity="warning"\} 10$/m);
    assert.is((await api(fleet, 'GET', '/api/gtfs', undefined, 'wrong')).status, 401, 'the admin token is needed');
    assert.equal(await api(fleet, 'DELETE', '/api/gtfs/feeds/default'), { status: 200, body: { site: 'default', removed: true, stored: false } }, 'not stored: TABLA_GTFS brings it back at the next start');
    assert.equal((await api(fleet, 'GET', '/api/gtfs')).body, { feeds: [] });
  } finally {
    await fleet.stop();
  }
});

test('GET /api/gtfs/stops/:stopId/departures: scheduled departures, frequencies expanded, times in the feed\'s zone', async () => {
  const fleet = await startFleet({ engines: [engine(FEED)] });
  try {
    const from = encodeURIComponent('2020-03-02T08:00:00-05:00');
    const { status, body } = await api(fleet, 'GET', `/api/gtfs/stops/222/departures?from=${from}&minutes=60`);
    assert.is(status, 200);
    assert.is(body.site, 'default');
    assert.equal(body.stop, { id: '222', name: 'Communication Sciences', lat: 28.0638055258, lon: -82.4189883471 });
    assert.equal([body.timeZone, body.from, body.to], ['America/New_York', '2020-03-02T08:00:00-05:00', '2020-03-02T09:00:00-05:00']);
    assert.equal(body.departures.map((d: { departsAt: string }) => d.departsAt.slice(11, 16)), ['08:00', '08:10', '08:20', '08:30', '08:40', '08:50']);
    assert.equal(body.departures[0], {
      departsAt: '2020-03-02T08:00:00-05:00',
      scheduled: '08:00:00',
      serviceDate: '2020-03-02',
      route: 'A',
      routeId: 'A',
      color: '00573C',
      textColor: 'FFFFFF',
      headsign: 'Communication Sciences', // a loop: its last stop, the first again
      tripId: '1',
      stopId: '222',
      exact: false,
      headwaySecs: 600,
    });
    // An offset's '+' sent unencoded arrives as a space and is still read.
    const plus = await api(fleet, 'GET', '/api/gtfs/stops/401/departures?from=2020-03-02T14:00:00+01:00&minutes=60');
    assert.is(plus.status, 200);
    assert.is(plus.body.departures.length, 35);
    const late = await api(fleet, 'GET', `/api/gtfs/stops/401/departures?from=${encodeURIComponent('2020-03-03T00:40:00-05:00')}&minutes=10`);
    assert.equal(late.body.departures.at(-1).scheduled, '24:45:42');
    assert.equal(late.body.departures.at(-1).departsAt, '2020-03-03T00:45:42-05:00');
    assert.equal(await api(fleet, 'GET', '/api/gtfs/stops/nope/departures'), { status: 404, body: { error: 'no stop nope in the feed' } });
    assert.is((await api(fleet, 'GET', '/api/gtfs/stops/222/departures?site=default')).status, 200);
    assert.equal(await api(fleet, 'GET', '/api/gtfs/stops/222/departures?site=elsewhere'), { status: 404, body: { error: 'no GTFS feed for site elsewhere' } });
    assert.is((await api(fleet, 'GET', '/api/gtfs/stops/222/departures?from=yesterday')).status, 400);
    assert.is((await api(fleet, 'GET', '/api/gtfs/stops/222/departures?minutes=0')).status, 400);
    assert.is((await api(fleet, 'GET', '/api/gtfs/stops/222/departures?minutes=1441')).status, 400);
    const now = await api(fleet, 'GET', '/api/gtfs/stops/222/departures');
    assert.is(now.status, 200, 'from defaults to now (the feed ended in 2020: nothing)');
    assert.equal(now.body.departures, []);
  } finally {
    await fleet.stop();
  }
});

test('GET /api/gtfs/problems: every listed problem, filtered by severity or file', async () => {
  const fleet = await startFleet({ engines: [engine(FEED)] });
  try {
    const all = (await api(fleet, 'GET', '/api/gtfs/problems')).body;
    assert.equal([all.site, all.counts, all.listed, all.problems.length], ['default', { error: 0, warning: 10 }, 10, 10]);
    assert.equal(all.problems[0], { file: 'stops.txt', row: 2, field: 'stop_name', message: 'value "Math & Engineering " has spaces around it', severity: 'warning' });
    assert.equal((await api(fleet, 'GET', '/api/gtfs/problems?severity=error')).body.problems, []);
    assert.is((await api(fleet, 'GET', '/api/gtfs/problems?file=frequencies.txt')).body.problems.length, 1);
    assert.is((await api(fleet, 'GET', '/api/gtfs/problems?severity=fatal')).status, 400);
  } finally {
    await fleet.stop();
  }
});

test('TABLA_GTFS naming a folder of .txt files loads the same feed as its zip', async () => {
  const dir = tmpDir('tabla-gtfs-folder-');
  for (const [name, data] of Object.entries(unzipSync(new Uint8Array(fs.readFileSync(FEED))))) fs.writeFileSync(path.join(dir, name), data);
  const fleet = await startFleet({ engines: [engine(dir, 'campus')] });
  try {
    const body = (await api(fleet, 'GET', '/api/gtfs/feeds/campus')).body;
    assert.equal([body.source, body.stops, body.trips, body.stopTimes, body.shapes, body.problems], [dir, 125, 15, 473, 6, { error: 0, warning: 10 }]);
  } finally {
    await fleet.stop();
  }
});

test('a TABLA_GTFS feed that is refused, or a path that does not exist: logged and skipped; the engine and the fleet run on', async () => {
  const dir = tmpDir('tabla-gtfs-');
  const refused = path.join(dir, 'no-stops.zip');
  fs.writeFileSync(refused, zipSync({ 'agency.txt': strToU8('agency_name,agency_url,agency_timezone\nX,https://x,Europe/Ljubljana\n') }));
  const lines: string[] = [];
  const log = createLogger('test', { level: 'info', sink: (l) => lines.push(l) });
  const fleet = await startFleet({ log, engines: [engine(refused)] });
  try {
    assert.equal(fleet.health().engines, ['gtfs'], 'the engine runs, to take an import');
    assert.is(fleet.metrics.get('tabla_gtfs_refused_total', { site: 'default' }), 1);
    assert.ok(
      lines.some((l) => l.includes('the TABLA_GTFS feed cannot be loaded') && l.includes('GTFS feed refused: stops.txt is missing (required)')),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => / error .*gtfs: routes\.txt: routes\.txt is missing \(required\)/.test(l)), 'its problems logged');
    assert.equal((await api(fleet, 'GET', '/api/gtfs')).body, { feeds: [] });
    assert.equal((await api(fleet, 'GET', '/api/gtfs/problems')).status, 404);
    assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200);
  } finally {
    await fleet.stop();
  }
  const missing = await startFleet({ engines: [engine(path.join(dir, 'nothing-here.zip'))] });
  try {
    assert.is(missing.metrics.get('tabla_gtfs_refused_total', { site: 'default' }), 1);
    assert.equal(missing.health().engines, ['gtfs']);
  } finally {
    await missing.stop();
  }
  const badSite = await startFleet({ engines: [engine(FEED, 'Not A Site')] });
  try {
    assert.is(badSite.metrics.get('tabla_engine_start_failures_total', { engine: 'gtfs' }), 1, 'a TABLA_GTFS_SITE that is no site name is a setup error');
  } finally {
    await badSite.stop();
  }
});

test('the default engines always include gtfs, filling the Timetables they are given: TABLA_GTFS as TABLA_GTFS_SITE', async () => {
  const before = { feed: process.env.TABLA_GTFS, site: process.env.TABLA_GTFS_SITE };
  try {
    delete process.env.TABLA_GTFS;
    delete process.env.TABLA_GTFS_SITE;
    assert.ok(defaultEngines().some((e) => e.name === 'gtfs'), 'on without TABLA_GTFS: stored feeds and imports need it');
    process.env.TABLA_GTFS = FEED;
    process.env.TABLA_GTFS_SITE = 'campus';
    const timetables = new Timetables();
    const fleet = await startFleet({ engines: defaultEngines(timetables).filter((e) => e.name === 'gtfs') });
    try {
      assert.equal(timetables.all().map((t) => [t.site, t.source, t.feed.trips.size]), [['campus', FEED, 15]]);
      assert.is(timetables.forSite('anywhere')!.site, 'campus', 'the only feed serves a site without one');
    } finally {
      await fleet.stop();
    }
    assert.is(timetables.size, 0, 'a stopped engine leaves no feed behind');
  } finally {
    for (const [key, value] of [['TABLA_GTFS', before.feed], ['TABLA_GTFS_SITE', before.site]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test.run();
