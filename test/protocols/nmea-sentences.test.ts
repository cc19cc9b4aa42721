/**
 * NMEA 0183 sentences: the checksum and the field readers, against the golden vectors of
 * REFERENCES.md and the examples of gpsd's NMEA.adoc.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOTS_TO_MPS, nmeaChecksum, parseSentence, type NmeaSentence } from '../../protocols/index.js';

/** A sentence with its correct checksum. */
const s = (body: string) => `$${body}*${nmeaChecksum(body)}`;

function ok(line: string): NmeaSentence {
  const r = parseSentence(line);
  if ('error' in r) throw new Error(`${line}: ${r.error} ${r.detail ?? ''}`);
  return r;
}

test('checksum: XOR of every byte between $ and *, two upper-case hex digits (REFERENCES.md vectors)', () => {
  assert.is(nmeaChecksum('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'), '47');
  assert.is(nmeaChecksum('GPGSA,A,3,32,14,31,10,22,,,,,,,,3.2,1.8,2.7'), '38');
  assert.is(nmeaChecksum('GPVTG,156.6,T,,M,000.0,N,000.0,K,A'), '09');
  assert.is(nmeaChecksum(''), '00');
  assert.is(nmeaChecksum('A'), '41');
  assert.is(nmeaChecksum('GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A'), '7B', 'upper case');
});

test('GGA golden vector: time, position, quality, satellites, HDOP, altitude', () => {
  assert.equal(ok('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47'), {
    talker: 'GP',
    type: 'GGA',
    time: (12 * 3600 + 35 * 60 + 19) * 1000,
    lat: 48 + 7.038 / 60,
    lon: 11 + 31 / 60,
    quality: 1,
    sats: 8,
    hdop: 0.9,
    alt: 545.4,
    geoidSep: 46.9,
  });
  // NMEA.adoc's example: fewer trailing fields, GN talker, negative geoid separation, W.
  const gga = ok('$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M*47');
  assert.is(gga.talker, 'GN');
  assert.ok(gga.type === 'GGA' && Math.abs(gga.lon! - -(121 + 18.85961 / 60)) < 1e-12 && gga.geoidSep === -21.3);
  // Quality 0–8; 6 is dead reckoning, 9 is not a quality.
  const q6 = ok(s('GPGGA,123519,4807.038,N,01131.000,E,6,04,2.0,545.4,M,46.9,M,,'));
  assert.ok(q6.type === 'GGA' && q6.quality === 6);
  assert.equal(parseSentence(s('GPGGA,123519,4807.038,N,01131.000,E,9,04,2.0,545.4,M,46.9,M,,')), { error: 'malformed', detail: 'GGA quality: 9 outside 0..8' });
});

test('GSA golden vector: mode, satellites used, PDOP/HDOP/VDOP', () => {
  assert.equal(ok('$GPGSA,A,3,32,14,31,10,22,,,,,,,,3.2,1.8,2.7*38'), {
    talker: 'GP',
    type: 'GSA',
    selection: 'A',
    fixType: 3,
    prns: [32, 14, 31, 10, 22],
    pdop: 3.2,
    hdop: 1.8,
    vdop: 2.7,
  });
  const none = ok('$GPGSA,A,1,,,,,,,,,,,,,,,,*32'); // bu303, no fix: every field empty
  assert.ok(none.type === 'GSA' && none.fixType === 1 && none.prns.length === 0 && none.pdop === undefined);
  const v411 = ok(s('GNGSA,A,3,80,71,73,79,69,,,,,,,,1.83,1.09,1.47,2'));
  assert.ok(v411.type === 'GSA' && v411.systemId === 2, 'NMEA 4.11 system ID');
});

test('VTG: the new form (golden vector) and the old one, speed in m/s from knots or km/h', () => {
  assert.equal(ok('$GPVTG,156.6,T,,M,000.0,N,000.0,K,A*09'), { talker: 'GP', type: 'VTG', course: 156.6, speed: 0, mode: 'A' });
  const modern = ok('$GPVTG,220.86,T,,M,2.550,N,4.724,K,A*34');
  assert.ok(modern.type === 'VTG' && Math.abs(modern.speed! - 2.55 * 0.514444) < 1e-12);
  const old = ok(s('GPVTG,054.7,034.4,005.5,010.2'));
  assert.equal(old, { talker: 'GP', type: 'VTG', course: 54.7, courseMagnetic: 34.4, speed: 5.5 * KNOTS_TO_MPS });
  const kmhOnly = ok(s('GPVTG,054.7,T,,M,,N,036.0,K,A'));
  assert.ok(kmhOnly.type === 'VTG' && Math.abs(kmhOnly.speed! - 10) < 1e-12, 'km/h ÷ 3.6');
});

