/**
 * Topic layout of the wire contract: everything under one versioned root, identity in a fixed place.
 *
 *   tabla/v1/{deviceId}/{leaf}
 *
 * Device → fleet: birth, state (retained, also the last will), t/{stream}, cmd-ack, cfg/reported, frame.
 * Fleet → device: ack, cmd/{verb}, cfg/desired (retained), content, session.
 * The fleet's own presence: tabla/v1/_fleet/state (retained, with a last will).
 */

export const ROOT = 'tabla/v1';
export const FLEET_ID = '_fleet';

/** Device ids: lower-case letters, digits and dashes; never starting with `_` (reserved for the fleet). */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Stream and verb names: a single topic level. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export const UP_LEAVES = ['birth', 'state', 'cmd-ack', 'cfg/reported', 'frame'] as const;
export const DOWN_LEAVES = ['ack', 'cfg/desired', 'content', 'session'] as const;

export type UpLeaf = (typeof UP_LEAVES)[number] | `t/${string}`;
export type DownLeaf = (typeof DOWN_LEAVES)[number] | `cmd/${string}`;

export const topic = {
  birth: (id: string) => `${ROOT}/${id}/birth`,
  state: (id: string) => `${ROOT}/${id}/state`,
  telemetry: (id: string, stream: string) => `${ROOT}/${id}/t/${stream}`,
  cmdAck: (id: string) => `${ROOT}/${id}/cmd-ack`,
  cfgReported: (id: string) => `${ROOT}/${id}/cfg/reported`,
  frame: (id: string) => `${ROOT}/${id}/frame`,
  ack: (id: string) => `${ROOT}/${id}/ack`,
  cmd: (id: string, verb: string) => `${ROOT}/${id}/cmd/${verb}`,
  cfgDesired: (id: string) => `${ROOT}/${id}/cfg/desired`,
  content: (id: string) => `${ROOT}/${id}/content`,
  session: (id: string) => `${ROOT}/${id}/session`,
  fleetState: () => `${ROOT}/${FLEET_ID}/state`,
};

/** What the fleet subscribes to: every device's upward traffic. */
export const FLEET_SUBSCRIPTIONS = [
  `${ROOT}/+/birth`,
  `${ROOT}/+/state`,
  `${ROOT}/+/t/+`,
  `${ROOT}/+/cmd-ack`,
  `${ROOT}/+/cfg/reported`,
  `${ROOT}/+/frame`,
];

/** What a device subscribes to: its own downward traffic and the fleet's presence. */
export function deviceSubscriptions(id: string): string[] {
  return [topic.ack(id), `${ROOT}/${id}/cmd/+`, topic.cfgDesired(id), topic.content(id), topic.session(id), topic.fleetState()];
}

export type ParsedTopic =
  | { kind: 'fleet-state' }
  | { kind: 'birth' | 'state' | 'cmd-ack' | 'cfg-reported' | 'frame' | 'ack' | 'cfg-desired' | 'content' | 'session'; deviceId: string }
  | { kind: 'telemetry'; deviceId: string; stream: string }
  | { kind: 'cmd'; deviceId: string; verb: string };

const LEAF_KINDS: Record<string, ParsedTopic['kind']> = {
  birth: 'birth',
  state: 'state',
  'cmd-ack': 'cmd-ack',
  'cfg/reported': 'cfg-reported',
  frame: 'frame',
  ack: 'ack',
  'cfg/desired': 'cfg-desired',
  content: 'content',
  session: 'session',
};

/** The same few topics arrive over and over: remember their parses (bounded; cleared when full). */
const parsedCache = new Map<string, ParsedTopic | null>();
const PARSED_CACHE_MAX = 10_000;

/** Parses a concrete topic (no wildcards). Returns null for anything outside the contract. */
export function parseTopic(t: string): ParsedTopic | null {
  let parsed = parsedCache.get(t);
  if (parsed === undefined) {
    if (parsedCache.size >= PARSED_CACHE_MAX) parsedCache.clear();
    parsed = parseTopicUncached(t);
    parsedCache.set(t, parsed);
  }
  return parsed;
}

function parseTopicUncached(t: string): ParsedTopic | null {
  const parts = t.split('/');
  if (parts.length < 4 || parts[0] !== 'tabla' || parts[1] !== 'v1') return null;
  const id = parts[2]!;
  const leaf = parts.slice(3).join('/');
  if (id === FLEET_ID) return leaf === 'state' ? { kind: 'fleet-state' } : null;
  if (!DEVICE_ID_PATTERN.test(id)) return null;
  if (parts.length === 5 && parts[3] === 't') {
    return NAME_PATTERN.test(parts[4]!) ? { kind: 'telemetry', deviceId: id, stream: parts[4]! } : null;
  }
  if (parts.length === 5 && parts[3] === 'cmd') {
    return NAME_PATTERN.test(parts[4]!) ? { kind: 'cmd', deviceId: id, verb: parts[4]! } : null;
  }
  const kind = LEAF_KINDS[leaf];
  return kind ? ({ kind, deviceId: id } as ParsedTopic) : null;
}
