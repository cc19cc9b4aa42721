/**
 * [9] Alpha (M-Protocol) frames of a parking guidance panel: building and parsing the packets a
 * panel actually exchanges with its LED sign, against a raw copy of the same bytes, in the same run.
 *
 * One "frame" is one update of a three-row panel (Celje's garages), as the sign driver
 * (hardware/sign/alpha.ts) and the sign (hardware/sign/emulator.ts) do it, one packet a row:
 *   host   transliterate(text) → writeStringCommand(label, text) → encodePacket (type Z, address 01)
 *   sign   AlphaParser.push(packet) → the packet event (its checksum checked); ACK + status byte back
 *   host   AlphaParser.push(ACK, status) → the ack and status events
 * The row texts are the panel's (device/modules/panel/rows.ts: arrow, name, value right-aligned,
 * 20 characters), their counts changing from frame to frame, one in three rows `ZASEDENO`.
 *
 * Raw baseline, defined: for each packet of the same frames, its bytes (made beforehand) copied with
 * Uint8Array.set into a preallocated buffer (the build side), then that buffer scanned with
 * indexOf for its SOH and EOT (the parse side: finding a packet without reading it); and the
 * same for the two ACK bytes. `alpha_ratio` = Alpha frames/s ÷ raw frames/s (info: it says what
 * the codec costs over touching the bytes once; the line itself, 9600 baud, is far slower still).
 */
import {
  ACK,
  AlphaParser,
  EOT,
  SOH,
  STATUS,
  encodePacket,
  transliterate,
  writeStringCommand,
  type AlphaEvent,
} from '../../protocols/alpha/index.js';
import { median } from './util.js';

export interface AlphaBenchResult {
  /** Rows (packets) a frame, and bytes a frame on the line (packets + ACKs). */
  rowsPerFrame: number;
  packetBytes: number;
  bytesPerFrame: number;
  framesPerRep: number;
  reps: number;
  alphaFramesPerS: number;
  rawFramesPerS: number;
  ratio: number;
  /** µs a frame, Alpha and raw (medians). */
  alphaUsPerFrame: number;
  rawUsPerFrame: number;
  /** The same frame on a real sign's line at 9600 baud, 7E1 (10 bits a byte), ms. */
  lineMsPerFrame: number;
  samples: { alpha: number[]; raw: number[] };
  problems: string[];
}

const ROWS = [
  { label: '1', arrow: '<', name: 'GLAZIJA' },
  { label: '2', arrow: '^', name: 'CELEIAPARK' },
  { label: '3', arrow: '>', name: 'KOCBEKOVA' },
] as const;
const WIDTH = 20;
const ADDRESS = '01';
const ACK_BYTES = Uint8Array.of(ACK, STATUS.ALWAYS);
const RAW_ROUNDS = 10;

/** Row `r` of frame `f`: `< GLAZIJA   ZASEDENO`, `^ CELEIAPARK    123`, `KOCBEKOVA      57 >`. */
function rowText(r: number, f: number): string {
  const row = ROWS[r]!;
  const value = (f + r) % 3 === 0 ? 'ZASEDENO' : String((f * 7 + r * 131) % 420);
  const lead = row.arrow === '>' ? '' : `${row.arrow} `;
  const trail = row.arrow === '>' ? ` ${row.arrow}` : '';
  const pad = WIDTH - lead.length - row.name.length - value.length - trail.length;
  return `${lead}${row.name}${' '.repeat(Math.max(1, pad))}${value}${trail}`;
}

/** The texts of `n` frames (made beforehand: text layout is the panel module's, not the codec's). */
function frameTexts(n: number): string[][] {
  return Array.from({ length: n }, (_, f) => ROWS.map((_, r) => rowText(r, f)));
}

/** Builds and parses every frame as driver and sign do; returns how many events the parsers gave (a sink). */
function alphaPass(frames: string[][], host: AlphaParser, sign: AlphaParser): number {
  let events = 0;
  for (const texts of frames) {
    for (let r = 0; r < texts.length; r++) {
      const wire = transliterate(texts[r]!).text;
      const packet = encodePacket({ typeCode: 'Z', address: ADDRESS, commands: [writeStringCommand(ROWS[r]!.label, wire)] });
      events += sign.push(packet).length;
      events += host.push(Uint8Array.of(ACK, STATUS.ALWAYS)).length;
    }
  }
  return events;
}

