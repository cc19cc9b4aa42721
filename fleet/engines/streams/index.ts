/**
 * The "streams" engine: when each device's stream last delivered, and what. Listens to committed
 * telemetry, keeps one row per (device, stream) in its own table, and answers
 * `GET /api/devices/:id/streams`: per stream its last seq, the device's timestamp of that record,
 * when the fleet stored it, and how many records it has stored since this engine started counting.
 * Small on purpose: the seam every engine plugs into, proven end to end.
 */
import type { FleetEngine } from '../engine.js';
import { HttpError } from '../../http/router.js';

const MIGRATIONS = [
  `CREATE TABLE streams_last_seen (
    device_id   TEXT NOT NULL,
    stream      TEXT NOT NULL,
    last_seq    INTEGER NOT NULL,
    last_ts     INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    PRIMARY KEY (device_id, stream)
  ) WITHOUT ROWID`,
];

export interface StreamLastSeen {
  stream: string;
  lastSeq: number;
  /** ISO 8601: the device's timestamp of the last record, and when the fleet stored it */
  lastTs: string;
  receivedAt: string;
  records: number;
}

export function streamsEngine(): FleetEngine {
  return {
    name: 'streams',
    start(ctx) {
      const db = ctx.migrate(MIGRATIONS);
      const upsert = db.prepare(
        `INSERT INTO streams_last_seen (device_id, stream, last_seq, last_ts, received_at, records) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, stream) DO UPDATE SET
           last_seq = max(last_seq, excluded.last_seq),
           last_ts = CASE WHEN excluded.last_seq >= last_seq THEN excluded.last_ts ELSE last_ts END,
           received_at = excluded.received_at,
           records = records + excluded.records`,
      );
      const ofDevice = db.prepare(
        'SELECT stream, last_seq AS lastSeq, last_ts AS lastTs, received_at AS receivedAt, records FROM streams_last_seen WHERE device_id = ? ORDER BY stream',
      );
      ctx.on('telemetry-committed', ({ deviceId, stream, receivedAt, records }) => {
        const last = records[records.length - 1]!;
        upsert.run(deviceId, stream, last.seq, last.ts, receivedAt, records.length);
      });
      ctx.routes.add('GET', '/api/devices/:id/streams', (req) => {
        const id = req.params.id!;
        if (!ctx.devices.get(id)) throw new HttpError(404, `no device ${id}`);
        const rows = ofDevice.all(id) as { stream: string; lastSeq: number; lastTs: number; receivedAt: number; records: number }[];
        const body: StreamLastSeen[] = rows.map((r) => ({
          ...r,
          lastTs: new Date(r.lastTs).toISOString(),
          receivedAt: new Date(r.receivedAt).toISOString(),
        }));
        return { body };
      });
    },
  };
}
