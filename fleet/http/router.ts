/**
 * The fleet's HTTP API, routed by a table (find-my-way, fastify's router) that each concern and
 * each engine extends with its own routes. `/healthz`, `/metrics` and `/` are open (probes and
 * Prometheus on the same host); everything under `/api` needs the admin token as a bearer token.
 *
 * Errors map to status codes in one place: HttpError's own, 413 for a message too large to send
 * to a device, 400 for one a device would refuse, 500 (logged) for the rest.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import createRouter, { type HTTPMethod } from 'find-my-way';
import type { z } from 'zod';
import type { Logger } from '../../protocols/index.js';
import { MAX_JSON_DEPTH, PayloadInvalid, PayloadTooLarge, formatIssues, jsonTrouble } from '../../protocols/index.js';

const MAX_BODY = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  /** The JSON body ({} when empty); 400 when it is not JSON, 413 past 1 MiB. */
  json(): Promise<unknown>;
  /** The body as bytes (an upload); 413 past the route's `maxBodyBytes` (1 MiB unless it says). */
  bytes(): Promise<Uint8Array>;
  raw: http.IncomingMessage;
  /**
   * The response, for a route that adds headers of its own (a cookie, a CSP) or writes it itself
   * (an event stream): once its headers are sent, the route's answer is not written again.
   */
  response: http.ServerResponse;
}

/** A JSON answer, a text one (Prometheus exposition) or bytes (protobuf: GTFS-Realtime). */
export type ApiResponse =
  | { status?: number; body: unknown }
  | { status?: number; text: string; contentType: string }
  | { status?: number; bytes: Uint8Array; contentType: string };
