/**
 * `tabla gtfs info` and `tabla gtfs departures` against a real fleet that loaded the real feed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gtfsEngine } from '../../fleet/engines/gtfs/index.js';
import { startFleet, tmpDir } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../fleet/cli/main.ts', import.meta.url));
const FEED = path.resolve(import.meta.dirname, '../../../shared/data/gtfs/bullrunner-gtfs.zip');

function tabla(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CLI, ...args], {
      cwd: tmpDir('tabla-cli-'),
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('gtfs info and departures show the loaded feed; a stop that is not there exits 1 naming it', async () => {
  const fleet = await startFleet({ engines: [gtfsEngine({ path: FEED })] });
  const env = { TABLA_URL: fleet.httpUrl, TABLA_TOKEN: fleet.local.adminToken };
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
