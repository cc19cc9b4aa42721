/**
 * The edge agent's config file (`tabla-agent --config agent.json`) and the settings the fleet may
 * change remotely (cfg/desired). One schema gives type, defaults, validation and docs.
 */
import { z } from 'zod';
import { HardwareConfig } from './hardware.js';
import { LogLevel, Role } from '../mqtt/messages.js';
import { DEVICE_ID_PATTERN, NAME_PATTERN } from '../mqtt/topics.js';
import { ModulesSettings } from './modules.js';

export const StreamPolicy = z
  .object({
    priority: z.number().int().min(0).max(9).default(5).describe('0 drains first (alarms, passenger counts); 9 last (bulk logs)'),
    ttlS: z.number().int().positive().default(7 * 24 * 3600).describe('a pending record older than this is dropped'),
    capacity: z.number().int().positive().default(100_000).describe('most pending rows of this stream'),
    whenFull: z.enum(['drop-oldest', 'reject-new']).default('drop-oldest'),
  })
  .strict();
export type StreamPolicy = z.infer<typeof StreamPolicy>;

export const DrainPolicy = z
  .object({
    batchSize: z.number().int().min(1).max(1000).default(500).describe('records per telemetry message'),
    maxBatchesPerS: z.number().positive().default(50).describe('rate limit while draining a backlog'),
    window: z.number().int().min(1).max(64).default(8).describe('batches sent but not yet acked'),
    ackTimeoutS: z.number().positive().default(30).describe('resend a batch not acked within this time'),
  })
  .strict();
export type DrainPolicy = z.infer<typeof DrainPolicy>;

export const OutboxConfig = z
  .object({
    commitIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe('group appends into one SQLite transaction per interval (0: per event-loop turn); fewer SD writes'),
    ackCommitDelayMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5000)
      .describe("acked rows are deleted with the next append's commit, or alone after this delay"),
    synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL').describe('FULL also survives a power cut, at more SD writes'),
    streams: z.record(z.string().regex(NAME_PATTERN), StreamPolicy).default({}),
    defaultStream: StreamPolicy.default(StreamPolicy.parse({})),
    drain: DrainPolicy.default(DrainPolicy.parse({})),
  })
  .strict();
export type OutboxConfig = z.infer<typeof OutboxConfig>;

export const MqttConfig = z
  .object({
    url: z.string().regex(/^(mqtts?|tcp|ssl|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
    username: z.string().optional().describe('defaults to the device id'),
    password: z.string().min(1),
    caFile: z.string().optional().describe('CA certificate for mqtts://'),
    keepaliveS: z.number().int().min(5).max(3600).default(30),
    reconnectMinMs: z.number().int().positive().default(1000),
    reconnectMaxMs: z.number().int().positive().default(60_000),
  })
  .strict();

export const DeviceSettings = z
  .object({
    logLevel: LogLevel.default('info'),
    heartbeatS: z.number().int().min(1).max(3600).default(30),
    labels: z.record(z.string(), z.string().max(100)).default({}),
    modules: ModulesSettings.default({}).describe("each module's section, by module name (config/modules.ts)"),
  })
  .strict();
export type DeviceSettings = z.infer<typeof DeviceSettings>;

export const AgentConfig = z
  .object({
    $schema: z.string().optional(),
    deviceId: z.string().regex(DEVICE_ID_PATTERN, 'lower-case letters, digits and dashes'),
    role: Role,
    site: z.string().max(100).optional(),
    dataDir: z.string().min(1).describe('where the outbox and session state live (relative to the config file)'),
    mqtt: MqttConfig,
    settings: DeviceSettings.default(DeviceSettings.parse({})),
    outbox: OutboxConfig.default(OutboxConfig.parse({})),
    hardware: HardwareConfig.default({}).describe('the drivers the modules get (door counters, GNSS receiver, …)'),
  })
  .strict();
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;
