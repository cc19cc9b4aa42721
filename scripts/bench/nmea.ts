/**
 * [5] NMEA decoding: the gpsd logs of shared/data (or a log made here when they are absent) through
 * protocols/nmea's NmeaDecoder (framer → sentences with checksums → fix assembler), against the raw
 * baseline of splitting the same bytes into lines, measured in the same run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NmeaDecoder, nmeaChecksum } from '../../protocols/index.js';

export interface NmeaBenchResult {
  sentences: number;
  bytes: number;
  decoderSentencesPerS: number;
  rawLinesPerS: number;
  ratio: number;
  fixes: number;
}

function corpus(): Buffer {
  const dir = path.resolve(import.meta.dirname, '../../../shared/data/nmea/gpsd');
  try {
    const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
    const text = logs.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n')).join('\n');
    if (text.includes('$GP')) return Buffer.from(text);
  } catch {
    // no shared data beside the repo: make a log
  }
  const lines: string[] = [];
  for (let s = 0; s < 600; s++) {
    const hh = String(12 + Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    const lat = (4621.5 + s * 0.001).toFixed(4);
    for (const body of [
      `GPRMC,${hh}${mm}${ss}.00,A,${lat},N,01506.6600,E,15.5,10.0,271126,,,A`,
      `GPGGA,${hh}${mm}${ss}.00,${lat},N,01506.6600,E,1,09,0.9,400.0,M,46.0,M,,`,
      'GPGSA,A,3,01,02,03,04,05,06,07,08,09,,,,1.6,0.9,1.3',
    ])
      lines.push(`$${body}*${nmeaChecksum(body)}`);
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function benchNmea(reps = 5, rounds = 40): NmeaBenchResult {
  const bytes = corpus();
  let sentences = 0;
  let fixes = 0;
  const dec: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    let lines = 0;
    for (let i = 0; i < rounds; i++) lines += bytes.toString('latin1').split('\n').filter((l) => l.length > 0).length;
    raw.push(lines / ((performance.now() - t) / 1000));
    t = performance.now();
    let n = 0;
    for (let i = 0; i < rounds; i++) {
      const d = new NmeaDecoder({ dateFloor: 0 });
      let f = 0;
      for (let off = 0; off < bytes.length; off += 512) f += d.push(bytes.subarray(off, off + 512)).length;
      f += d.end().length;
      n += d.stats.sentences;
      fixes = f;
    }
    dec.push(n / ((performance.now() - t) / 1000));
    sentences = n / rounds;
  }
  const decoderSentencesPerS = median(dec);
  const rawLinesPerS = median(raw);
  return { sentences, bytes: bytes.length, decoderSentencesPerS, rawLinesPerS, ratio: decoderSentencesPerS / rawLinesPerS, fixes };
}
