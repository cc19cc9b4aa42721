/**
 * The "streams" engine: when each device's stream last delivered, and what. Listens to committed
 * telemetry and answers `GET /api/devices/:id/streams`: per stream its last seq, the device's
 * timestamp of that record, when the fleet stored it, and how many records it has seen.
 * Small on purpose: the seam every engine plugs into, proven end to end.
 *
 * Off the ingest path: an event only updates memory; the table (the view across restarts) is
 * written at most once a second, all changed rows in one transaction, and on stop.
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

const SAVE_EVERY_MS = 1000;

export interface StreamLastSeen {
  stream: string;
  lastSeq: number;
  /** ISO 8601: the device's timestamp of the last record, and when the fleet stored it */
  lastTs: string;
  receivedAt: string;
  records: number;
}

interface Seen {
  lastSeq: number;
  lastTs: number;
  receivedAt: number;
  records: number;
}

export function streamsEngine(): FleetEngine {
  let save: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  return {
    name: 'streams',
    start(ctx) {
      const db = ctx.migrate(MIGRATIONS);
      const upsert = db.prepare(
        `INSERT INTO streams_last_seen (device_id, stream, last_seq, last_ts, received_at, records) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, stream) DO UPDATE SET last_seq = excluded.last_seq, last_ts = excluded.last_ts,
           received_at = excluded.received_at, records = excluded.records`,
      );
      const all = db.prepare(
        'SELECT device_id AS deviceId, stream, last_seq AS lastSeq, last_ts AS lastTs, received_at AS receivedAt, records FROM streams_last_seen',
      );
      /** device → stream → what was seen; `dirty` holds the keys not yet in the table. */
      const seen = new Map<string, Map<string, Seen>>();
      const dirty = new Set<string>();
      for (const r of all.all() as (Seen & { deviceId: string; stream: string })[]) {
        if (!seen.has(r.deviceId)) seen.set(r.deviceId, new Map());
        seen.get(r.deviceId)!.set(r.stream, { lastSeq: r.lastSeq, lastTs: r.lastTs, receivedAt: r.receivedAt, records: r.records });
      }
      save = () => {
        if (dirty.size === 0) return;
        const keys = [...dirty];
        dirty.clear();
        db.transaction(() => {
          for (const key of keys) {
            const [deviceId, stream] = key.split('\u0000') as [string, string];
            const s = seen.get(deviceId)!.get(stream)!;
            upsert.run(deviceId, stream, s.lastSeq, s.lastTs, s.receivedAt, s.records);
          }
        })();
      };
      timer = setInterval(() => {
        try {
          save?.();
        } catch (err) {
          ctx.log.warn('last-seen not saved (kept in memory, tried again)', { error: (err as Error).message });
        }
      }, SAVE_EVERY_MS);
      timer.unref();

      ctx.on('telemetry-committed', ({ deviceId, stream, receivedAt, records }) => {
        let of = seen.get(deviceId);
        if (!of) seen.set(deviceId, (of = new Map()));
        const last = records[records.length - 1]!;
        const s = of.get(stream);
        if (!s) of.set(stream, { lastSeq: last.seq, lastTs: last.ts, receivedAt, records: records.length });
        else {
          if (last.seq >= s.lastSeq) Object.assign(s, { lastSeq: last.seq, lastTs: last.ts });
          s.receivedAt = receivedAt;
          s.records += records.length;
        }
        dirty.add(`${deviceId}\u0000${stream}`);
      });
      ctx.routes.add('GET', '/api/devices/:id/streams', (req) => {
        const id = req.params.id!;
        if (!ctx.devices.get(id)) throw new HttpError(404, `no device ${id}`);
        const body: StreamLastSeen[] = [...(seen.get(id) ?? new Map<string, Seen>()).entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([stream, s]) => ({
            stream,
            lastSeq: s.lastSeq,
            lastTs: new Date(s.lastTs).toISOString(),
            receivedAt: new Date(s.receivedAt).toISOString(),
            records: s.records,
          }));
        return { body };
      });
    },
    stop() {
      if (timer) clearInterval(timer);
      save?.();
    },
  };
}
