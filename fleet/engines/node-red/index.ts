/**
 * The "node-red" engine: Node-RED embedded in the fleet, for the city's integrators, enabled by
 * `TABLA_NODE_RED=1` (engines/index.ts loads it only then).
 *
 * - Runtime (runtime.ts): `@node-red/runtime` 4.1 with its core nodes, headless (no editor, no
 *   HTTP-in), flows in `<dataDir>/node-red/flows.json`, its log lines in ours (settings.ts).
 * - Tabla's nodes (nodes/tabla.js) see the fleet through the bridge (bridge.ts): `tabla arrivals`
 *   (boards the ETA engine sends, tap.ts), `tabla occupancy` (`occupancy-changed`), `tabla device`
 *   (`presence-changed`, modules going bad in `device-state`), `tabla message` and `tabla command`
 *   (the fleet's own message and command routes).
 * - A node that fails (throws, or reports an error) is logged with its type and id and counted in
 *   `tabla_node_red_errors_total` by node type; the flows and the fleet go on.
 * - Routes (routes.ts): `GET`/`PUT /api/flows` for `tabla flows export|deploy`.
 */
import type { ModuleStatus } from '../../../protocols/index.js';
import type { FleetEngine } from '../engine.js';
import { TablaBridge, loopbackActions, moduleFaults, type FleetActions } from './bridge.js';
import { addFlowRoutes } from './routes.js';
import { EmbeddedNodeRed } from './runtime.js';
import { isNodeError, logLine, ourLevel, type RedLogMessage } from './settings.js';
import type { BoardTap } from './tap.js';

export { TablaBridge, moduleFaults, type BridgeEvents, type DeviceEvent, type FleetActions, type MessageInput } from './bridge.js';
export { flowsTrouble, logLine, ourLevel, nodeRedSettings } from './settings.js';
export { BoardTap, nodeRedEnabled } from './tap.js';

export interface NodeRedEngineOptions {
  /** the ETA engine's boards, for `tabla arrivals` (without it the node hears nothing) */
  boards?: BoardTap;
  /** how `tabla message` and `tabla command` act (default: the fleet's API on loopback) */
  actions?: FleetActions;
}

export function nodeRedEngine(options: NodeRedEngineOptions = {}): FleetEngine {
  let red: EmbeddedNodeRed | null = null;
  let unlisten: (() => void) | null = null;
  const stop = async () => {
    unlisten?.();
    unlisten = null;
    const r = red;
    red = null;
    await r?.stop();
  };
  return {
    name: 'node-red',
    async start(ctx) {
      const m = ctx.metrics;
      m.define('tabla_node_red_errors_total', 'counter', 'Errors Node-RED reported (a node that threw or failed; logged with its id), by node type.');
      m.define('tabla_node_red_deploys_total', 'counter', 'Full deploys of the flows (tabla flows deploy).');
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
      const bridge = new TablaBridge(options.actions ?? loopbackActions(ctx.dataDir), (event, err) => {
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
      unlisten = options.boards?.listen((e) => publish('board', e)) ?? null;

      try {
        red = await EmbeddedNodeRed.start({ dataDir: ctx.dataDir, bridge, onLog });
        addFlowRoutes(ctx, () => red, () => m.inc('tabla_node_red_deploys_total'));
        log.info('Node-RED started', { nodes: (await red.getFlows())?.flows?.length ?? 0 });
      } catch (err) {
        await stop();
        throw err;
      }
    },
    stop,
  };
}

export default nodeRedEngine;
