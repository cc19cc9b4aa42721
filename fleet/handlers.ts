/**
 * What the fleet does with each kind of device message: a table keyed by topic kind, each entry a
 * schema and a handler. One wrapper does for all of them what every one needs: parse the topic,
 * know the device, decode against the schema, refuse (logged with a reason, counted by kind) or
 * count it in, and contain a handler's fault. A new kind of message is one entry here.
 */
import type { z } from 'zod';
import type { Clock, Logger, ParsedTopic } from '../protocols/index.js';
import { Birth, CfgReported, CmdAck, Frame, State, TelemetryBatch, decode, parseTopic } from '../protocols/index.js';
import type { FleetBus } from './bus.js';
import type { CommandBook } from './commands.js';
import type { DeviceConfigs } from './device-config.js';
import type { Ingest } from './ingest.js';
import type { Metrics } from './metrics.js';
import type { Outgoing } from './outgoing.js';
import type { PresenceTracker } from './presence.js';
import type { Registry } from './registry.js';

/** What a handler may touch: the parts it needs, not the service. */
export interface HandlerContext {
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  bus: FleetBus;
  presence: PresenceTracker;
  registry: Pick<Registry, 'exists' | 'recordBirth' | 'recordState' | 'recordFrame'>;
  ingest: Pick<Ingest, 'accept'>;
  commands: Pick<CommandBook, 'deliverable' | 'acknowledge'>;
  configs: Pick<DeviceConfigs, 'get' | 'recordReported'>;
  outgoing: Outgoing;
  fault(deviceId: string, code: string, message: string): void;
  /** Last outbox depth each device reported in its heartbeat. */
  outboxDepths: Map<string, number>;
}

type DeviceKind = Exclude<ParsedTopic['kind'], 'fleet-state' | 'ack' | 'cmd' | 'cfg-desired' | 'content' | 'session'>;

interface Handler<T> {
  schema: z.ZodType<T>;
  /** Returns a reason to refuse it after all (counted like a schema failure), false to ignore it (not counted in), or nothing. */
  handle(ctx: HandlerContext, deviceId: string, value: T, parsed: ParsedTopic): string | false | void;
}

const handler = <T>(h: Handler<T>): Handler<unknown> => h as Handler<unknown>;

/** Records what a device said in session `epoch`; false for an older session. Emits presence changes. */
function observe(ctx: HandlerContext, id: string, epoch: number, status: 'online' | 'offline', heartbeatS?: number): boolean {
  const before = ctx.presence.of(id);
  if (!ctx.presence.observe(id, epoch, status, heartbeatS)) {
    ctx.metrics.inc('tabla_stale_epoch_total');
    return false;
  }
  const after = ctx.presence.of(id);
  if (after !== before) ctx.bus.emit('presence-changed', { deviceId: id, presence: after, previous: before });
  return true;
}

