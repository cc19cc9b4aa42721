/**
 * The NMEA framer: a serial byte stream cut into lines whatever the chunking, binary protocols
 * between sentences skipped and counted, overlong lines dropped with bounded memory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NmeaFramer, nmeaChecksum } from '../../protocols/index.js';

const s = (body: string) => `$${body}*${nmeaChecksum(body)}`;
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

const GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47';
const GSA = '$GPGSA,A,3,32,14,31,10,22,,,,,,,,3.2,1.8,2.7*38';
const VTG = '$GPVTG,156.6,T,,M,000.0,N,000.0,K,A*09';
/** SiRF binary (A0 A2, length, payload, checksum, B0 B3) holding a `$` and a LF; a UBX poll (B5 62 …). */
const SIRF = [0xa0, 0xa2, 0x00, 0x07, 0x29, 0x24, 0x47, 0x00, 0x0a, 0x00, 0xff, 0x01, 0x7b, 0xb0, 0xb3];
const UBX = [0xb5, 0x62, 0x06, 0x08, 0x00, 0x00, 0x0e, 0x30];

function frame(chunks: (Uint8Array | string)[]): { lines: string[]; noise: number; overlong: number } {
  const f = new NmeaFramer();
  const lines = chunks.flatMap((c) => f.push(c));
  lines.push(...f.flush());
  return { lines, noise: f.noiseBytes, overlong: f.overlong };
}

test('lines split on LF, CR optional; CR/LF not kept', () => {
  assert.equal(frame([`${GGA}\r\n${GSA}\n${VTG}\r\n`]).lines, [GGA, GSA, VTG]);
  assert.equal(frame([`${GGA}\r${GSA}\r`]).lines, [GGA, GSA], 'a lone CR ends a line too');
  assert.equal(frame([`${GGA}\r\n\r\n\n${GSA}\r\n`]), { lines: [GGA, GSA], noise: 0, overlong: 0 }, 'blank lines are not noise');
  assert.equal(frame([GGA]).lines, [GGA], 'flush gives the last line without a line end');
});

test('split at every byte offset, and byte by byte, with binary noise between sentences: the same lines, the same noise', () => {
  const stream = bytes(GGA, '\r\n', SIRF, GSA, '\r\n', UBX, 'garbage text\r\n', VTG, '\r\n');
  const whole = frame([stream]);
  assert.equal(whole.lines, [GGA, GSA, VTG]);
  // Every byte but the SiRF packet's LF, which is a line end wherever it comes from.
  assert.is(whole.noise, SIRF.length - 1 + UBX.length + 'garbage text'.length);
  for (let i = 0; i <= stream.length; i++) {
    assert.equal(frame([stream.subarray(0, i), stream.subarray(i)]), whole, `split at ${i}`);
  }
  for (let i = 0; i < stream.length; i += 7) {
    for (let j = i; j <= stream.length; j += 11) {
      assert.equal(frame([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]), whole, `split at ${i} and ${j}`);
    }
  }
  assert.equal(frame([...stream].map((b) => Uint8Array.of(b))), whole, 'byte by byte');
  assert.equal(frame([Buffer.from(stream).toString('latin1')]), whole, 'the same as a string');
});

test('binary inside a line drops the line; a $ inside a line starts a new one', () => {
  // A SiRF packet's `$` starts a "line" that its next binary byte ends: nothing comes out.
  assert.equal(frame([bytes([0xa0, 0xa2, 0x24, 0x41, 0x42, 0x00, 0x43, 0x0a], GGA, '\r\n')]), { lines: [GGA], noise: 7, overlong: 0 });
  // Binary that happens to read `$GP` LF is a line: the parser, not the framer, refuses it.
  assert.equal(frame([bytes([0xa0, 0xa2, 0x24, 0x47, 0x50, 0x0a, 0xb0, 0xb3])]), { lines: ['$GP'], noise: 4, overlong: 0 });
  // A sentence cut off mid-way (receiver reset) and the next one: only the whole one.
  assert.equal(frame([`$GPGGA,12351${GSA}\r\n`]), { lines: [GSA], noise: '$GPGGA,12351'.length, overlong: 0 });
  // Characters above 0xFF in a string are not bytes of NMEA.
  assert.equal(frame([`${GGA}\r\n€${GSA}\r\n`]), { lines: [GGA, GSA], noise: 1, overlong: 0 });
  assert.equal(frame([`$GP€GA\r\n${GSA}\r\n`]), { lines: [GSA], noise: 6, overlong: 0 }, "the cut line, the character and what follows it");
});

test('a line over the limit (120 characters: 82 + slack for real receivers) is dropped and counted; the buffer stays bounded', () => {
  const rtk = '$GPGGA,132823.30,4134.49925615,N,09345.03415818,W,2,09,1.0,278.845,M,-31.442,M,10.2,0133*40';
  assert.ok(rtk.length > 82);
  const long = s(`GPTXT,${'x'.repeat(150)}`);
  assert.equal(frame([`${rtk}\r\n${long}\r\n${GGA}\r\n`]), { lines: [rtk, GGA], noise: 0, overlong: 1 });
  const exactly = s(`GPTXT,${'y'.repeat(120 - 10)}`);
  assert.is(exactly.length, 120);
  assert.equal(frame([`${exactly}\r\n`]).lines, [exactly], '120 is allowed');
  assert.equal(frame([`${exactly}z\r\n`]).overlong, 1, '121 is not');
  // A megabyte without a line end, then a sentence: one overlong line, and the sentence.
  const f = new NmeaFramer();
  for (let i = 0; i < 1024; i++) assert.equal(f.push(i === 0 ? `$${'A'.repeat(1023)}` : 'A'.repeat(1024)), []);
  assert.equal(f.push(`\r\n${GGA}\r\n`), [GGA]);
  assert.is(f.overlong, 1);
  // A `$` inside an overlong line resynchronises on it.
  assert.equal(frame([`$${'B'.repeat(300)}${GSA}\r\n`]), { lines: [GSA], noise: 0, overlong: 1 });
  const short = new NmeaFramer({ maxLineLength: 82 });
  assert.equal(short.push(`${rtk}\r\n${GGA}\r\n`), [GGA]);
  assert.is(short.overlong, 1);
});

test.run();