test('RMC: status, position, knots → m/s (1 kn = 0.514444 m/s), track, ddmmyy, magnetic variation, FAA mode', () => {
  assert.equal(ok('$GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A*7B'), {
    talker: 'GN',
    type: 'RMC',
    time: 631_000,
    status: 'A',
    lat: 44 + 4.13993 / 60,
    lon: -(121 + 18.86023 / 60),
    speed: 0.146 * 0.514444,
    date: { year: 2017, month: 1, day: 10 },
    mode: 'A',
  });
  const garmin = ok('$GPRMC,113258,A,3238.9148,N,10822.4466,W,005.3,247.1,181022,009.3,E*6B');
  assert.ok(garmin.type === 'RMC' && garmin.course === 247.1 && garmin.magVar === 9.3 && garmin.mode === undefined, 'pre-2.3: no FAA field');
  // No fix: empty fields with hemisphere letters left in (bu303), status V.
  assert.equal(ok('$GPRMC,143255.28,V,,S,,W,,,141102,,*12'), { talker: 'GP', type: 'RMC', time: 52_375_280, status: 'V', date: { year: 2002, month: 11, day: 14 } });
  const y1999 = ok(s('GPRMC,235959,A,4807.038,N,01131.000,E,0.0,0.0,311299,,,A'));
  assert.ok(y1999.type === 'RMC' && y1999.date?.year === 1999, 'yy 80–99 is the 1900s');
  const zeros = ok(s('GPRMC,000000,V,0000.0000,N,00000.0000,E,0.0,0.0,000000,,,N'));
  assert.ok(zeros.type === 'RMC' && zeros.date === undefined && zeros.lat === 0 && zeros.mode === 'N', 'a date of zeros is no date');
});

test('latitude and longitude: 2 to 8 decimals of minutes, N/S/E/W signs, range checked', () => {
  const cases: [string, string, number][] = [
    ['4807.038', 'N', 48 + 7.038 / 60],
    ['4807.0380', 'S', -(48 + 7.038 / 60)],
    ['3747.08731', 'S', -(37 + 47.08731 / 60)],
    ['4629.8972306', 'N', 46 + 29.8972306 / 60],
    ['4134.49821229', 'N', 41 + 34.49821229 / 60],
    ['0000.00', 'N', 0],
    ['9000.0000', 'S', -90],
  ];
  for (const [v, h, want] of cases) {
    const r = ok(s(`GPGLL,${v},${h},01131.000,E,123519,A,A`));
    assert.ok(r.type === 'GLL' && Math.abs(r.lat! - want) < 1e-12, `${v},${h} → ${want}`);
  }
  const lon = ok(s('GPGLL,4807.038,N,17959.99999,W,123519,A,A'));
  assert.ok(lon.type === 'GLL' && Math.abs(lon.lon! - -(179 + 59.99999 / 60)) < 1e-12);
  for (const [lat, lon] of [['4860.000,N', '01131.000,E'], ['9100.000,N', '01131.000,E'], ['4807.038,X', '01131.000,E'], ['4807.038,', '01131.000,E'], ['48a7.038,N', '01131.000,E'], ['4807.038,N', '18100.000,W']]) {
    const r = parseSentence(s(`GPGLL,${lat},${lon},123519,A,A`));
    assert.ok('error' in r && r.error === 'malformed', `${lat} ${lon} refused: ${JSON.stringify(r)}`);
  }
});

test('ZDA and GLL (NMEA.adoc examples)', () => {
  assert.equal(ok('$GPZDA,160012.71,11,03,2004,-1,00*7D'), { talker: 'GP', type: 'ZDA', time: 57_612_710, date: { year: 2004, month: 3, day: 11 }, zoneMinutes: -60 });
  assert.equal(ok('$GNGLL,4404.14012,N,12118.85993,W,001037.00,A,A*67'), {
    talker: 'GN',
    type: 'GLL',
    lat: 44 + 4.14012 / 60,
    lon: -(121 + 18.85993 / 60),
    time: 637_000,
    status: 'A',
    mode: 'A',
  });
  assert.equal(parseSentence(s('GPZDA,160012.71,30,02,2004,00,00')), { error: 'malformed', detail: 'ZDA date: 2004-2-30 is not a date' });
});