/** The same bytes copied into a preallocated buffer and scanned for their framing; returns a sink. */
function rawPass(packets: Uint8Array[], line: Buffer): number {
  let found = 0;
  for (const bytes of packets) {
    line.set(bytes, 0);
    const start = line.indexOf(SOH, 0);
    found += line.indexOf(EOT, start) - start;
    line.set(ACK_BYTES, bytes.length);
    found += line.indexOf(ACK, bytes.length);
  }
  return found;
}

/** One frame built and parsed, checked: the sign reads each row's text back, the host its ACKs. */
function check(frames: string[][]): { problems: string[]; packets: Uint8Array[] } {
  const problems: string[] = [];
  const packets: Uint8Array[] = [];
  const sign = new AlphaParser();
  const host = new AlphaParser();
  for (const [f, texts] of frames.entries()) {
    texts.forEach((text, r) => {
      const packet = encodePacket({ typeCode: 'Z', address: ADDRESS, commands: [writeStringCommand(ROWS[r]!.label, transliterate(text).text)] });
      packets.push(packet);
      const got: AlphaEvent[] = sign.push(packet);
      const p = got[0];
      const data = p?.kind === 'packet' ? p.packet.commands[0]?.data : undefined;
      if (got.length !== 1 || p?.kind !== 'packet' || !p.checked[0] || Buffer.from(data ?? []).toString('latin1') !== ROWS[r]!.label + text) {
        if (problems.length < 5) problems.push(`frame ${f} row ${r}: the sign read ${JSON.stringify(got)}`);
      }
      const acks = host.push(ACK_BYTES).map((e) => e.kind);
      if (acks.join() !== 'ack,status' && problems.length < 5) problems.push(`frame ${f} row ${r}: the host read ${acks.join()}`);
    });
  }
  return { problems, packets };
}

export function benchAlpha(options: { frames?: number; reps?: number } = {}): AlphaBenchResult {
  const framesPerRep = options.frames ?? 20_000;
  const reps = options.reps ?? 5;
  const frames = frameTexts(framesPerRep);
  const { problems, packets } = check(frames);
  const packetBytes = packets[0]!.length;
  const line = Buffer.alloc(Math.max(...packets.map((p) => p.length)) + ACK_BYTES.length);
  const alpha: number[] = [];
  const raw: number[] = [];
  let sink = 0;
  // Warm both up (JIT), then alternate, so a busy moment of the machine falls on both alike.
  sink += alphaPass(frames.slice(0, 2000), new AlphaParser(), new AlphaParser()) + rawPass(packets.slice(0, 6000), line);
  for (let i = 0; i < reps; i++) {
    // The raw pass is some 30× quicker: timed over RAW_ROUNDS passes, so that its sample is not a few ms of timer noise.
    let t = performance.now();
    for (let k = 0; k < RAW_ROUNDS; k++) sink += rawPass(packets, line);
    raw.push((RAW_ROUNDS * framesPerRep) / ((performance.now() - t) / 1000));
    const host = new AlphaParser();
    const sign = new AlphaParser();
    t = performance.now();
    sink += alphaPass(frames, host, sign);
    alpha.push(framesPerRep / ((performance.now() - t) / 1000));
    const s = sign.stats();
    if (s.packets !== framesPerRep * ROWS.length || Object.keys(s.rejected).length) problems.push(`rep ${i}: the sign parser read ${s.packets} packets, rejected ${JSON.stringify(s.rejected)}`);
  }
  if (sink === 0) problems.push('nothing was parsed');
  const alphaFramesPerS = median(alpha);
  const rawFramesPerS = median(raw);
  const bytesPerFrame = packets.slice(0, ROWS.length).reduce((a, p) => a + p.length + ACK_BYTES.length, 0);
  return {
    rowsPerFrame: ROWS.length,
    packetBytes,
    bytesPerFrame,
    framesPerRep,
    reps,
    alphaFramesPerS,
    rawFramesPerS,
    ratio: alphaFramesPerS / rawFramesPerS,
    alphaUsPerFrame: 1e6 / alphaFramesPerS,
    rawUsPerFrame: 1e6 / rawFramesPerS,
    lineMsPerFrame: (bytesPerFrame * 10 * 1000) / 9600,
    samples: { alpha, raw },
    problems,
  };
}
