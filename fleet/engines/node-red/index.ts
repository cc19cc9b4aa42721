/**
 * The "node-red" engine: Node-RED embedded in the fleet, for the city's integrators, enabled by
 * `TABLA_NODE_RED=1` or `tabla-fleet --node-red` (engines/index.ts loads it only then).
 *
 * - Runtime (runtime.ts): `@node-red/runtime` 4.1 with its core nodes (no HTTP-in nodes), flows
 *   in `<dataDir>/node-red/flows.json`, its log lines in ours (settings.ts).
 * - Tabla's nodes (nodes/tabla.js) see the fleet through the bridge (bridge.ts): `tabla arrivals`
 *   (boards the ETA engine sends, tap.ts), `tabla occupancy` (`occupancy-changed`), `tabla device`
 *   (`presence-changed`, modules going bad in `device-state`), `tabla message` and `tabla command`
 *   (the fleet's own message and command routes, run in process).
 * - A node that fails (throws, or reports an error) is logged with its type and id and counted in
 *   `tabla_node_red_errors_total` by node type; the flows and the fleet go on.
 * - Routes (routes.ts): `GET`/`PUT /api/flows` for `tabla flows export|deploy`.
 * - The flow editor at `/red` (unless `TABLA_NODE_RED_EDITOR=0`): Node-RED's own editor and admin
 *   API, for the fleet's admins only — a browser logged in on the dashboard (the same cookie), or a
 *   client with the admin token; a deploy from the editor lands in the same flows file.
 */
import type { ModuleStatus } from '../../../protocols/index.js';
import type { FleetEngine } from '../engine.js';
import { TablaBridge, moduleFaults, routeActions, type FleetActions } from './bridge.js';
import { addFlowRoutes } from './routes.js';
import { EmbeddedNodeRed } from './runtime.js';
import { isNodeError, logLine, ourLevel, type RedLogMessage } from './settings.js';
import type { BoardTap } from './tap.js';

export { TablaBridge, moduleFaults, routeActions, type BridgeEvents, type DeviceEvent, type FleetActions, type MessageInput } from './bridge.js';
export { flowsTrouble, logLine, ourLevel, nodeRedSettings } from './settings.js';
export { BoardTap, nodeRedEnabled } from './tap.js';

export interface NodeRedEngineOptions {
  /** the ETA engine's boards, for `tabla arrivals` (without it the node hears nothing) */
  boards?: BoardTap;
  /** how `tabla message` and `tabla command` act (default: the fleet's API routes, in process) */
  actions?: FleetActions;
  /** serve the flow editor at `/red` (default: yes, unless `TABLA_NODE_RED_EDITOR=0`) */
  editor?: boolean;
}

/** The flow editor's path. */
export const EDITOR_PATH = '/red';

export function editorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(0|false|no|off)$/i.test(env.TABLA_NODE_RED_EDITOR?.trim() ?? '');
}

export function nodeRedEngine(options: NodeRedEngineOptions = {}): FleetEngine {
  let red: EmbeddedNodeRed | null = null;
  /** What to undo at stop, last first: listeners, the editor's mount. */
  const undo: (() => void)[] = [];
  const stop = async () => {
    for (const u of undo.splice(0).reverse()) u();
    const r = red;
    red = null;
    await r?.stop();
  };
  return {
    name: 'node-red',
    async start(ctx) {
      const m = ctx.metrics;
      m.define('tabla_node_red_errors_total', 'counter', 'Errors Node-RED reported (a node that threw or failed; logged with its id), by node type.');
      m.define('tabla_node_red_deploys_total', 'counter', 'Deploys of the flows (tabla flows deploy, or Deploy in the editor).');
      m.define('tabla_node_red_events_total', 'counter', 'Fleet events handed to listening Tabla nodes, by kind.');

      const log = ctx.log;
      const onLog = (msg: RedLogMessage) => {
        try {
          const level = ourLevel(msg.level);
          if (isNodeError(msg)) m.inc('tabla_node_red_errors_total', { node: msg.type ?? 'runtime' });
          if (!level) return;
          const { text, fields } = logLine(msg);
          if (text) log[level](text, fields);
        } catch {
          // a log line that cannot be read is not worth a fault
        }
      };
      const bridge = new TablaBridge(options.actions ?? routeActions(ctx.routes), (event, err) => {
        m.inc('tabla_node_red_errors_total', { node: `bridge:${event}` });
        log.error('a Tabla node failed on an event', { event, error: (err as Error)?.message ?? String(err) });
      });
      const publish: TablaBridge['publish'] = (event, payload) => {
        if (bridge.listeners(event) === 0) return;
        m.inc('tabla_node_red_events_total', { kind: event });
        bridge.publish(event, payload);
      };

      ctx.on('occupancy-changed', (e) => publish('occupancy', e));
      ctx.on('presence-changed', ({ deviceId, presence, previous }) => publish('device', { kind: 'presence', deviceId, presence, previous }));
      const modules = new Map<string, Record<string, ModuleStatus> | undefined>();
      ctx.on('device-state', ({ deviceId, state }) => {
        const faults = moduleFaults(modules.get(deviceId), state.modules);
        modules.set(deviceId, state.modules);
        for (const f of faults) publish('device', { kind: 'fault', deviceId, ...f });
      });
      if (options.boards) undo.push(options.boards.listen((e) => publish('board', e)));

      try {
        const withEditor = options.editor ?? editorEnabled();
        red = await EmbeddedNodeRed.start({ dataDir: ctx.dataDir, bridge, onLog, ...(withEditor ? { editor: { root: `${EDITOR_PATH}/` } } : {}) });
        addFlowRoutes(ctx, () => red);
        // Every deploy, wherever it came from (the API or the editor); its start-up load is none.
        undo.push(
          red.onDeploy((revision) => {
            m.inc('tabla_node_red_deploys_total');
            log.info('flows deployed', { revision: revision.slice(0, 12) });
          }),
        );
        const editor = red.editor;
        if (editor) {
          // Requests and upgrades after a stop find nothing rather than a stopped runtime.
          ctx.routes.mount(EDITOR_PATH, {
            request: (req, res) => {
              try {
                editor.request(req, res);
              } catch (err) {
                log.error('the flow editor failed on a request', { url: req.url, error: (err as Error).message });
                if (!res.headersSent) res.writeHead(500).end();
              }
            },
            upgrade: (req, socket, head) => editor.upgrade(req, socket, head),
          });
          undo.push(() => ctx.routes.unmount(EDITOR_PATH));
        }
        log.info('Node-RED started', { nodes: (await red.getFlows())?.flows?.length ?? 0, editor: editor ? EDITOR_PATH : null });
      } catch (err) {
        await stop();
        throw err;
      }
    },
    stop,
  };
}

export default nodeRedEngine;
