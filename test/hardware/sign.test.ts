/**
 * The simulated guidance sign (the Alpha driver on an emulated sign's in-memory port) through the
 * sign contract; the planner's table of cases; the picture's font and PNG; createSign from config.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PNG } from 'pngjs';
import { SignHardware, decodeFrameImage, encodeFrameImage } from '../../protocols/index.js';
import { signContract } from '../../hardware/sign/contract.js';
import { planSteps, type KnownSign } from '../../hardware/sign/plan.js';
import { glyph, lit, pictureToPng, renderSign } from '../../hardware/sign/render.js';
import { SimulatedSign, createSign } from '../../hardware/sign/sign.js';
import { quiet } from '../helpers.js';

signContract('simulated sign (driver on an in-memory port)', ({ acks }) => {
  const sign = new SimulatedSign({ acks, log: quiet, ackTimeoutMs: 150, responseTimeoutMs: 150, retryDelayMs: 20 });
  return { sign, emulator: sign.emulator };
});

const plan = suite('sign planner: from what is known to what should be');
const layout = [
  { fileLabel: '1', width: 10 },
  { fileLabel: '2', width: 10 },
];
const configured = (): KnownSign => ({
  memory: [
    { label: 'A', type: 'text', size: 32 },
    { label: '1', type: 'string', size: 10 },
    { label: '2', type: 'string', size: 10 },
  ],
  layout: true,
  strings: new Map([
    ['1', 'x'],
    ['2', ''],
  ]),
  brightness: null,
});
const kinds = (steps: ReturnType<typeof planSteps>) => steps.map((s) => (s.kind === 'string' ? `string ${s.label}` : s.kind));

plan('nothing known: memory, layout, then the rows that are not empty', () => {
  const steps = planSteps({ layout, strings: new Map([['2', '5']]), brightness: 1 }, { memory: null, layout: false, strings: new Map(), brightness: null }, 'A');
  assert.equal(kinds(steps), ['memory', 'layout', 'string 2', 'brightness']);
});
plan('in sync: nothing', () => {
  assert.equal(planSteps({ layout, strings: new Map([['1', 'x']]), brightness: null }, configured(), 'A'), []);
});
plan('one row changed: that STRING only', () => {
  assert.equal(kinds(planSteps({ layout, strings: new Map([['1', 'y']]), brightness: null }, configured(), 'A')), ['string 1']);
});
plan('a wider row: the memory configuration again, and every row', () => {
  const wider = [{ fileLabel: '1', width: 12 }, layout[1]!];
  assert.equal(kinds(planSteps({ layout: wider, strings: new Map([['1', 'x'], ['2', 'z']]), brightness: null }, configured(), 'A')), ['memory', 'layout', 'string 1', 'string 2']);
});
plan('layout not confirmed: the layout, not the memory', () => {
  assert.equal(kinds(planSteps({ layout, strings: new Map([['1', 'x']]), brightness: null }, { ...configured(), layout: false }, 'A')), ['layout']);
});
plan.run();

const picture = suite('sign picture: 5×7 font, 1 bit a LED, PNG');
picture('a line is centred, its LEDs are the font\'s; the bits go into a frame image unchanged', () => {
  const p = renderSign(['1'], 3, 1);
  assert.is(p.width, 17);
  assert.is(p.height, 7);
  // '1' sits in the middle cell (x 6–10); its third column is a full vertical bar.
  for (let y = 0; y < 7; y++) assert.ok(lit(p, 8, y), `LED (8,${y})`);
  const litCount = [...p.bits].reduce((n, b) => n + b.toString(2).split('1').length - 1, 0);
  const fontCount = glyph('1').reduce((n, c) => n + c.toString(2).split('1').length - 1, 0);
  assert.is(litCount, fontCount);
  assert.equal([...decodeFrameImage(encodeFrameImage(p.bits, p.width, p.height))], [...p.bits]);
});
picture('a character outside printable ASCII draws as ?', () => {
  assert.equal(glyph('č'), glyph('?'));
});
picture('the PNG is amber where LEDs are lit and dark elsewhere; a new sign shows nothing', () => {
  const png = PNG.sync.read(pictureToPng(renderSign(['8'], 1, 1)));
  assert.is(png.width, (5 + 2) * 4);
  let amber = 0;
  let dark = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i]! > 200 && png.data[i + 1]! > 100 && png.data[i + 2]! < 50) amber++;
    else if (png.data[i]! < 0x40) dark++;
  }
  const leds = glyph('8').reduce((n, c) => n + c.toString(2).split('1').length - 1, 0);
  assert.is(amber, leds * 5, 'a plus-shaped dot of 5 pixels a lit LED');
  assert.ok(dark > amber);
  assert.equal(new SimulatedSign().render().lines, ['', '']);
});
picture.run();

const config = suite('createSign from the hardware config');
config('alpha and simulated kinds parse with their defaults and make their drivers', () => {
  const alpha = SignHardware.parse({ kind: 'alpha', path: '/dev/ttyUSB0' });
  assert.is(alpha.kind === 'alpha' && alpha.dataBits, 7);
  assert.is(alpha.kind === 'alpha' && alpha.parity, 'even');
  assert.is(createSign(alpha, { log: quiet }).constructor.name, 'AlphaSign');
  const sim = SignHardware.parse({ kind: 'simulated', png: 'sign.png' });
  assert.ok(createSign(sim, { log: quiet, baseDir: '/tmp' }) instanceof SimulatedSign);
  assert.not.ok(SignHardware.safeParse({ kind: 'alpha', path: '/dev/ttyUSB0', address: 0 }).success, 'address 0 is broadcast');
});
config.run();