export type RouteHandler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface RouteOptions {
  /** The most bytes `req.bytes()` reads, for a route taking an upload (a GTFS zip); JSON stays at 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * A whole web application mounted under a path (Node-RED's editor, an Express app): it gets every
 * request under its prefix, the prefix taken off `req.url`, and the WebSocket upgrades there. Only
 * an admin reaches it (the bearer token, or a browser session that opened with the token); anyone
 * else is sent to the dashboard's login (a browser) or refused with 401.
 */
export interface MountedApp {
  request(req: http.IncomingMessage, res: http.ServerResponse): void;
  upgrade?(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** The admin token a request's browser session was opened with (its cookie), or null. */
export type SessionLookup = (req: http.IncomingMessage) => string | null;

export interface Routes {
  /** Adds a route; `path` in find-my-way syntax (`/api/devices/:id`). `/api/…` routes need the admin token. */
  add(method: HTTPMethod, path: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Mounts an application under `prefix` (`/red`), admins only; `prefix` itself redirects to `prefix/`. */
  mount(prefix: string, app: MountedApp): void;
  /** Takes a mounted application away (its engine stopped): its path is a 404 again. */
  unmount(prefix: string): void;
  /** The prefixes mounted now. */
  mounted(): string[];
  /**
   * Runs a JSON route in process with the admin's rights, as the same request over loopback would
   * (the same checks and answers, no socket, no token): an engine acting through another's API.
   */
  call(method: HTTPMethod, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Lets a browser session stand for the admin token on mounted applications (the dashboard's logins). */
  acceptSessions(lookup: SessionLookup): void;
}

/** Where a browser without a session is sent to log in, coming back to `next` afterwards. */
export const LOGIN_PATH = '/dashboard';

export class HttpApi implements Routes {
  readonly #router = createRouter<createRouter.HTTPVersion.V1>({ ignoreTrailingSlash: true });
  readonly #server: http.Server;
  readonly #token: () => string;
  readonly #log: Logger;
  readonly #mounts: { prefix: string; app: MountedApp }[] = [];
  readonly #sessions: SessionLookup[] = [];

  constructor(options: { adminToken: () => string; log: Logger }) {
    this.#token = options.adminToken;
    this.#log = options.log;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        const status =
          err instanceof HttpError ? err.status : err instanceof PayloadTooLarge ? 413 : err instanceof PayloadInvalid ? 400 : 500;
        if (status === 500) this.#log.error('http handler failed', { url: req.url, error: (err as Error).message, stack: (err as Error).stack });
        send(res, status, { error: (err as Error).message });
      });
    });
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.#upgrade(req, socket, head);
      } catch (err) {
        this.#log.warn('websocket upgrade failed', { url: req.url, error: (err as Error).message });
        socket.destroy();
      }
    });
  }

  mount(prefix: string, app: MountedApp): void {
    if (!/^\/[a-z0-9-]+$/.test(prefix) || prefix === '/api' || this.#mounts.some((m) => m.prefix === prefix)) {
      throw new Error(`mount ${prefix}: one path segment (/red), not /api, mounted once`);
    }
    this.#mounts.push({ prefix, app });
  }

  unmount(prefix: string): void {
    const i = this.#mounts.findIndex((m) => m.prefix === prefix);
    if (i >= 0) this.#mounts.splice(i, 1);
  }

  mounted(): string[] {
    return this.#mounts.map((m) => m.prefix);
  }

  async call(method: HTTPMethod, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const url = new URL(path, 'http://localhost');
    const found = this.#router.find(method, url.pathname);
    if (!found) return { status: 404, body: { error: `no route ${method} ${url.pathname}` } };
    const { handler } = found.store as { handler: RouteHandler };
    const raw = new http.IncomingMessage(new net.Socket());
    raw.method = method;
    raw.url = url.pathname + url.search;
    raw.headers = { 'content-type': 'application/json', host: 'localhost' };
    const text = body === undefined ? '' : JSON.stringify(body);
    try {
      const out = await handler({
        method,
        url,
        params: { ...(found.params as Record<string, string>) },
        // A copy, as a body read off the wire would be: the route may keep or change it.
        json: async () => (text ? JSON.parse(text) : {}),
        bytes: async () => new TextEncoder().encode(text),
        raw,
        response: new http.ServerResponse(raw),
      });
      if ('text' in out) return { status: out.status ?? 200, body: out.text };
      if ('bytes' in out) return { status: out.status ?? 200, body: out.bytes };
      return { status: out.status ?? 200, body: out.body };
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof PayloadTooLarge ? 413 : err instanceof PayloadInvalid ? 400 : 500;
      if (status === 500) throw err;
      return { status, body: { error: (err as Error).message } };
    }
  }

  acceptSessions(lookup: SessionLookup): void {
    this.#sessions.push(lookup);
  }

  /** Whether a request comes from an admin: the bearer token, or a session opened with the current token. */
  isAdmin(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ') && sameToken(header.slice(7), this.#token())) return true;
    for (const lookup of this.#sessions) {
      const token = lookup(req);
      if (token !== null && sameToken(token, this.#token())) return true;
    }
    return false;
  }

  add(method: HTTPMethod, path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this.#router.on(method, path, (() => {}) as never, { handler, maxBodyBytes: options.maxBodyBytes ?? MAX_BODY });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve((this.#server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const mounted = this.#mountOf(url.pathname);
    if (mounted) return this.#toMount(mounted, url, req, res);
    const found = this.#router.find(method as HTTPMethod, url.pathname);
    if (url.pathname.startsWith('/api/')) this.#authorize(req); // before saying whether a route exists
    if (!found) throw new HttpError(404, `no route ${method} ${url.pathname}`);
    const { handler, maxBodyBytes } = found.store as { handler: RouteHandler; maxBodyBytes: number };
    const params = { ...(found.params as Record<string, string>) };
    const out = await handler({ method, url, params, json: () => readJson(req), bytes: () => readBody(req, maxBodyBytes), raw: req, response: res });
    if (res.headersSent || res.writableEnded) return; // the route wrote it itself
    if ('text' in out || 'bytes' in out) {
      res.writeHead(out.status ?? 200, { 'content-type': out.contentType });
      res.end('text' in out ? out.text : Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.bytes.byteLength));
    } else {
      send(res, out.status ?? 200, out.body);
    }
  }

  #authorize(req: http.IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    if (!sameToken(header.startsWith('Bearer ') ? header.slice(7) : '', this.#token())) {
      throw new HttpError(401, 'admin token required (Authorization: Bearer …; see TABLA_TOKEN)');
    }
  }

  #mountOf(pathname: string): { prefix: string; app: MountedApp } | null {
    return this.#mounts.find((m) => pathname === m.prefix || pathname.startsWith(`${m.prefix}/`)) ?? null;
  }

  #toMount(m: { prefix: string; app: MountedApp }, url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.isAdmin(req)) {
      if ((req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html')) {
        res.writeHead(302, { location: `${LOGIN_PATH}?next=${encodeURIComponent(url.pathname)}`, 'cache-control': 'no-store' });
        res.end();
        return;
      }
      throw new HttpError(401, `${m.prefix} is for admins: log in on ${LOGIN_PATH} first, or send the admin token (Authorization: Bearer …)`);
    }
    if (url.pathname === m.prefix) {
      res.writeHead(301, { location: `${m.prefix}/${url.search}` });
      res.end();
      return;
    }
    req.url = (req.url ?? '/').slice(m.prefix.length) || '/';
    m.app.request(req, res);
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const m = this.#mountOf(pathname);
    if (!m?.app.upgrade || !this.isAdmin(req)) {
      socket.end(`HTTP/1.1 ${m?.app.upgrade ? '401 Unauthorized' : '404 Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    m.app.upgrade(req, socket, head);
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && a.length > 0 && crypto.timingSafeEqual(a, b);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
  res.end(text + '\n');
}

/** The body, counted as it arrives (a declared content-length past the limit is refused before). */
async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > max) throw new HttpError(413, `body over ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `body over ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, MAX_BODY)).toString('utf8');
  if (!text) return {};
  const trouble = jsonTrouble(text, MAX_JSON_DEPTH);
  if (trouble) throw new HttpError(400, `body refused: ${trouble}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body is not JSON: ${(err as Error).message}`);
  }
}

/** Validates a body against a schema: 400 naming the fields that fail. */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, formatIssues(r.error));
  return r.data;
}
