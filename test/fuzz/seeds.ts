/**
 * One valid example of every message of the wire contract, written from the schemas' docs, and of
 * the agent config and the topics: the starting points the fuzzer mutates. Each must decode (the
 * fuzz test checks), so a mutation that breaks it starts from something the decoder accepts.
 */
const ts = 1_764_220_200_000;

export const MESSAGE_SEEDS = {
  Birth: [
    { v: 1, epoch: 4, ts, role: 'bus', site: 'velenje', versions: { agent: '0.1.0', node: 'v20.19.0', config: '4' }, heartbeatS: 30, configVersion: 4 },
  ],
  State: [
    {
      v: 1,
      epoch: 4,
      ts,
      status: 'online',
      health: { cpuLoad1: 0.12, memUsedBytes: 212_000_000, memTotalBytes: 1_000_000_000, diskFreeBytes: 9_000_000_000, temperatureC: 48.5, uptimeS: 3600.5 },
      outbox: { depth: 12, oldestAgeS: 4.2, dropped: 0 },
      modules: { link: { status: 'ok' }, gnss: { status: 'degraded', error: 'no fix for 40 s' } },
    },
    { v: 1, epoch: 4, ts, status: 'offline', outbox: { depth: 0, oldestAgeS: null, dropped: 3 } },
  ],
  FleetState: [{ v: 1, ts, status: 'online', startedAt: ts - 60_000 }],
  TelemetryBatch: [
    {
      v: 1,
      epoch: 4,
      outbox: 'k3J9x_a-01',
      low: 41,
      records: [
        { seq: 41, ts, data: { lat: 46.3592, lon: 15.1103, speedKmh: 32.5, fix: '3d' } },
        { seq: 42, ts: ts + 2000, data: null },
        { seq: 44, ts: ts + 6000, data: [1, 2.5, 'Šalek', { doors: { in: 3, out: 1 } }] },
      ],
    },
  ],
  Ack: [{ v: 1, ts, streams: { gps: 42, doors: 7, 'parking-loops': 0 } }],
  Command: [
    { v: 1, cmdId: 'c-01hx5x2k7q', issuedAt: ts, expiresAt: ts + 60_000, args: { level: 'debug' } },
    { v: 1, cmdId: 'c-2', issuedAt: ts, expiresAt: ts },
  ],
  CmdAck: [
    { v: 1, cmdId: 'c-01hx5x2k7q', verb: 'set-log-level', status: 'succeeded', ts, result: { previous: 'info' } },
    { v: 1, cmdId: 'c-2', verb: 'identify', status: 'failed', ts, error: 'panel not answering' },
  ],
  CfgDesired: [{ v: 1, version: 5, settings: { heartbeatS: 15, logLevel: 'debug', labels: { stop: 'Velenje center' } } }],
  CfgReported: [
    { v: 1, ts, version: 4, rejected: { version: 5, error: 'heartbeatS: must be at most 3600' } },
    { v: 1, ts, version: 0 },
  ],
  Content: [
    {
      v: 1,
      ts,
      kind: 'arrival-board',
      body: {
        stop: 'Velenje avtobusna postaja',
        departures: [
          { line: '1', to: 'Šalek', at: ts + 180_000, realtime: true },
          { line: '2', to: 'Konovo', at: ts + 420_000, realtime: false },
        ],
      },
    },
  ],
  Frame: [{ v: 1, ts, kind: 'arrival-board', summary: '1 Šalek 3 min | 2 Konovo 7 min (vozni red)', hash: 'sha256:9f86d081884c7d65' }],
} as const;

export const AGENT_CONFIG_SEEDS = [
  {
    $schema: './agent.schema.json',
    deviceId: 'stop-velenje-center',
    role: 'stop-display',
    site: 'velenje',
    dataDir: '/var/lib/tabla',
    mqtt: { url: 'mqtts://fleet.example.si:8883', password: 's3cret-from-provision', caFile: 'ca.pem', keepaliveS: 30 },
    settings: { logLevel: 'info', heartbeatS: 30, labels: { stop: 'Center' } },
    outbox: {
      commitIntervalMs: 1000,
      synchronous: 'FULL',
      streams: { doors: { priority: 0, ttlS: 86_400, capacity: 10_000, whenFull: 'reject-new' } },
      drain: { batchSize: 200, maxBatchesPerS: 20, window: 4, ackTimeoutS: 10 },
    },
  },
  { deviceId: 'bus-lokalc-1', role: 'bus', dataDir: '.', mqtt: { url: 'mqtt://127.0.0.1:1883', password: 'p' } },
];

export const DEVICE_IDS = ['bus-lokalc-1', 'stop-velenje-center', 'a', '0', 'x'.repeat(63)];

/** Every topic form of the contract, for a few devices, plus the wildcard filters devices use. */
export function topicSeeds(forms: Record<string, (id: string, name: string) => string>): string[] {
  const out: string[] = [];
  for (const id of DEVICE_IDS.slice(0, 3)) {
    for (const form of Object.values(forms)) out.push(form(id, 'gps'));
    out.push(`tabla/v1/${id}/cmd/+`, `tabla/v1/${id}/t/+`, `tabla/v1/${id}/#`);
  }
  return [...new Set(out)];
}

/** Pieces the topic mutator splices in: near-valid ids and names, wildcards, odd characters. */
export const TOPIC_PIECES = [
  '', '+', '#', '_fleet', 'tabla', 'v1', 'v2', 't', 'cmd', 'cfg', 'desired', 'reported', 'state', 'ack', 'session', 'gps', 'GPS',
  '-bus', 'bus_1', 'x'.repeat(64), 'a'.repeat(32), 'a'.repeat(33), 'bus-lokalc-2', 'é', ' ', '\u0000', '\n', '.', '..', '$SYS', '~',
];
