/**
 * `tabla preview`: the terminal drawing as a pure function (half blocks and braille, scaled to the
 * width), then against a real fleet with a display that reported its picture over MQTT: `-o`
 * writes the PNG with the same bits, the terminal drawing has the picture's shape, and a device
 * without a picture (or no such device) exits 1 with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { terminalPicture } from '../../fleet/cli/commands/preview.js';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { encodeFrameImage, frameImageHash, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, deviceClient, startFleet, tabla, tmpDir, waitFor } from '../helpers.js';

test('the terminal drawing: half blocks two pixels a cell, braille eight, scaled by a whole factor to the width', () => {
  // 40×20, the left half black.
  const ink = new Uint8Array(40 * 20);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) ink[y * 40 + x] = 1;
  const blocks = terminalPicture(ink, 40, 20, 22, 'blocks').split('\n');
  assert.equal(blocks, ['┌' + '─'.repeat(20) + '┐', ...Array(5).fill('│' + '█'.repeat(10) + ' '.repeat(10) + '│'), '└' + '─'.repeat(20) + '┘']);
  const braille = terminalPicture(ink, 40, 20, 12, 'braille').split('\n');
  assert.equal(braille.slice(1, -1), ['│⣿⣿⣿⣿⣿     │', '│⣿⣿⣿⣿⣿     │', '│⠛⠛⠛⠛⠛     │']);
  // A dot is ink when a quarter of what it covers is: one pixel in four is, one in five is not.
  const sparse = new Uint8Array(4 * 4);
  sparse[0] = 1;
  assert.equal(terminalPicture(sparse, 4, 4, 4, 'blocks').split('\n')[1], '│▀ │');
  const sparser = new Uint8Array(5 * 5);
  sparser[0] = 1;
  assert.equal(terminalPicture(sparser, 5, 5, 3, 'blocks').split('\n')[1], '│ │');
});

/** 800×480: a black bar over the top quarter and a black square (600–759, 320–439). */
function picture(): Uint8Array {
  const bits = new Uint8Array(100 * 480);
  const set = (x: number, y: number) => (bits[y * 100 + (x >> 3)]! |= 0x80 >> (x & 7));
  for (let y = 0; y < 120; y++) for (let x = 0; x < 800; x++) set(x, y);
  for (let y = 320; y < 440; y++) for (let x = 600; x < 760; x++) set(x, y);
  return bits;
}

test('tabla preview: -o writes the PNG bit for bit; in the terminal, the picture’s shape with its summary and age', async () => {
  const fleet = await startFleet({ engines: [displaysEngine({ timetables: new Timetables() })] });
  let opened: MqttClient | null = null;
  let openedOther: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'disp-p', role: 'stop-display', site: 'town', labels: { stop: 'S3' } });
    const text = fleet.registry.provision({ id: 'disp-t', role: 'stop-display', site: 'town', labels: { stop: 'S1' } });
    const client = (opened = await deviceClient(fleet, 'disp-p', secret));
    const other = (openedOther = await deviceClient(fleet, 'disp-t', text.secret));
    const cwd = tmpDir('tabla-preview-');
    const bits = picture();
    const frame = { v: 1, ts: Date.now() - 5_000, kind: 'arrival-board', summary: 'rumena → Stop 5 in 2 min', hash: frameImageHash(bits), image: encodeFrameImage(bits, 800, 480) };
    await client.publishAsync(topic.frame('disp-p'), JSON.stringify(frame), { qos: 1 });
    await other.publishAsync(topic.frame('disp-t'), JSON.stringify({ v: 1, ts: Date.now(), kind: 'arrival-board', summary: 'text only' }), { qos: 1 });
    await waitFor('both frames', async () => (await api(fleet, 'GET', '/api/devices/disp-p/frame')).status === 200 && (await api(fleet, 'GET', '/api/devices/disp-t/frame')).status === 200);

    const [written, drawn, wide, json, none, nobody] = await Promise.all([
      tabla(['preview', 'disp-p', '-o', 'glass.png'], { fleet, cwd }),
      tabla(['preview', 'disp-p', '--width', '82'], { fleet }),
      tabla(['preview', 'disp-p'], { fleet }),
      tabla(['preview', 'disp-p', '--json'], { fleet }),
      tabla(['preview', 'disp-t'], { fleet }),
      tabla(['preview', 'nobody'], { fleet }),
    ]);

    assert.is(written.code, 0, written.stderr);
    assert.match(written.stdout, /^wrote glass\.png\narrival-board: rumena → Stop 5 in 2 min\nframe from \d+s ago, 800×480\n$/);
    const png = PNG.sync.read(fs.readFileSync(path.join(cwd, 'glass.png')));
    assert.equal([png.width, png.height], [800, 480]);
    let differ = 0;
    for (let i = 0; i < 800 * 480; i++) if ((png.data[i * 4] === 0) !== ((bits[Math.floor(i / 800) * 100 + ((i % 800) >> 3)]! & (0x80 >> (i % 8))) !== 0)) differ++;
    assert.is(differ, 0, 'the same bits');
    assert.equal(fs.readdirSync(cwd), ['glass.png'], 'no temp file left');

    // 80 columns inside the box: 10 px a column, 20 px a row of half blocks → 24 rows.
    assert.is(drawn.code, 0, drawn.stderr);
    const lines = drawn.stdout.split('\n');
    const rows = lines.slice(1, 25).map((l) => l.slice(1, -1));
    assert.is(lines[0], '┌' + '─'.repeat(80) + '┐');
    assert.is(lines[25], '└' + '─'.repeat(80) + '┘');
    assert.ok(rows.every((r) => [...r].length === 80));
    for (let r = 0; r < 24; r++) {
      for (let c = 0; c < 80; c++) {
        const want = r < 6 || (r >= 16 && r < 22 && c >= 60 && c < 76) ? '█' : ' ';
        assert.is([...rows[r]!][c], want, `row ${r} column ${c}`);
      }
    }
    assert.match(drawn.stdout, /\narrival-board: rumena → Stop 5 in 2 min\nframe from \d+s ago, 800×480\n$/);

    // No terminal to measure: 100 columns.
    assert.is(wide.code, 0, wide.stderr);
    const widths = wide.stdout.split('\n').filter((l) => l.startsWith('│')).map((l) => [...l].length);
    assert.ok(widths.length > 10 && widths.every((w) => w <= 100 && w > 80), `widths ${[...new Set(widths)]}`);

    assert.equal(JSON.parse(json.stdout).width, 800);
    assert.is(none.code, 1);
    assert.match(none.stderr, /tabla: disp-t has sent no picture; it shows arrival-board: text only/);
    assert.is(nobody.code, 1);
    assert.match(nobody.stderr, /tabla: no device nobody/);
  } finally {
    await opened?.endAsync(true);
    await openedOther?.endAsync(true);
    await fleet.stop();
  }
});

test.run();
