/**
 * `tabla outbox <id>`: what a device still holds to send. Its depth, oldest record and drops as its
 * last heartbeat reported them (State.outbox), beside the fleet's per-stream marks: the high-water
 * mark (everything up to it stored), the highest seq seen, the gaps still awaited, and when the
 * stream last delivered (`GET /api/devices/:id/streams`, the streams engine; left out when it is off).
 */
import type { Command } from 'commander';
import type { StreamLastSeen } from '../../engines/streams/index.js';
import { ApiFailure, enc, type FleetApi } from '../api.js';
import { noHeadersOption } from '../args.js';
import type { CliContext } from '../context.js';
import { age, duration, table, type DeviceDetail, type Style } from '../format.js';
import { examples } from '../help.js';

/** The outbox view of one device, from `GET /api/devices/:id`. */
export function outboxView(d: DeviceDetail, lastSeen: StreamLastSeen[], style: Style): string {
  const last = new Map(lastSeen.map((s) => [s.stream, s]));
  const o = d.state?.outbox ?? d.outbox;
  const head = o
    ? [
        `${d.id}: outbox ${o.depth} record${o.depth === 1 ? '' : 's'}, oldest ${o.oldestAgeS === null ? '-' : duration(o.oldestAgeS * 1000)}, dropped ${o.dropped}`,
        `(from the last heartbeat, ${age(d.lastSeen, style.now)}; device ${d.presence})`,
      ]
    : [`${d.id}: outbox not reported yet (no heartbeat; device ${d.presence})`];
  const streams = d.streams.length
    ? table(
        ['stream', 'hwm', 'max seq', 'gaps', 'stored', 'duplicates', 'lost', 'last received'],
        d.streams.map((s) => [s.stream, s.hwm, s.maxSeq, s.gaps, s.stored, s.duplicates, s.lost, last.has(s.stream) ? age(last.get(s.stream)!.receivedAt, style.now) : '-']),
        style,
      )
    : '(no telemetry stored yet)';
  return [...head, '', streams].join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('outbox')
    .description("a device's outbox: depth, oldest, dropped (its last heartbeat) and the fleet's per-stream marks")
    .argument('<id>')
    .option('--json', 'print the JSON')
    .addOption(noHeadersOption())
    .addHelpText('after', examples(['tabla outbox bus-01', 'tabla outbox bus-01 --no-headers', 'tabla outbox bus-01 --json']))
    .action(async (id: string, o: { json?: boolean; headers: boolean }) => {
      const api = ctx.api();
      const d = await api.get<DeviceDetail>(`/api/devices/${enc(id)}`);
      const last = await lastReceived(api, d.id);
      if (o.json) return ctx.json({ id: d.id, presence: d.presence, lastSeen: d.lastSeen, outbox: d.state?.outbox ?? d.outbox, streams: d.streams, lastReceived: last });
      ctx.out(outboxView(d, last, ctx.style(o)));
    });
}

/** The streams engine's per-stream last delivery; none when that engine is not running. */
async function lastReceived(api: FleetApi, id: string): Promise<StreamLastSeen[]> {
  try {
    return await api.get<StreamLastSeen[]>(`/api/devices/${enc(id)}/streams`);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) return [];
    throw err;
  }
}
