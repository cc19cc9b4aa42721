/**
 * The Node-RED runtime's settings for a fleet, and how its log lines become ours: pure functions.
 *
 * Headless unless given the editor's path (then the editor and its admin API there, without
 * Node-RED's own logins: the fleet lets only its admins in), no HTTP-in nodes (`httpNodeRoot:
 * false`), nothing installed from npm at run time, no palette catalogue; flows in `<dataDir>/node-red/flows.json`,
 * their credentials encrypted with the fleet's own secret (no prompt).
 */
import path from 'node:path';

/** A Node-RED log message (`@node-red/util` log). */
export interface RedLogMessage {
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
  name?: string;
  z?: string;
}

/** Node-RED's levels (`@node-red/util` log.js). */
export const RED_LEVEL = { fatal: 10, error: 20, warn: 30, info: 40, debug: 50, trace: 60, audit: 98, metric: 99 } as const;

export interface RedSettingsInput {
  dataDir: string;
  /** @node-red/nodes' folder (its core nodes) */
  coreNodesDir: string;
  /** Tabla's node module (nodes/) */
  tablaNodesDir: string;
  credentialSecret: string;
  bridge: unknown;
  onLog(msg: RedLogMessage): void;
  /** the editor's path (`/red/`), or none: headless */
  editorRoot?: string;
}

/** How long a function node's code may run for one message, s (a node's own timeout may be shorter). */
export const FUNCTION_TIMEOUT_S = 1;

export function nodeRedUserDir(dataDir: string): string {
  return path.join(dataDir, 'node-red');
}

export function nodeRedSettings(o: RedSettingsInput): Record<string, unknown> {
  return {
    userDir: nodeRedUserDir(o.dataDir),
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: o.credentialSecret,
    coreNodesDir: o.coreNodesDir,
    nodesDir: [o.tablaNodesDir],
    ...(o.editorRoot ? { httpAdminRoot: o.editorRoot, disableEditor: false } : { httpAdminRoot: false, disableEditor: true }),
    // Headless too: Node-RED's settings keep the keys of an earlier start in the same process, and
    // its storage reads editorTheme.projects without checking it is still there.
    editorTheme: {
      page: { title: 'Tabla · Node-RED' },
      header: { title: 'Tabla · Node-RED' },
      projects: { enabled: false },
      tours: false,
      palette: { catalogues: [] },
      multiplayer: { enabled: false },
    },
    diagnostics: { enabled: false },
    httpNodeRoot: false,
    // No update checks: the fleet may run on a closed network.
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false }, modules: { allowInstall: false } },
    functionExternalModules: false,
    // A function node's code runs on the fleet's own thread: one that loops is stopped after this
    // many seconds (an error its flow can catch, counted) instead of stalling the fleet.
    globalFunctionTimeout: FUNCTION_TIMEOUT_S,
    logging: { tabla: { level: 'debug', metrics: false, audit: false, handler: () => o.onLog } },
    tablaBridge: o.bridge,
  };
}

export type OurLevel = 'error' | 'warn' | 'info' | 'debug';

/** Our level for a Node-RED one (audit and metric lines are not ours to keep). */
export function ourLevel(level: number): OurLevel | null {
  if (level <= RED_LEVEL.error) return 'error';
  if (level <= RED_LEVEL.warn) return 'warn';
  if (level <= RED_LEVEL.info) return 'info';
  if (level <= RED_LEVEL.trace) return 'debug';
  return null;
}

/** The text and fields of a Node-RED log message, naming the node it came from. */
export function logLine(m: RedLogMessage): { text: string; fields: Record<string, unknown> } {
  const raw = m.msg;
  const text =
    typeof raw === 'string' ? raw : raw instanceof Error ? raw.message : typeof (raw as { message?: unknown })?.message === 'string' ? (raw as { message: string }).message : JSON.stringify(raw);
  const fields: Record<string, unknown> = {};
  if (m.type) fields.node = m.type;
  if (m.id) fields.nodeId = m.id;
  if (m.name) fields.nodeName = m.name;
  if (m.z) fields.flow = m.z;
  if (raw instanceof Error && raw.stack) fields.stack = raw.stack;
  return { text: text.trim(), fields };
}

/** Whether a message is an error a flow's node reported (what `tabla_node_red_errors_total` counts). */
export function isNodeError(m: RedLogMessage): boolean {
  return m.level <= RED_LEVEL.error;
}

/** Flow entries that are no node type of their own (tabs, subflows, groups, …). */
const STRUCTURAL = new Set(['tab', 'subflow', 'group', 'junction', 'comment', 'unknown']);

/**
 * What is wrong with a flows document (an array of nodes), or null: each entry an object with a
 * string `id` and `type`, ids unique, and every type one the runtime knows.
 */
export function flowsTrouble(flows: unknown, knownTypes: ReadonlySet<string>): string | null {
  if (!Array.isArray(flows)) return 'flows: an array of nodes ([{id, type, …}, …]) as Node-RED exports it';
  const ids = new Set<string>();
  const subflows = new Set<string>();
  for (const n of flows) if (n && typeof n === 'object' && (n as { type?: unknown }).type === 'subflow') subflows.add(String((n as { id?: unknown }).id));
  const unknown = new Set<string>();
  for (const [i, n] of flows.entries()) {
    if (!n || typeof n !== 'object' || Array.isArray(n)) return `flows[${i}]: not an object`;
    const { id, type } = n as { id?: unknown; type?: unknown };
    if (typeof id !== 'string' || !id) return `flows[${i}]: no id`;
    if (typeof type !== 'string' || !type) return `flows[${i}] (${id}): no type`;
    if (ids.has(id)) return `flows[${i}]: id ${id} twice`;
    ids.add(id);
    if (STRUCTURAL.has(type) || (type.startsWith('subflow:') && subflows.has(type.slice(8)))) continue;
    if (!knownTypes.has(type)) unknown.add(type);
  }
  if (unknown.size) return `unknown node types: ${[...unknown].sort().join(', ')} (not in this fleet's Node-RED)`;
  return null;
}
