/**
 * shapes.txt → one ordered, measured polyline per shape_id. Points are ordered by
 * shape_pt_sequence (the file need not be sorted); each gets its great-circle distance from the
 * first point, in metres, whatever unit the feed's own shape_dist_traveled uses.
 */
import type { Row } from './csv.js';
import type { GtfsShape, GtfsShapePoint } from './model.js';
import { distanceM } from '../geo.js';
import type { ProblemLog } from './problems.js';
import type { GtfsRow } from './schemas.js';

const FILE = 'shapes.txt';

export function buildShapes(rows: readonly Row<GtfsRow<'shapes.txt'>>[], problems: ProblemLog): Map<string, GtfsShape> {
  const byShape = new Map<string, Row<GtfsRow<'shapes.txt'>>[]>();
  for (const row of rows) {
    let list = byShape.get(row.value.shapeId);
    if (!list) byShape.set(row.value.shapeId, (list = []));
    list.push(row);
  }
  const shapes = new Map<string, GtfsShape>();
  for (const [id, list] of byShape) {
    list.sort((a, b) => a.value.sequence - b.value.sequence || a.line - b.line);
    const points: GtfsShapePoint[] = [];
    let lastLine = 0;
    let distM = 0;
    for (const { line, value: p } of list) {
      const prev = points[points.length - 1];
      if (prev && prev.sequence === p.sequence) {
        problems.error(FILE, line, `shape ${id}: shape_pt_sequence ${p.sequence} repeats line ${lastLine}; row skipped`, 'shape_pt_sequence');
        continue;
      }
      if (prev && p.distTraveled !== undefined && prev.distTraveled !== undefined && p.distTraveled < prev.distTraveled) {
        problems.error(FILE, line, `shape ${id}: shape_dist_traveled ${p.distTraveled} below the previous point's ${prev.distTraveled}; row skipped`, 'shape_dist_traveled');
        continue;
      }
      if (prev) distM += distanceM(prev, p);
      points.push({ lat: p.lat, lon: p.lon, sequence: p.sequence, distM, ...(p.distTraveled !== undefined ? { distTraveled: p.distTraveled } : {}) });
      lastLine = line;
    }
    if (points.length < 2) problems.warning(FILE, list[0]!.line, `shape ${id} has ${points.length} point: a line needs two`, 'shape_id');
    shapes.set(id, { id, points, lengthM: distM });
  }
  return shapes;
}
