/**
 * `tabla gtfs info` and `tabla gtfs departures` against a real fleet that loaded the real feed.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gtfsEngine } from '../../fleet/engines/gtfs/index.js';
import { startFleet, tabla } from '../helpers.js';

const FEED = path.resolve(import.meta.dirname, '../../../shared/data/gtfs/bullrunner-gtfs.zip');

test('gtfs info and departures show the loaded feed; a stop that is not there exits 1 naming it', async () => {
  const fleet = await startFleet({ engines: [gtfsEngine({ path: FEED })] });
  const env = { env: { TABLA_URL: fleet.httpUrl, TABLA_TOKEN: fleet.local.adminToken, NO_COLOR: '1' } };
  try {
    const info = await tabla(['gtfs', 'info'], env);
    assert.is(info.code, 0, info.stderr);
    assert.match(info.stdout, /contents\s+6 routes, 125 stops, 15 trips \(15 by frequency\), 473 stop times, 6 shapes/);
    assert.match(info.stdout, /problems\s+0 errors, 10 warnings \(--problems lists them\)/);
    const json = JSON.parse((await tabla(['gtfs', 'info', '--json'], env)).stdout);
    assert.is(json.routes.length, 6);

    // A Monday morning at the Marshall Center (stop 401), in the feed's time zone.
    const dep = await tabla(['gtfs', 'departures', '401', '--from', '2015-01-19T08:00:00-05:00', '--json'], env);
    assert.is(dep.code, 0, dep.stderr);
    const body = JSON.parse(dep.stdout);
    assert.is(body.departures.length, 35);
    const text = await tabla(['gtfs', 'departures', '401', '--from', '2015-01-19T08:00:00-05:00', '--minutes', '10'], env);
    assert.match(text.stdout, /^.+\(401\), 2015-01-19T08:00:00-05:00 … 2015-01-19T08:10:00-05:00\n/);
    assert.match(text.stdout, /departs.+line.+to.+trip/);

    const missing = await tabla(['gtfs', 'departures', 'nowhere'], env);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /no stop nowhere in the feed/);
  } finally {
    await fleet.stop();
  }
});

test.run();