export const DEVICE_HANDLERS: Record<DeviceKind, Handler<unknown>> = {
  birth: handler({
    schema: Birth,
    handle(ctx, id, birth) {
      if (!observe(ctx, id, birth.epoch, 'online', birth.heartbeatS)) {
        // A late birth of an old session, or a device that lost its epoch (a new SD card): tell it
        // the floor; an agent whose current session this is continues above it.
        const floor = ctx.presence.epoch(id)!;
        ctx.outgoing.epochFloor(id, birth.epoch, floor);
        ctx.log.info('birth from an older session refused; epoch floor sent', { device: id, epoch: birth.epoch, floor });
        return false;
      }
      ctx.registry.recordBirth(id, birth);
      const cloned = birth.outbox?.clonedFrom;
      if (cloned) {
        ctx.fault(
          id,
          'outbox-conflict',
          `this data directory was copied from another board or path (outbox ${cloned} became ${birth.outbox!.id}): ` +
            `if the board it came from still runs as ${id}, re-provision one board (each keeps its records apart meanwhile)`,
        );
      }
      ctx.log.info('device birth', { device: id, epoch: birth.epoch, role: birth.role });
      for (const c of ctx.commands.deliverable(id)) ctx.outgoing.command(c);
      const cfg = ctx.configs.get(id);
      if (cfg.desired && cfg.desiredVersion !== birth.configVersion) ctx.outgoing.desired(id, cfg.desiredVersion, cfg.desired);
      ctx.bus.emit('device-birth', { deviceId: id, birth });
    },
  }),
  state: handler({
    schema: State,
    handle(ctx, id, state) {
      if (!observe(ctx, id, state.epoch, state.status)) {
        ctx.log.info('state from an older session ignored', { device: id, epoch: state.epoch, status: state.status });
        return false;
      }
      ctx.registry.recordState(id, state);
      if (state.outbox) ctx.outboxDepths.set(id, state.outbox.depth);
      if (state.status === 'offline') ctx.log.info('device offline', { device: id, epoch: state.epoch });
      ctx.bus.emit('device-state', { deviceId: id, state });
    },
  }),
  telemetry: handler({
    schema: TelemetryBatch,
    handle(ctx, id, batch, parsed) {
      ctx.presence.touch(id, batch.epoch);
      ctx.ingest.accept(id, (parsed as { stream: string }).stream, batch);
    },
  }),
  'cmd-ack': handler({
    schema: CmdAck,
    handle(ctx, id, ack) {
      if (!ctx.commands.acknowledge(id, ack)) return `no command ${ack.cmdId} for this device`;
    },
  }),
  'cfg-reported': handler({
    schema: CfgReported,
    handle(ctx, id, reported) {
      ctx.configs.recordReported(id, reported);
      if (reported.rejected) ctx.log.warn('device rejected its config', { device: id, ...reported.rejected });
      ctx.bus.emit('config-reported', { deviceId: id, reported });
    },
  }),
  frame: handler({
    schema: Frame,
    handle(ctx, id, frame) {
      ctx.registry.recordFrame(id, frame);
      ctx.bus.emit('frame-received', { deviceId: id, frame });
    },
  }),
};

export function defineHandlerMetrics(m: Metrics): void {
  m.define('tabla_messages_in_total', 'counter', 'Accepted messages from devices, by kind.');
  m.define('tabla_messages_refused_total', 'counter', 'Device messages refused (not JSON, schema, size, unknown device), by kind.');
  m.define('tabla_stale_epoch_total', 'counter', 'Presence messages from an older session, ignored.');
}

/** Handles one message from the broker. Never throws. */
export function dispatch(ctx: HandlerContext, t: string, payload: Buffer): void {
  const refuse = (kind: string, id: string, reason: string) => {
    ctx.metrics.inc('tabla_messages_refused_total', { kind });
    ctx.log.warn('message refused', { device: id, topic: t, reason });
  };
  try {
    const parsed = parseTopic(t);
    if (!parsed || !('deviceId' in parsed)) return;
    const h = DEVICE_HANDLERS[parsed.kind as DeviceKind];
    if (!h) return; // a downward topic echoed by the broker: not ours to handle
    const id = parsed.deviceId;
    if (!ctx.registry.exists(id)) return refuse('unknown-device', id, 'no such device in the registry');
    if (parsed.kind === 'state' && payload.length === 0) return; // a retained message being cleared
    const r = decode(h.schema, payload);
    if (!r.ok) return refuse(parsed.kind, id, r.reason);
    const refused = h.handle(ctx, id, r.value, parsed);
    if (refused === false) return;
    if (refused) return refuse(parsed.kind, id, refused);
    ctx.metrics.inc('tabla_messages_in_total', { kind: parsed.kind });
  } catch (err) {
    ctx.log.error('message handling failed', { topic: t, error: (err as Error).message, stack: (err as Error).stack });
    ctx.metrics.inc('tabla_messages_refused_total', { kind: 'internal' });
  }
}
