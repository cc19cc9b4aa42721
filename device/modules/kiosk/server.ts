/**
 * The panel's page on loopback, for the kiosk browser on the same card: `GET /` (the page),
 * `/kiosk.css`, `/kiosk.js` and `GET /api/kiosk` (the view, view.ts, as JSON). node:http, bound to
 * 127.0.0.1 only; nothing is read from a request but its method and path. A strict
 * Content-Security-Policy keeps the page to its own three files: no external asset, no inline code.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../protocols/index.js';
import { PAGE_HTML } from './page-html.js';
import { PAGE_CSS } from './page-css.js';
import { PAGE_SCRIPT } from './page-script.js';

export const KIOSK_HOST = '127.0.0.1';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

const FILES: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/index.html': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/kiosk.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
  '/kiosk.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
};

export interface KioskServerOptions {
  port: number;
  /** The view to serve now (called per request to /api/kiosk). */
  view(): unknown;
  log: Logger;
  /** A request that failed inside (its 500 is answered). */
  onError?(err: unknown): void;
}

export interface KioskServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/** Listens on 127.0.0.1:`port` (0: any free port); rejects when it cannot (the port taken). */
export function startKioskServer(o: KioskServerOptions): Promise<KioskServer> {
  const server = http.createServer((req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
      if (path === '/api/kiosk') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(o.view()));
      const file = FILES[path];
      if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      send(res, 200, file.type, file.body);
    } catch (err) {
      o.onError?.(err);
      o.log.error('kiosk request failed', { path: req.url?.slice(0, 100), error: (err as Error).message });
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 5_000;
  // A page polls every few seconds: a connection left open past the module's stop must not hold it.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, KIOSK_HOST, () => {
      server.off('error', reject);
      server.on('error', (err) => o.log.error('kiosk server error', { error: err.message }));
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        url: `http://${KIOSK_HOST}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
