/**
 * The HTTP API's mounted applications and in-process calls, on a real server on loopback.
 *
 * - A mounted application gets the requests under its prefix (the prefix taken off), an admin's
 *   only: the bearer token, or a browser session that was opened with the current token; others
 *   get 401 (a browser: sent to the login). Unmounted, its path is a 404 again.
 * - `call` runs a route as the admin without a socket: the same answers as over HTTP.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpApi, HttpError } from '../../fleet/http/router.js';
import { quiet } from '../helpers.js';

const TOKEN = 'admin-token-0123456789';

async function served(): Promise<{ api: HttpApi; url: string }> {
  const api = new HttpApi({ adminToken: () => TOKEN, log: quiet });
  const port = await api.listen(0, '127.0.0.1');
  return { api, url: `http://127.0.0.1:${port}` };
}

test('a mounted app: admins only, its prefix taken off; sessions stand for the token; unmounted it is gone', async () => {
  const { api, url } = await served();
  try {
    const seen: string[] = [];
    api.mount('/app', {
      request: (req, res) => {
        seen.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`app saw ${req.url}`);
      },
    });
    assert.equal(api.mounted(), ['/app']);
    assert.throws(() => api.mount('/app', { request: () => {} }), /mounted once/);
    assert.throws(() => api.mount('/api', { request: () => {} }), /not \/api/);
    assert.throws(() => api.mount('/a/b', { request: () => {} }), /one path segment/);

    const anon = await fetch(`${url}/app/x?y=1`);
    assert.is(anon.status, 401);
    const browser = await fetch(`${url}/app/x`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.is(browser.status, 302);
    assert.is(browser.headers.get('location'), '/dashboard?next=%2Fapp%2Fx');
    assert.equal(seen, [], 'nothing reached the app');

    const admin = await fetch(`${url}/app/x?y=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(await admin.text(), 'app saw /x?y=1');
    const bare = await fetch(`${url}/app`, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' });
    assert.is(bare.status, 301);
    assert.is(bare.headers.get('location'), '/app/');
    // A path that only begins like the prefix is not the app's.
    assert.is((await fetch(`${url}/application`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);

    // A session: only one opened with the token the fleet has now.
    const sessions = new Map([
      ['good', TOKEN],
      ['old', 'a-rotated-token-000000'],
    ]);
    api.acceptSessions((req) => sessions.get(/s=(\w+)/.exec(req.headers.cookie ?? '')?.[1] ?? '') ?? null);
    assert.is((await fetch(`${url}/app/y`, { headers: { cookie: 's=good' } })).status, 200);
    assert.is((await fetch(`${url}/app/y`, { headers: { cookie: 's=old' } })).status, 401);
    assert.is((await fetch(`${url}/app/y`, { headers: { cookie: 's=none' } })).status, 401);

    api.unmount('/app');
    assert.is((await fetch(`${url}/app/x`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
    assert.equal(seen, ['/x?y=1', '/y']);
  } finally {
    await api.close();
  }
});

test('call: a route run in process as the admin, with the answers HTTP would give', async () => {
  const { api, url } = await served();
  try {
    let kept: { n: number } | null = null;
    api.add('POST', '/api/things/:id', async (req) => {
      const body = (await req.json()) as { n?: unknown };
      if (typeof body.n !== 'number') throw new HttpError(400, 'n: a number');
      kept = body as { n: number };
      body.n += 1; // the caller's object is not the route's
      return { status: 201, body: { id: req.params.id, n: body.n } };
    });
    api.add('GET', '/api/broken', () => {
      throw new Error('a bug');
    });
    const input = { n: 1 };
    assert.equal(await api.call('POST', '/api/things/a%20b', input), { status: 201, body: { id: 'a b', n: 2 } });
    assert.equal(input, { n: 1 });
    assert.equal(kept, { n: 2 });
    assert.equal(await api.call('POST', '/api/things/x', { n: 'no' }), { status: 400, body: { error: 'n: a number' } });
    assert.is((await api.call('GET', '/api/nowhere')).status, 404);
    try {
      await api.call('GET', '/api/broken');
      assert.unreachable('a failing route throws');
    } catch (err) {
      assert.match((err as Error).message, /a bug/);
    }
    // The same route over HTTP wants the token.
    const r = await fetch(`${url}/api/things/x`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } });
    assert.is(r.status, 401);
  } finally {
    await api.close();
  }
});

test.run();
