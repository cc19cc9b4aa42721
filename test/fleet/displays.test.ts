/**
 * The displays engine in a real fleet (broker, registry, bus, HTTP, SQLite): stop displays connect
 * with their own credentials and get their timetable extract and their messages at birth; a
 * message reaches the displays of its target only, expires at its `until`, and is cleared by
 * target; a new feed and a new service day bring new extracts; a frame's picture comes back from
 * `frame.png` bit for bit, while device listings carry no picture; hostile pictures are refused,
 * counted, and the fleet runs on.
 */
import { deflateSync } from 'fflate';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import type { FleetService } from '../../fleet/service.js';
import type { ServiceMessages, StopTimetable } from '../../protocols/index.js';
import { Content, decode, decodeContent, encodeFrameImage, frameImageHash, topic } from '../../protocols/index.js';
import { T0, lineFeed } from '../fixtures/eta-line.js';
import { SteppableClock, api, deviceClient, startFleet, waitFor } from '../helpers.js';

type Client = Awaited<ReturnType<typeof deviceClient>>;

interface Display {
  client: Client;
  timetables: StopTimetable[];
  messages: ServiceMessages[];
  refused: string[];
}

/** A fleet at 08:02:30 on the feed's Monday, the line feed as site `town`, the displays engine ticking fast. */
async function townFleet() {
  const clock = new SteppableClock();
  clock.offsetMs = T0 + 150_000 - Date.now();
  const timetables = new Timetables();
  const load = lineFeed();
  timetables.set({ site: 'town', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  const fleet = await startFleet({ clock, engines: [displaysEngine({ timetables, tickMs: 50 })] });
  return { clock, fleet, timetables };
}

/** Provisions a stop display, connects it as the device, listens to its content, then announces its birth. */
async function display(fleet: FleetService, id: string, labels: Record<string, string>, site = 'town'): Promise<Display> {
  const { secret } = fleet.registry.provision({ id, role: 'stop-display', site, labels });
  const client = await deviceClient(fleet, id, secret);
  const d: Display = { client, timetables: [], messages: [], refused: [] };
  client.on('message', (_t, payload) => {
    const m = decode(Content, payload.toString());
    if (!m.ok) return void d.refused.push(m.reason);
    const body = decodeContent(m.value.kind, m.value.body);
    if (!body.ok) return void d.refused.push(body.reason);
    if (m.value.kind === 'stop-timetable') d.timetables.push(body.value as StopTimetable);
    if (m.value.kind === 'service-messages') d.messages.push(body.value as ServiceMessages);
  });
  await client.subscribeAsync(topic.content(id), { qos: 1 });
  await birth(fleet, client, id);
  return d;
}

let epoch = 1;
async function birth(fleet: FleetService, client: Client, id: string) {
  const b = { v: 1, epoch: epoch++, ts: fleet.clock.now(), role: 'stop-display', versions: { agent: 'test' }, heartbeatS: 30, configVersion: 0 };
  await client.publishAsync(topic.birth(id), JSON.stringify(b), { qos: 1 });
}

const texts = (d: Display) => d.messages.at(-1)?.messages.map((m) => m.text);

test('a display at birth gets its extract and its messages; messages reach their targets, expire, and clear by target', async () => {
  const { clock, fleet } = await townFleet();
  const clients: Client[] = [];
  try {
    const d3 = await display(fleet, 'disp-3', { stop: 'S3' });
    const d1 = await display(fleet, 'disp-1', { stop: 'S1' });
    clients.push(d3.client, d1.client);

    const t = await waitFor('the extract of S3', () => d3.timetables[0]);
    assert.equal([t.stopId, t.stop, t.timeZone], ['S3', 'Stop 3', 'Europe/Ljubljana']);
    assert.equal(t.days.map((d) => [d.date, d.served, d.departures.length]), [
      ['2026-11-30', true, 3],
      ['2026-12-01', true, 3],
      ['2026-12-02', true, 3],
    ]);
    assert.equal(t.days[0]!.departures[0], [Date.parse('2026-11-30T08:04:00+01:00') / 1000, 0, 0]);
    assert.equal(await waitFor('an empty set of messages', () => d3.messages[0]), { messages: [] });
    assert.is((await waitFor('S1 extract', () => d1.timetables[0])).stopId, 'S1');

    // A message for S3 until 18:00 (the fleet's time zone): only disp-3 hears of it.
    const put = await api(fleet, 'POST', '/api/messages', { target: { stop: 'S3' }, text: 'Postaja zaprta, vstop na S4', until: '18:00' });
    assert.is(put.status, 201, JSON.stringify(put.body));
    assert.equal([put.body.displays, put.body.until, put.body.timeZone], [1, '2026-11-30T18:00:00+01:00', 'Europe/Ljubljana']);
    await waitFor('the banner on disp-3', () => texts(d3)?.length === 1);
    assert.equal(d3.messages.at(-1)!.messages, [{ id: put.body.id, text: 'Postaja zaprta, vstop na S4', until: '2026-11-30T18:00:00+01:00' }]);

    // One for every display, for two minutes: both get their whole set, newest first.
    const all = await api(fleet, 'POST', '/api/messages', { target: { all: true }, text: 'Brezplačen prevoz', until: '+2m', by: 'dispečer' });
    assert.is(all.body.displays, 2);
    await waitFor('both banners on disp-3', () => texts(d3)?.length === 2);
    assert.equal(texts(d3), ['Brezplačen prevoz', 'Postaja zaprta, vstop na S4']);
    await waitFor('the all-banner on disp-1', () => texts(d1)?.length === 1);
    assert.equal(texts(d1), ['Brezplačen prevoz']);

    const listed = (await api(fleet, 'GET', '/api/messages')).body;
    assert.equal(listed.messages.map((m: { id: string; displays: number; createdBy: string | null }) => [m.id, m.displays, m.createdBy]), [
      [all.body.id, 2, 'dispečer'],
      [put.body.id, 1, null],
    ]);

    // A display that comes back is sent its whole current set.
    const before = d1.messages.length;
    await birth(fleet, d1.client, 'disp-1');
    await waitFor('the set again at birth', () => d1.messages.length > before);
    assert.equal(texts(d1), ['Brezplačen prevoz']);

    // Past its until, the all-banner goes from both, with no one asking.
    clock.step(2 * 60_000 + 1_000);
    await waitFor('disp-1 cleared by expiry', () => texts(d1)?.length === 0);
    await waitFor('disp-3 down to its own', () => texts(d3)?.length === 1);
    assert.equal(texts(d3), ['Postaja zaprta, vstop na S4']);
    assert.is((await api(fleet, 'GET', '/api/messages')).body.messages.length, 1);

    // Refused: a past time, an empty text, a stop nothing knows, a DELETE without a target.
    const past = await api(fleet, 'POST', '/api/messages', { target: { stop: 'S3' }, text: 'x', until: '07:00' });
    assert.is(past.status, 400);
    assert.match(past.body.error, /until: 07:00 \(2026-11-30\) has passed/);
    assert.is((await api(fleet, 'POST', '/api/messages', { target: { stop: 'S3' }, text: '   ' })).status, 400);
    const nowhere = await api(fleet, 'POST', '/api/messages', { target: { stop: 'NOPE' }, text: 'x' });
    assert.is(nowhere.status, 404);
    assert.match(nowhere.body.error, /no stop NOPE/);
    assert.is((await api(fleet, 'DELETE', '/api/messages')).status, 400, 'nothing is cleared without saying what');
    assert.is((await api(fleet, 'GET', '/api/messages')).body.messages.length, 1);

    // A site's message reaches the site's displays; clearing the stop's leaves it.
    const site = await api(fleet, 'POST', '/api/messages', { target: { site: 'town' }, text: 'Obvoz', until: '2026-11-30T20:00:00+01:00' });
    assert.is(site.body.displays, 2);
    await waitFor('site banner', () => texts(d1)?.length === 1 && texts(d3)?.length === 2);
    const cleared = await api(fleet, 'DELETE', '/api/messages?stop=S3');
    assert.equal(cleared.body, { removed: [put.body.id], displays: 1 });
    await waitFor('S3 banner gone', () => texts(d3)?.length === 1);
    assert.equal(texts(d3), ['Obvoz']);
    assert.equal((await api(fleet, 'DELETE', `/api/messages/${site.body.id}`)).body, { removed: [site.body.id], displays: 2 });
    await waitFor('all gone', () => texts(d1)?.length === 0 && texts(d3)?.length === 0);
    assert.is((await api(fleet, 'DELETE', `/api/messages/${site.body.id}`)).status, 404);
    assert.equal(d3.refused, [], 'every content the fleet sent passed the device-side schema');
    assert.match(fleet.metrics.render(), /tabla_displays_messages 0/);
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
});

test('a new feed and a new service day bring new extracts; messages survive a restart', async () => {
  const { clock, fleet, timetables } = await townFleet();
  const clients: Client[] = [];
  try {
    const d3 = await display(fleet, 'disp-3', { stop: 'S3' });
    clients.push(d3.client);
    await waitFor('first extract', () => d3.timetables[0]);

    // A feed with Saturday and Sunday off: sent without a birth.
    const weekdays = lineFeed({
      'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nW,1,1,1,1,1,0,0,20260101,20271231\n',
    });
    timetables.set({ site: 'town', feed: weekdays.feed, load: weekdays, source: 'weekdays', loadedAt: clock.now() });
    await waitFor('a second extract', () => d3.timetables[1]);
    assert.equal(d3.timetables[1]!.days[0]!.date, '2026-11-30');

    // Friday evening, then past midnight: Saturday's extract starts with a day without service.
    clock.step(Date.parse('2026-12-04T23:59:50+01:00') - clock.now());
    await new Promise((r) => setTimeout(r, 200));
    const count = d3.timetables.length;
    clock.step(15_000);
    const sat = await waitFor('the new day’s extract', () => d3.timetables[count]);
    assert.equal(sat.days.map((d) => [d.date, d.served]), [
      ['2026-12-05', false],
      ['2026-12-06', false],
      ['2026-12-07', true],
    ]);
    await new Promise((r) => setTimeout(r, 200));
    assert.is(d3.timetables.length, count + 1, 'sent once for the new day, not at every tick');

    const put = await api(fleet, 'POST', '/api/messages', { target: { stop: 'S3' }, text: 'Zimski vozni red' });
    assert.is(put.status, 201);
    assert.is(put.body.until, null);
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
  // The same data directory: the message is still in force, and the display gets it at birth.
  const again = await startFleet({ dataDir: fleet.options.dataDir, clock, engines: [displaysEngine({ timetables, tickMs: 50 })] });
  try {
    assert.equal((await api(again, 'GET', '/api/messages')).body.messages.map((m: { text: string }) => m.text), ['Zimski vozni red']);
    const secret = (await api(again, 'POST', '/api/devices/disp-3/credentials')).body.secret as string;
    const client = await deviceClient(again, 'disp-3', secret);
    clients.push(client);
    const got: ServiceMessages[] = [];
    client.on('message', (_t, p) => {
      const m = decode(Content, p.toString());
      if (m.ok && m.value.kind === 'service-messages') got.push(m.value.body as ServiceMessages);
    });
    await client.subscribeAsync(topic.content('disp-3'), { qos: 1 });
    await birth(again, client, 'disp-3');
    assert.equal((await waitFor('messages at birth', () => got[0])).messages.map((m) => m.text), ['Zimski vozni red']);
    await client.endAsync(true);
  } finally {
    await again.stop();
  }
});

/** An 800×480 picture: a black bar across the top quarter, a black square in the bottom right, a dotted line. */
function testPicture(w = 800, h = 480): Uint8Array {
  const stride = Math.ceil(w / 8);
  const bits = new Uint8Array(stride * h);
  const set = (x: number, y: number) => (bits[y * stride + (x >> 3)]! |= 0x80 >> (x & 7));
  for (let y = 0; y < h / 4; y++) for (let x = 0; x < w; x++) set(x, y);
  for (let y = h - 160; y < h - 40; y++) for (let x = w - 200; x < w - 40; x++) set(x, y);
  for (let x = 0; x < w; x += 3) set(x, h / 2);
  return bits;
}

test('a frame with its picture: frame.png gives the same bits, listings carry no picture; hostile pictures are refused and counted', async () => {
  const { fleet } = await townFleet();
  const clients: Client[] = [];
  try {
    const d3 = await display(fleet, 'disp-3', { stop: 'S3' });
    clients.push(d3.client);
    const frame = (summary: string, image?: object, hash?: string, ts = fleet.clock.now()) =>
      d3.client.publishAsync(topic.frame('disp-3'), JSON.stringify({ v: 1, ts, kind: 'arrival-board', summary, ...(hash ? { hash } : {}), ...(image ? { image } : {}) }), { qos: 1 });

    assert.is((await api(fleet, 'GET', '/api/devices/disp-3/frame.png')).status, 404);
    assert.match((await api(fleet, 'GET', '/api/devices/nobody/frame.png')).body.error, /no device nobody/);

    const bits = testPicture();
    const image = encodeFrameImage(bits, 800, 480);
    await frame('rumena → Stop 5 08:04', image, frameImageHash(bits));
    const info = await waitFor('the frame', async () => {
      const r = await api(fleet, 'GET', '/api/devices/disp-3/frame');
      return r.status === 200 && r.body;
    });
    assert.equal([info.kind, info.summary, info.width, info.height, info.imageError, info.image], ['arrival-board', 'rumena → Stop 5 08:04', 800, 480, null, '/api/devices/disp-3/frame.png']);

    const res = await fetch(`${fleet.httpUrl}/api/devices/disp-3/frame.png`, { headers: { authorization: `Bearer ${fleet.local.adminToken}` } });
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    assert.equal([png.width, png.height], [800, 480]);
    let differ = 0;
    for (let y = 0; y < 480; y++) {
      for (let x = 0; x < 800; x++) {
        const ink = (bits[y * 100 + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
        const px = png.data[(y * 800 + x) * 4]!;
        if (px !== (ink ? 0 : 255)) differ++;
      }
    }
    assert.is(differ, 0, 'black ink on white paper, every pixel as sent');

    // The registry keeps what the frame says, not its picture.
    const detail = (await api(fleet, 'GET', '/api/devices/disp-3')).body;
    assert.equal(detail.frame.summary, 'rumena → Stop 5 08:04');
    assert.is(detail.frame.image, undefined);
    assert.not.match(JSON.stringify((await api(fleet, 'GET', '/api/devices')).body), /1bpp-deflate/);

    // Hostile pictures: each refused with its reason; the last good picture's text is replaced, the fleet runs on.
    const hostile: [string, object, RegExp][] = [
      ['bad base64', { ...image, data: '***' + image.data.slice(3) }, /not base64/],
      ['too big for its size', { ...image, height: 240 }, /inflates past the 24000 bytes of a 800×240 picture/],
      ['too small for its size', { ...image, height: 960 }, /has 48000 bytes; a 800×960 picture has 96000/],
      ['deflate bomb', { ...image, data: Buffer.from(deflateSync(new Uint8Array(50_000_000))).toString('base64') }, /inflates past the 48000 bytes/],
    ];
    for (const [what, img, reason] of hostile) {
      await frame(what, img);
      const r = await waitFor(what, async () => {
        const x = (await api(fleet, 'GET', '/api/devices/disp-3/frame')).body;
        return x.summary === what && x;
      });
      assert.match(r.imageError, reason, what);
      assert.is(r.image, null);
      const png404 = await api(fleet, 'GET', '/api/devices/disp-3/frame.png');
      assert.is(png404.status, 404);
      assert.match(png404.body.error, /last picture was refused/);
    }
    assert.match(fleet.metrics.render(), /tabla_displays_frames_total\{outcome="refused"\} 4/);

    // A frame older than the one kept (a redelivery) does not replace it; a text-only frame has no picture.
    await frame('late', image, frameImageHash(bits), 1);
    await frame('text only');
    await waitFor('text-only frame', async () => (await api(fleet, 'GET', '/api/devices/disp-3/frame')).body.summary === 'text only');
    const textOnly = await api(fleet, 'GET', '/api/devices/disp-3/frame.png');
    assert.is(textOnly.status, 404);
    assert.match(textOnly.body.error, /has no picture/);
    assert.ok(fleet.mqttConnected, 'the fleet runs on');
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
});

test.run();
