/**
 * The node-red engine's HTTP routes (admin token), for `tabla flows`:
 *
 * - `GET /api/flows` → `{rev, flows}`: every flow as Node-RED exports it
 * - `PUT /api/flows` `[{id, type, …}, …]` (or `{flows: […]}`) → `{rev, nodes}`: replaces every flow
 *   (a full deploy), kept in `<dataDir>/node-red/flows.json`; 400 naming what is wrong (a node
 *   type this fleet's Node-RED does not have included), nothing deployed then
 */
import { HttpError } from '../../http/router.js';
import type { EngineContext } from '../engine.js';
import type { EmbeddedNodeRed } from './runtime.js';
import { flowsTrouble } from './settings.js';

export function addFlowRoutes(ctx: EngineContext, red: () => EmbeddedNodeRed | null): void {
  const running = () => {
    const r = red();
    if (!r) throw new HttpError(503, 'Node-RED is not running');
    return r;
  };

  ctx.routes.add('GET', '/api/flows', async () => ({ body: await running().getFlows() }));

  ctx.routes.add('PUT', '/api/flows', async (req) => {
    const r = running();
    const body = await req.json();
    const flows = Array.isArray(body) ? body : (body as { flows?: unknown } | null)?.flows;
    const trouble = flowsTrouble(flows, await r.types());
    if (trouble) throw new HttpError(400, trouble);
    const { rev } = await r.setFlows(flows as unknown[]);
    return { body: { rev, nodes: (flows as unknown[]).length } };
  });
}
