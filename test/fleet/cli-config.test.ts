/**
 * `tabla config set` merges (key=value or a JSON patch), prints what changed, and names the valid
 * keys when given an unknown one; `tabla config diff` says whether the device runs what is desired.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkKey, mergePatch, parsePatch, settingsDiff, validKeys } from '../../fleet/cli/commands/config.js';
import { startFleet, tabla } from '../helpers.js';

test('key=value pairs become a patch: values as JSON when they parse, else text; dotted keys nest', () => {
  assert.equal(parsePatch(['logLevel=debug', 'heartbeatS=15', 'modules.departures.horizonMin=90', 'labels.zone=center']), {
    logLevel: 'debug',
    heartbeatS: 15,
    modules: { departures: { horizonMin: 90 } },
    labels: { zone: 'center' },
  });
  assert.equal(parsePatch(['{"modules":{"kiosk":{"port":8091}}}']), { modules: { kiosk: { port: 8091 } } });
  assert.throws(() => parsePatch(['logLvl=debug']), /unknown key logLvl\nvalid keys:\n  logLevel\n/);
  assert.throws(() => parsePatch(['modules.kiosk.prot=1']), /unknown key modules\.kiosk\.prot \(module kiosk has: port/);
  assert.throws(() => parsePatch(['modules.radio.x=1']), /unknown module radio/);
  assert.throws(() => parsePatch(['{"heartbeat":5}']), /unknown key heartbeat/);
  assert.is(checkKey(['modules', 'panel', 'rows']), null);
  assert.ok(validKeys().includes('modules.departures.timeZone'), 'module sections are listed');
});

test('merge patch: objects merge, null removes, anything else replaces; the diff names each change', () => {
  const base = { logLevel: 'info', heartbeatS: 30, modules: { kiosk: { port: 8090 }, departures: { horizonMin: 60 } } };
  const merged = mergePatch(base, { heartbeatS: 15, modules: { kiosk: null, departures: { horizonMin: 90 } } });
  assert.equal(merged, { logLevel: 'info', heartbeatS: 15, modules: { departures: { horizonMin: 90 } } });
  assert.equal(base.modules.kiosk, { port: 8090 }, 'the base is not changed');
  assert.equal(settingsDiff(base, merged), ['~ heartbeatS: 30 → 15', '~ modules.departures.horizonMin: 60 → 90', '- modules.kiosk.port: 8090']);
  assert.equal(settingsDiff({}, { labels: { a: 'b' } }), ['+ labels.a: "b"']);
});

test('an unknown key is a usage error (exit 2) that lists the valid keys; --help lists them too', async () => {
  // No fleet: a command past its usage check would exit 1 instead.
  const [bad, help] = await Promise.all([tabla(['config', 'set', 'bus-1', 'hartbeatS=5']), tabla(['config', 'set', '--help'])]);
  assert.is(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^tabla: unknown key hartbeatS\nvalid keys:\n  logLevel\n  heartbeatS\n/);
  assert.match(bad.stderr, '  modules.departures.horizonMin\n');
  assert.is(help.code, 0);
  assert.match(help.stdout, /Valid keys:\n  logLevel\n[\s\S]*  modules\.kiosk\.port\n/);
});

test('config set merges into the desired settings and prints the diff; config diff compares desired with reported', async () => {
  const fleet = await startFleet();
  try {
    fleet.registry.provision({ id: 'stop-tomsiceva', role: 'stop-display' }); // never connects
    const first = await tabla(['config', 'set', 'stop-tomsiceva', 'heartbeatS=15', 'modules.departures.horizonMin=90'], { fleet });
    assert.is(first.code, 0, first.stderr);
    assert.match(first.stdout, /config v1 set.*\n  ~ heartbeatS: 30 → 15\n  \+ modules\.departures\./);
    const second = await tabla(['config', 'set', 'stop-tomsiceva', 'logLevel=debug'], { fleet });
    assert.is(second.code, 0, second.stderr);
    assert.match(second.stdout, /config v2 set.*\n  ~ logLevel: "info" → "debug"$/m);
    assert.not.match(second.stdout, 'heartbeatS', 'only what changed is shown');
    const kept = fleet.configs.get('stop-tomsiceva').desired as { heartbeatS: number; logLevel: string; modules: { departures: { horizonMin: number } } };
    assert.is(kept.heartbeatS, 15, 'merged, not replaced');
    assert.is(kept.modules.departures.horizonMin, 90);
    assert.is(kept.logLevel, 'debug');

    const replaced = await tabla(['config', 'set', 'stop-tomsiceva', '--replace', '{"logLevel":"warn"}'], { fleet });
    assert.is(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, '~ heartbeatS: 15 → 30');
    assert.is((fleet.configs.get('stop-tomsiceva').desired as { heartbeatS: number }).heartbeatS, 30, '--replace drops what it does not name');

    const [diff, diffJson, unknown] = await Promise.all([
      tabla(['config', 'diff', 'stop-tomsiceva'], { fleet }),
      tabla(['config', 'diff', 'stop-tomsiceva', '--json'], { fleet }),
      tabla(['config', 'diff', 'stop-404'], { fleet }),
    ]);
    assert.is(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^stop-tomsiceva: desired v3, reported nothing yet\n/);
    assert.match(diff.stdout, '  ~ logLevel: "info" → "warn"');
    const j = JSON.parse(diffJson.stdout);
    assert.equal([j.desired, j.reported, j.inSync], [3, null, false]);
    assert.is(unknown.code, 1);
    assert.is(unknown.stderr, 'tabla: no device stop-404 (tabla devices lists them)\n');
  } finally {
    await fleet.stop();
  }
});

test.run();
