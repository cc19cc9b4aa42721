/**
 * `tabla message` and `tabla messages` as a technician runs them, against a real fleet with a stop
 * display connected by its own credentials: the banner reaches the display, `--until 18:00` is read
 * in the fleet's time zone, a past time and the unsafe or ambiguous forms exit 2 without touching
 * anything, and `--clear` clears by target.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import type { ServiceMessages } from '../../protocols/index.js';
import { Content, decode, topic } from '../../protocols/index.js';
import { T0, lineFeed } from '../fixtures/eta-line.js';
import type { MqttClient } from 'mqtt';
import { type CliRun, SteppableClock, deviceClient, startFleet, tabla, waitFor } from '../helpers.js';

function expectExit(r: CliRun, code: number, what: string): void {
  assert.is(r.code, code, `${what}: exit ${r.code}, wanted ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

test('tabla message puts a banner on a stop, lists it, refuses what is unsafe or wrong (exit 2), and clears by target', async () => {
  const clock = new SteppableClock();
  clock.offsetMs = T0 + 150_000 - Date.now(); // 08:02:30, Monday 2026-11-30, Europe/Ljubljana
  const timetables = new Timetables();
  const load = lineFeed();
  timetables.set({ site: 'town', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  const fleet = await startFleet({ clock, engines: [displaysEngine({ timetables, tickMs: 50 })] });
  let opened: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'disp-3', role: 'stop-display', site: 'town', labels: { stop: 'S3' } });
    const client = (opened = await deviceClient(fleet, 'disp-3', secret));
    const sets: ServiceMessages[] = [];
    client.on('message', (_t, payload) => {
      const m = decode(Content, payload.toString());
      if (m.ok && m.value.kind === 'service-messages') sets.push(m.value.body as ServiceMessages);
    });
    await client.subscribeAsync(topic.content('disp-3'), { qos: 1 });
    const birth = { v: 1, epoch: 1, ts: clock.now(), role: 'stop-display', versions: { agent: 'test' }, heartbeatS: 30, configVersion: 0 };
    await client.publishAsync(topic.birth('disp-3'), JSON.stringify(birth), { qos: 1 });
    await waitFor('the empty set at birth', () => sets[0]);
    const shown = () => sets.at(-1)!.messages;

    const put = await tabla(['message', 'S3', 'Postaja zaprta, vstop na S4', '--until', '18:00'], { fleet });
    expectExit(put, 0, 'message S3');
    assert.match(put.stdout, /^m-[0-9a-f]+: "Postaja zaprta, vstop na S4" on stop S3, until 2026-11-30 18:00\+01:00 — shown on 1 display$/m);
    await waitFor('the banner on the display', () => shown().length === 1);
    assert.equal(shown()[0]!.until, '2026-11-30T18:00:00+01:00', '18:00 in the fleet’s time zone');

    const all = await tabla(['message', 'all', 'Brezplačen prevoz', '--until', '+30m', '--json'], { fleet });
    expectExit(all, 0, 'message all');
    const allBody = JSON.parse(all.stdout);
    assert.equal([allBody.target, allBody.displays], [{ all: true }, 1]);
    assert.match(allBody.until, /^2026-11-30T08:3\d:\d\d\+01:00$/, 'half an hour from the fleet’s now');
    await waitFor('two banners', () => shown().length === 2);

    const list = await tabla(['message', '--list'], { fleet, env: { NO_COLOR: '1' } });
    expectExit(list, 0, 'message --list');
    assert.match(list.stdout, /m-[0-9a-f]+ {2,}all displays {2,}Brezplačen prevoz {2,}2026-11-30 08:3\d/);
    assert.match(list.stdout, /stop S3 {2,}Postaja zaprta, vstop na S4 {2,}2026-11-30 18:00/);
    assert.match(list.stdout, /times in Europe\/Ljubljana/);
    const listed = JSON.parse((await tabla(['messages', '--json'], { fleet })).stdout);
    assert.is(listed.messages.length, 2);

    // Usage errors: exit 2, a clear reason, nothing changed.
    const before = sets.length;
    const usage: [string[], RegExp][] = [
      [['message', 'S3', 'x', '--clear'], /--clear takes a target, not a text[\s\S]*tabla message --clear +every message[\s\S]*tabla message <stopId> --clear/],
      [['message', 'S3', 'x', '--until', '07:00'], /until: 07:00 \(2026-11-30\) has passed: it is 2026-11-30 08:0\d now in Europe\/Ljubljana/],
      [['message', 'S3', 'x', '--until', 'soon'], /cannot read "soon" as a time/],
      [['message', 'S3', 'x', '--until', '2026-12-24'], /is a date: add the time/],
      [['message', 'Postaja zaprta'], /where should "Postaja zaprta" show\?/],
      [['message', '--site', 'town', 'S3', 'x'], /--site town takes the text only/],
      [['message', 'S3', '--clear', '--until', '18:00'], /--until has no meaning with --clear/],
      [['message', 'S3', 'x'.repeat(501)], /501 characters; a banner takes at most 500/],
      [['message', '--list', 'S3'], /--list takes no target/],
    ];
    const runs = await Promise.all(usage.map(([args]) => tabla(args, { fleet })));
    for (const [i, [args, reason]] of usage.entries()) {
      const r = runs[i]!;
      expectExit(r, 2, args.join(' '));
      assert.match(r.stderr, reason, args.join(' '));
      assert.match(r.stderr, /^tabla: /, 'reported as tabla: …');
    }
    const unknown = await tabla(['message', 'NOPE', 'x'], { fleet });
    expectExit(unknown, 1, 'an unknown stop');
    assert.match(unknown.stderr, /tabla: no stop NOPE/);
    assert.is((await tabla(['messages', '--json'], { fleet })).stdout.match(/"id"/g)?.length, 2, 'still the two');
    assert.is(sets.length, before, 'the display was sent nothing');

    // Clearing by target: the stop's banner goes, the one for all stays.
    const clear = await tabla(['message', 'S3', '--clear'], { fleet });
    expectExit(clear, 0, 'message S3 --clear');
    assert.match(clear.stdout, /^cleared 1 message \(m-[0-9a-f]+\) from 1 display$/m);
    await waitFor('one banner left', () => shown().length === 1);
    assert.is(shown()[0]!.text, 'Brezplačen prevoz');
    const none = await tabla(['message', 'S3', '--clear'], { fleet });
    expectExit(none, 0, 'nothing to clear');
    assert.match(none.stdout, /nothing cleared/);

    const site = await tabla(['message', '--site', 'town', 'Obvoz'], { fleet });
    expectExit(site, 0, 'message --site');
    assert.match(site.stdout, /on site town, until cleared — shown on 1 display/);
    await waitFor('two again', () => shown().length === 2);
    const siteId = /^(m-[0-9a-f]+):/.exec(site.stdout)![1]!;
    expectExit(await tabla(['message', '--clear', '--id', siteId], { fleet }), 0, 'clear --id');
    await waitFor('the site banner gone', () => shown().length === 1);
    const everything = await tabla(['message', 'all', '--clear'], { fleet });
    expectExit(everything, 0, 'all --clear');
    await waitFor('no banner', () => shown().length === 0);
    // `tabla message --clear` alone: every banner goes, and it says which.
    expectExit(await tabla(['message', 'all', 'Izredni vozni red'], { fleet }), 0, 'all again');
    await waitFor('one banner', () => shown().length === 1);
    const bare = await tabla(['message', '--clear'], { fleet });
    expectExit(bare, 0, 'message --clear');
    assert.match(bare.stdout, /^cleared 1 message \(m-[0-9a-f]+\) from 1 display$/m);
    await waitFor('no banner again', () => shown().length === 0);
    assert.match((await tabla(['messages'], { fleet })).stdout, /no messages in force/);
  } finally {
    await opened?.endAsync(true);
    await fleet.stop();
  }
});

test.run();
