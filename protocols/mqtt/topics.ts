/**
 * Topic layout of the wire contract: everything under one versioned root, identity in a fixed place.
 *
 *   tabla/v1/{deviceId}/{leaf}
 *
 * Every leaf is one row of `LEAVES`; the `topic.*` forms, both sides' subscriptions, `parseTopic`
 * and the ACL (acl.ts) are all derived from it, so a new leaf is one new row.
 * The fleet's own presence: tabla/v1/_fleet/state (retained, with a last will).
 */

export const ROOT = 'tabla/v1';
export const FLEET_ID = '_fleet';

/** Device ids: lower-case letters, digits and dashes; never starting with `_` (reserved for the fleet). */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Stream and verb names: a single topic level. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** A leaf of a device's subtree. */
interface Leaf {
  /** Its `topic.*` form: the camel-case of its kind. */
  form: string;
  /** Its filter under tabla/v1/{deviceId}/: one `+` level stands for its named parameter. */
  leaf: string;
  /** What the `+` level names (a NAME_PATTERN name); absent for a fixed leaf. */
  param?: 'stream' | 'verb';
  /** up: the device publishes, the fleet subscribes; down: the fleet publishes, the device subscribes. */
  dir: 'up' | 'down';
  /** Published retained: the broker hands the last one to every new subscriber. */
  retained: boolean;
  /** The QoS its subscriber asks for (the fleet for an up leaf, the device for a down one). */
  qos: 0 | 1;
}

/**
 * The leaves, by the kind `parseTopic` gives them. Telemetry and acks are subscribed at QoS 0:
 * delivery is made certain end to end (the device keeps every row until an ack after the fleet's
 * commit, and resends after ackTimeoutS), so a broker-level PUBACK would buy nothing.
 */
export const LEAVES = {
  birth: { form: 'birth', leaf: 'birth', dir: 'up', retained: false, qos: 1 },
  state: { form: 'state', leaf: 'state', dir: 'up', retained: true, qos: 1 },
  telemetry: { form: 'telemetry', leaf: 't/+', param: 'stream', dir: 'up', retained: false, qos: 0 },
  'cmd-ack': { form: 'cmdAck', leaf: 'cmd-ack', dir: 'up', retained: false, qos: 1 },
  'cfg-reported': { form: 'cfgReported', leaf: 'cfg/reported', dir: 'up', retained: true, qos: 1 },
  frame: { form: 'frame', leaf: 'frame', dir: 'up', retained: false, qos: 1 },
  ack: { form: 'ack', leaf: 'ack', dir: 'down', retained: false, qos: 0 },
  cmd: { form: 'cmd', leaf: 'cmd/+', param: 'verb', dir: 'down', retained: false, qos: 1 },
  'cfg-desired': { form: 'cfgDesired', leaf: 'cfg/desired', dir: 'down', retained: true, qos: 1 },
  content: { form: 'content', leaf: 'content', dir: 'down', retained: false, qos: 1 },
  session: { form: 'session', leaf: 'session', dir: 'down', retained: false, qos: 1 },
} as const satisfies Record<string, Leaf>;

export type LeafKind = keyof typeof LEAVES;
type LeafOf<K extends LeafKind> = (typeof LEAVES)[K];
type Param<K extends LeafKind> = LeafOf<K> extends { param: infer P } ? P : never;

/** Every leaf kind, in the table's order. */
export const LEAF_KINDS = Object.keys(LEAVES) as LeafKind[];
/** The leaf kinds of one direction, in the table's order. */
export const leafKinds = (dir: 'up' | 'down'): LeafKind[] => LEAF_KINDS.filter((k) => LEAVES[k].dir === dir);
const UP_KINDS = leafKinds('up');
const DOWN_KINDS = leafKinds('down');
const fixed = (kinds: LeafKind[]) => kinds.filter((k) => !('param' in LEAVES[k])).map((k) => LEAVES[k].leaf);

