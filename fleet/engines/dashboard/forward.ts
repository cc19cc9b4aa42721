/**
 * The dashboard's bridge to the fleet's own API: a logged-in page asks `/dashboard/api/<path>` and
 * the engine asks `/api/<path>` of the same HTTP server, over loopback, with the session's admin
 * token as the bearer token. Every existing route (devices, frames, parking, vehicles, ridership,
 * alerts, commands) is so checked by the router exactly as for the CLI; the page is limited to
 * reading and to the verbs it has buttons for.
 *
 * `serverResponseOf` is the response the router gives a route (ApiRequest.response), for the two
 * things its answers do not carry: a Set-Cookie header and an event stream.
 */
import http from 'node:http';
import net from 'node:net';
import type { ApiRequest, ApiResponse } from '../../http/router.js';
import { HttpError } from '../../http/router.js';

/** The verbs the dashboard's buttons send. */
export const DASHBOARD_VERBS = ['identify', 'restart'] as const;

/** The response of this request (headers added to it go out with the route's answer). */
export function serverResponseOf(req: ApiRequest): http.ServerResponse {
  return req.response;
}

/** Where this request came in, as a base URL to ask the same server again. */
export function selfUrl(req: ApiRequest): string {
  const { localAddress, localPort } = req.raw.socket;
  if (!localAddress || !localPort) throw new HttpError(500, 'the request has no local address');
  const host = net.isIPv6(localAddress) ? `[${localAddress}]` : localAddress;
  return `http://${host}:${localPort}`;
}

export interface Forwarded {
  status: number;
  contentType: string;
  bytes: Uint8Array;
}

/** Asks the fleet's API (`path` starts with `/api/`) with `token`; the answer as it came. */
export async function forward(base: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Forwarded> {
  if (!path.startsWith('/api/')) throw new HttpError(400, `not an API path: ${path.slice(0, 100)}`);
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/octet-stream', bytes: new Uint8Array(await res.arrayBuffer()) };
}

export const asResponse = (f: Forwarded): ApiResponse => ({ status: f.status, bytes: f.bytes, contentType: f.contentType });

/** What the dashboard may POST: a command its buttons send, to one device; else why not. */
export function commandRefusal(path: string, body: unknown): string | null {
  if (!/^\/api\/devices\/[^/]+\/commands$/.test(path)) return `the dashboard posts only commands (POST /api/devices/:id/commands), not ${path.slice(0, 100)}`;
  const verb = (body as { verb?: unknown } | null)?.verb;
  if (typeof verb !== 'string' || !(DASHBOARD_VERBS as readonly string[]).includes(verb)) {
    return `the dashboard sends only ${DASHBOARD_VERBS.join(' and ')} (use the CLI for ${typeof verb === 'string' ? verb.slice(0, 40) : 'other verbs'})`;
  }
  return null;
}
