/** The record every benchmark sends: a bus GPS fix as the bus role would record it (~100 bytes of JSON). */
export function gpsFix(i: number): { lat: number; lon: number; speedKmh: number; headingDeg: number; hdop: number; sats: number; fix: string } {
  // Somewhere on Velenje's yellow line, moving a little with every fix.
  return {
    lat: Math.round((46.3592 + (i % 1000) * 0.00001) * 1e6) / 1e6,
    lon: Math.round((15.1103 + (i % 1000) * 0.000013) * 1e6) / 1e6,
    speedKmh: Math.round((20 + (i % 37)) * 10) / 10,
    headingDeg: (i * 7) % 360,
    hdop: 0.9,
    sats: 9,
    fix: '3d',
  };
}