/** The fixed (parameterless) leaves of each direction. */
export const UP_LEAVES: readonly string[] = fixed(UP_KINDS);
export const DOWN_LEAVES: readonly string[] = fixed(DOWN_KINDS);

interface ParamForms {
  stream: (id: string, stream: string) => string;
  verb: (id: string, verb: string) => string;
}
type Forms = {
  [K in LeafKind as LeafOf<K>['form']]: [Param<K>] extends [never] ? (id: string) => string : ParamForms[Param<K> & keyof ParamForms];
};

/** `tabla/v1/{id}/{leaf}`, the leaf's `+` (if any) replaced by `name`. */
function write(kind: LeafKind, id: string, name?: string): string {
  const { leaf } = LEAVES[kind];
  return `${ROOT}/${id}/${name === undefined ? leaf : leaf.replace('+', () => name)}`;
}

/** The topic of each leaf: `topic.birth(id)`, `topic.telemetry(id, stream)`, `topic.cmd(id, verb)`, … */
export const topic = {
  ...(Object.fromEntries(LEAF_KINDS.map((k) => [LEAVES[k].form, (id: string, name?: string) => write(k, id, name)])) as Forms),
  fleetState: () => `${ROOT}/${FLEET_ID}/state`,
};

/** A leaf's filter for device `id` (`%u` in a Mosquitto pattern, `+` for every device). */
export const leafFilter = (kind: LeafKind, id: string) => write(kind, id);

/** What the fleet subscribes to: every device's upward traffic. */
export const FLEET_SUBSCRIPTIONS: readonly string[] = UP_KINDS.map((k) => leafFilter(k, '+'));

/** What a device subscribes to: its own downward traffic and the fleet's presence. */
export function deviceSubscriptions(id: string): string[] {
  return [...DOWN_KINDS.map((k) => leafFilter(k, id)), topic.fleetState()];
}

/** The fleet's subscriptions with the QoS of each, as MQTT.js `subscribe` takes them. */
export function fleetSubscriptionQos(): Record<string, { qos: 0 | 1 }> {
  return Object.fromEntries(UP_KINDS.map((k) => [leafFilter(k, '+'), { qos: LEAVES[k].qos }]));
}

/** A device's subscriptions with the QoS of each, as MQTT.js `subscribe` takes them. */
export function deviceSubscriptionQos(id: string): Record<string, { qos: 0 | 1 }> {
  const filters = DOWN_KINDS.map((k) => [leafFilter(k, id), { qos: LEAVES[k].qos }] as const);
  return Object.fromEntries([...filters, [topic.fleetState(), { qos: 1 }]]);
}

type ParsedLeaf<K extends LeafKind> = [Param<K>] extends [never]
  ? { kind: K; deviceId: string }
  : { kind: K; deviceId: string } & { [P in Param<K> & string]: string };

export type ParsedTopic = { kind: 'fleet-state' } | { [K in LeafKind]: ParsedLeaf<K> }[LeafKind];

/** Fixed leaves by their text, and parameterised ones by their first level (`t`, `cmd`). */
const FIXED_KINDS = new Map<string, LeafKind>();
const PARAM_KINDS = new Map<string, { kind: LeafKind; param: NonNullable<Leaf['param']> }>();
for (const kind of LEAF_KINDS) {
  const { leaf, param }: Leaf = LEAVES[kind];
  if (param) PARAM_KINDS.set(leaf.slice(0, -'/+'.length), { kind, param });
  else FIXED_KINDS.set(leaf, kind);
}

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
  const named = parts.length === 5 ? PARAM_KINDS.get(parts[3]!) : undefined;
  if (named) return NAME_PATTERN.test(parts[4]!) ? ({ kind: named.kind, deviceId: id, [named.param]: parts[4]! } as ParsedTopic) : null;
  const kind = FIXED_KINDS.get(leaf);
  return kind ? ({ kind, deviceId: id } as ParsedTopic) : null;
}
