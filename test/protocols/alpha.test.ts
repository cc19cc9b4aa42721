/**
 * The Alpha (M-Protocol) codec: the checksum and packet golden vector from REFERENCES.md, the
 * commands a guidance sign needs, the streaming reader (chunks split anywhere, resync after
 * garbage, malformed packets refused with a counted reason), and transliteration for a 7-bit sign.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AlphaParser,
  brightnessCommand,
  brightnessLevel,
  commandChecksum,
  encodePacket,
  layoutText,
  latin1,
  memoryConfigCommand,
  packet,
  parseMemoryConfig,
  parseResponse,
  transliterate,
  writeStringCommand,
  writeTextCommand,
  type AlphaEvent,
} from '../../protocols/alpha/index.js';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
const GOLDEN = '00 00 00 00 00 01 5A 30 30 02 41 41 48 45 4C 4C 4F 03 30 31 46 42 04';
const bytesOf = (h: string) => Uint8Array.from(h.split(' ').map((x) => parseInt(x, 16)));

const frame = suite('alpha packets: checksum and the golden vector');
frame('STX "AAHELLO" ETX sums to 01FB; the whole packet is byte for byte the reference one', () => {
  assert.is(commandChecksum({ code: 'A', data: Uint8Array.from(Buffer.from('AHELLO')) }), '01FB');
  assert.is(hex(encodePacket(packet('00', 'A', 'AHELLO'))), GOLDEN);
});
frame('the checksum is 16 bits, upper-case hex, four digits', () => {
  assert.is(commandChecksum({ code: 'G', data: new Uint8Array() }), (0x02 + 0x47 + 0x03).toString(16).toUpperCase().padStart(4, '0'));
  const big = new Uint8Array(700).fill(0x7e); // 700 × 0x7E overflows 16 bits
  assert.is(commandChecksum({ code: 'A', data: big }), ((0x02 + 0x41 + 700 * 0x7e + 0x03) & 0xffff).toString(16).toUpperCase().padStart(4, '0'));
});
frame('malformed packets are refused before encoding, naming the fault', () => {
  assert.throws(() => encodePacket(packet('0G', 'A', 'A')), /address/);
  assert.throws(() => encodePacket(packet('01', 'AB', 'A')), /command code/);
  assert.throws(() => encodePacket(packet('01', 'A', Uint8Array.of(0x41, 0x03))), /framing byte 0x03/);
  assert.throws(() => encodePacket({ typeCode: 'Z', address: '01', commands: [] }), /no command/);
});
frame.run();

const commands = suite('alpha commands for a guidance sign');
commands('memory configuration: label, type, protection, size in hex, times; and back', () => {
  const cmd = memoryConfigCommand([
    { label: 'A', type: 'text', size: 32 },
    { label: '1', type: 'string', size: 16 },
  ]);
  assert.is(cmd.code, 'E');
  assert.is(latin1(cmd.data), '$AAU0020FF001BU00100000');
  assert.equal(parseMemoryConfig(cmd.data), { files: [{ label: 'A', type: 'text', size: 32 }, { label: '1', type: 'string', size: 16 }] });
  assert.ok('error' in parseMemoryConfig(Uint8Array.from(Buffer.from('$AAU00'))));
  assert.throws(() => memoryConfigCommand([{ label: '1', type: 'string', size: 126 }]), /125/);
  assert.throws(() => memoryConfigCommand([{ label: '0', type: 'text', size: 10 }]), /label/);
  assert.throws(() => memoryConfigCommand([{ label: '1', type: 'string', size: 5 }, { label: '1', type: 'string', size: 5 }]), /twice/);
});
commands('the layout calls one STRING a row: ESC position hold, 0x10 label, CR between rows', () => {
  assert.is(hex(layoutText(['1'])), '1B 20 62 10 31');
  assert.is(hex(layoutText(['1', '2'])), '1B 30 62 10 31 0D 10 32');
  assert.is(hex(writeTextCommand('A', layoutText(['1'])).data), '41 1B 20 62 10 31');
});
commands('write STRING takes printable ASCII only, at most 125 characters', () => {
  assert.is(latin1(writeStringCommand('1', 'Glazija 12').data), '1Glazija 12');
  assert.throws(() => writeStringCommand('1', 'a\x10b'), /not printable/);
  assert.throws(() => writeStringCommand('1', 'č'), /printable|transliterate/);
  assert.throws(() => writeStringCommand('1', 'x'.repeat(126)), /125/);
});
commands('brightness: nearest of 100/86/72/58/44 %, special function "/"', () => {
  assert.equal([100, 90, 70, 55, 0].map(brightnessLevel), [0, 1, 2, 3, 4]);
  assert.is(latin1(brightnessCommand(3).data), '/0003');
  assert.throws(() => brightnessLevel(101));
});
commands('responses decode to what they say', () => {
  assert.equal(parseResponse({ code: 'G', data: Uint8Array.from(Buffer.from('1abc')) }), { kind: 'string', label: '1', text: 'abc' });
  assert.equal(parseResponse({ code: 'E', data: Uint8Array.from(Buffer.from('$1BU00100000')) }), { kind: 'memory', files: [{ label: '1', type: 'string', size: 16 }] });
  assert.ok(parseResponse({ code: 'G', data: new Uint8Array() }) !== null);
  assert.is(parseResponse({ code: 'E', data: Uint8Array.from(Buffer.from('/0001')) }), null);
});
commands.run();

const parser = suite('alpha stream reader');
const packets = (events: AlphaEvent[]) => events.filter((e) => e.kind === 'packet');
const reasons = (events: AlphaEvent[]) => events.flatMap((e) => (e.kind === 'rejected' ? [e.reason] : []));

parser('the golden packet, one byte at a time and in every two-chunk split, reads the same', () => {
  const bytes = bytesOf(GOLDEN);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new AlphaParser();
    const events = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))];
    const got = packets(events);
    assert.is(got.length, 1, `split at ${cut}`);
    const pk = got[0]!.kind === 'packet' ? got[0]!.packet : null;
    assert.equal({ t: pk!.typeCode, a: pk!.address, c: pk!.commands[0]!.code, d: latin1(pk!.commands[0]!.data) }, { t: 'Z', a: '00', c: 'A', d: 'AHELLO' });
  }
  const p = new AlphaParser();
  const one = [...bytes].flatMap((b) => p.push(Uint8Array.of(b)));
  assert.is(packets(one).length, 1);
});
parser('garbage before, between and inside: counted, skipped, the next good packet still reads', () => {
  const p = new AlphaParser();
  const good = encodePacket(packet('01', 'G', '1Glazija 5'));
  const garbage = Uint8Array.from([0xff, 0x41, 0x42, 0x80, 0x7f, 0x13]);
  const truncated = good.subarray(0, 14);
  const events = p.push(Uint8Array.from([...garbage, ...good, ...garbage, ...truncated, ...good]));
  assert.is(packets(events).length, 2);
  assert.equal(reasons(events), ['truncated']);
  assert.is(p.stats().noiseBytes, garbage.length * 2);
  assert.equal(p.stats().rejected, { truncated: 1 });
});
parser('a bad checksum, a bad header, a bad trailer, an overlong command: refused with the reason, counted', () => {
  const p = new AlphaParser({ maxData: 20 });
  const good = encodePacket(packet('01', 'G', '1abc'));
  const badSum = Uint8Array.from(good);
  badSum[badSum.length - 2] = badSum[badSum.length - 2] === 0x30 ? 0x31 : 0x30;
  const badAddress = Uint8Array.from(good);
  badAddress[7] = 0x67; // 'g'
  const badTrailer = Uint8Array.from(good);
  badTrailer[badTrailer.length - 1] = 0x41;
  const long = encodePacket(packet('01', 'G', '1' + 'x'.repeat(30)));
  const events = p.push(Uint8Array.from([...badSum, ...badAddress, ...badTrailer, ...long, ...good]));
  assert.equal(reasons(events), ['checksum', 'header', 'trailer', 'overlong']);
  assert.is(packets(events).length, 1, 'the good one after them all');
  const detail = events.find((e) => e.kind === 'rejected' && e.reason === 'checksum');
  assert.match(detail && 'detail' in detail ? detail.detail : '', /sum to/);
  assert.equal(p.stats().rejected, { checksum: 1, header: 1, trailer: 1, overlong: 1 });
});
parser('ACK and NAK with their status byte; a packet without checksum (optional in the spec); nested commands', () => {
  const p = new AlphaParser();
  const events = p.push(Uint8Array.of(0x06, 0x40, 0x15, 0x60));
  assert.equal(events.map((e) => e.kind), ['ack', 'status', 'nak', 'status']);
  assert.equal(events[3], { kind: 'status', of: 'nak', status: 0x60 });
  const unchecked = p.push(Uint8Array.from([0, 0, 0, 0, 0, 0x01, 0x5a, 0x30, 0x31, 0x02, 0x47, 0x31, 0x41, 0x04]));
  const got = packets(unchecked)[0];
  assert.ok(got && got.kind === 'packet' && got.checked[0] === false && latin1(got.packet.commands[0]!.data) === '1A');
  const two = encodePacket({ typeCode: 'Z', address: '01', commands: [{ code: 'G', data: Uint8Array.from(Buffer.from('1a')) }, { code: 'G', data: Uint8Array.from(Buffer.from('2b')) }] });
  const nested = packets(p.push(two))[0];
  assert.ok(nested && nested.kind === 'packet' && nested.packet.commands.length === 2 && nested.checked.every(Boolean));
});
parser('a link cut mid-packet drops it as `cut`', () => {
  const p = new AlphaParser();
  p.push(encodePacket(packet('01', 'G', '1abc')).subarray(0, 12));
  assert.is(p.inPacket, true);
  assert.equal(reasons(p.cut()), ['cut']);
  assert.equal(p.cut(), []);
});
parser.run();

const translit = suite('transliteration for a 7-bit sign');
translit('č š ž ć đ and capitals; Đ is DJ inside an upper-case word', () => {
  assert.equal(transliterate('Aškerčeva 14, Žalec, Ćirić, Đurđevac'), { text: 'Askerceva 14, Zalec, Ciric, Djurdjevac', replaced: 7, unknown: 0 });
  assert.is(transliterate('ČŠŽĆ ĐURO').text, 'CSZC DJURO');
  assert.is(transliterate('Glazija').replaced, 0);
});
translit('other accents to the base letter; no plain form: ?; control characters (which the sign would obey): spaces', () => {
  assert.is(transliterate('Müller café').text, 'Muller cafe');
  const t = transliterate('P \u2192 12\x10A\x1b');
  assert.is(t.text, 'P ? 12 A ');
  assert.is(t.unknown, 3);
});
translit.run();
