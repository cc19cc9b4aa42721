import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from '../../device/agent.js';
import { freePort, provision, quiet, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

/** A throwaway CA and a server certificate for 127.0.0.1, made with openssl. */
function makeCerts() {
  const dir = tmpDir('tabla-tls-');
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Tabla test CA', '-keyout', f('ca.key'), '-out', f('ca.crt'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr'));
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('ext.cnf'), '-out', f('server.crt'));
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

test('agents can reach the embedded broker over TLS, verifying it against their CA', async () => {
  const certs = makeCerts();
  const tlsPort = await freePort();
  const fleet = await startFleet({ tls: { port: tlsPort, certFile: certs.cert, keyFile: certs.key } });
  const good = new Agent({ config: provision(fleet, 'stop-tls', 'stop-display', { mqtt: { url: `mqtts://127.0.0.1:${tlsPort}`, caFile: certs.ca } }), log: quiet });
  // The control: a device that trusts another CA must not connect.
  const other = makeCerts();
  const wary = new Agent({ config: provision(fleet, 'stop-wary', 'stop-display', { mqtt: { url: `mqtts://127.0.0.1:${tlsPort}`, caFile: other.ca } }), log: quiet });
  try {
    assert.is(fleet.broker!.tlsPort, tlsPort);
    await good.start();
    await waitFor('online over TLS', () => fleet.presence.of('stop-tls') === 'online');
    await good.record('log', { hello: 'šumnik' });
    await waitFor('stored', () => storedSeqs(fleet, 'stop-tls', 'log').length === 1);
    await wary.start();
    await new Promise((r) => setTimeout(r, 1000));
    assert.is(fleet.presence.of('stop-wary'), 'unknown', 'a broker it cannot verify gets nothing');
    assert.not.ok(wary.link.connected);
  } finally {
    await wary.stop();
    await good.stop();
    await fleet.stop();
  }
});

test.run();