test('talkers: GP, GN, GL, GA, GB, BD, GQ and others are read; the tag must be two letters and a type', () => {
  for (const talker of ['GP', 'GN', 'GL', 'GA', 'GB', 'BD', 'GQ', 'GI', 'II']) {
    const r = ok(s(`${talker}GGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,`));
    assert.is(r.talker, talker);
  }
  assert.equal(parseSentence(s('G1GGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,')), { error: 'malformed', detail: 'tag G1GGA' });
});

test('errors: wrong or missing checksum, malformed fields; other sentence types are unsupported, not errors', () => {
  assert.equal(parseSentence('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48'), { error: 'checksum' });
  assert.equal(parseSentence('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*4'), { error: 'checksum', detail: 'not two hex digits after *' });
  assert.equal(parseSentence('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'), { error: 'no-checksum' });
  const lenient = parseSentence('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,', { requireChecksum: false });
  assert.ok(!('error' in lenient) && lenient.type === 'GGA', 'accepted when asked');
  assert.ok(!('error' in parseSentence('$GPVTG,156.6,T,,M,000.0,N,000.0,K,A*09\r\n')), 'CR/LF ignored');
  assert.ok(!('error' in parseSentence('$GPVTG,156.6,T,,M,000.0,N,000.0,K,A*09'.replace('*09', '*09'.toLowerCase()))), 'lower-case hex accepted');
  assert.equal(parseSentence(s('GPGSV,3,1,11,02,60,319,36,05,77,132,38,11,29,052,29,12,46,186,46')), { error: 'unsupported', detail: 'GPGSV' });
  assert.equal(parseSentence('$PGRME,7.6,M,41.7,M,42.4,M*2F'), { error: 'unsupported', detail: 'PGRME' });
  assert.equal(parseSentence('$PMTK001,604,1*30'), { error: 'unsupported', detail: 'PMTK001' });
  assert.equal(parseSentence(s('AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0,').replace('$', '!')), { error: 'unsupported', detail: 'AIVDM' });
  assert.equal(parseSentence('GPGGA,1*00'), { error: 'malformed', detail: 'does not start with $ or !' });
  assert.equal(parseSentence('$GPR\u00c9C,1*00'), { error: 'malformed', detail: 'not printable ASCII' });
  assert.equal(parseSentence(s('__proto__,1')), { error: 'malformed', detail: 'tag "__proto__"' });
  assert.equal(parseSentence(s('GPRMC,123519')), { error: 'malformed', detail: 'RMC 1 fields, at least 9 expected' });
  assert.equal(parseSentence(s('GPRMC,126519,A,4807.038,N,01131.000,E,0.0,0.0,230394,,,A')), { error: 'malformed', detail: 'RMC time: 126519 is not a time of day' });
  assert.equal(parseSentence(s('GPRMC,123519,A,4807.038,N,01131.000,E,-1.0,0.0,230394,,,A')), { error: 'malformed', detail: 'RMC speed: negative' });
  assert.equal(parseSentence(s('GPRMC,123519,X,4807.038,N,01131.000,E,1.0,0.0,230394,,,A')), { error: 'malformed', detail: 'RMC status: "X"' });
  assert.equal(parseSentence(s('GPRMC,123519,A,4807.038,N,01131.000,E,1.0,0.0,230394,,,Q')), { error: 'malformed', detail: 'RMC FAA mode: "Q"' });
  assert.equal(parseSentence(s('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,F,46.9,M,,')), { error: 'malformed', detail: 'GGA altitude unit "F"' });
});

test('time of day: fractions to the millisecond, leap second 60 accepted', () => {
  const t = (v: string) => {
    const r = ok(s(`GPGGA,${v},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,`));
    return r.type === 'GGA' ? r.time : NaN;
  };
  assert.is(t('000000'), 0);
  assert.is(t('132820.60'), (13 * 3600 + 28 * 60 + 20) * 1000 + 600);
  assert.is(t('132820.6'), (13 * 3600 + 28 * 60 + 20) * 1000 + 600);
  assert.is(t('235960.000'), 86_400_000);
  assert.is(t('235959.9999'), 86_400_000, 'rounded to the millisecond');
});

test.run();
