/**
 * Distances on the Earth for what Tabla measures: tens of metres to tens of kilometres (a fix's
 * jump, a bus's progress, a GTFS shape). Haversine on the IUGG mean radius is accurate to about
 * 0.5 % there, far inside a receiver's noise. One function for the whole tree.
 */

/** The IUGG mean Earth radius, metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Great-circle distance between two points, metres (haversine). */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
