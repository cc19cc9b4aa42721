/**
 * The node-red engine's pure parts: whether it is enabled, how Node-RED's log lines become ours
 * (and which are counted as errors), what a flows document must be, and which module states of a
 * device are a fault for `tabla device`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flowsTrouble, isNodeError, logLine, nodeRedSettings, ourLevel } from '../../fleet/engines/node-red/settings.js';
import { moduleFaults } from '../../fleet/engines/node-red/bridge.js';
import { nodeRedEnabled } from '../../fleet/engines/node-red/tap.js';

test('enabled by TABLA_NODE_RED=1 (or true, yes, on), and by nothing else', () => {
  for (const v of ['1', 'true', 'TRUE', 'yes', 'on', ' 1 ']) assert.ok(nodeRedEnabled({ TABLA_NODE_RED: v }), v);
  for (const v of [undefined, '', '0', 'false', 'no', 'off', '2']) assert.not.ok(nodeRedEnabled({ TABLA_NODE_RED: v }), String(v));
});

test('log levels: fatal and error are errors; audit and metric lines are not ours', () => {
  assert.equal([10, 20, 30, 40, 50, 60, 98, 99].map(ourLevel), ['error', 'error', 'warn', 'info', 'debug', 'debug', null, null]);
  assert.ok(isNodeError({ level: 20, msg: 'x' }));
  assert.not.ok(isNodeError({ level: 30, msg: 'x' }));
});

test('a log line names its node; an error keeps its stack', () => {
  const err = new Error('okvara');
  const line = logLine({ level: 20, msg: err, type: 'function', id: 'n1', name: 'pokvarjen', z: 'tab1' });
  assert.is(line.text, 'okvara');
  assert.equal([line.fields.node, line.fields.nodeId, line.fields.nodeName, line.fields.flow], ['function', 'n1', 'pokvarjen', 'tab1']);
  assert.match(String(line.fields.stack), /okvara/);
  assert.equal(logLine({ level: 40, msg: '  Started flows ' }), { text: 'Started flows', fields: {} });
  assert.is(logLine({ level: 40, msg: { a: 1 } }).text, '{"a":1}');
});

test('settings: headless, flows in the data dir, a credential secret, the bridge in reach of the nodes', () => {
  const onLog = () => {};
  const bridge = {};
  const s = nodeRedSettings({ dataDir: '/data', coreNodesDir: '/nm/@node-red/nodes', tablaNodesDir: '/src/nodes', credentialSecret: 'k', bridge, onLog });
  assert.equal([s.userDir, s.flowFile, s.credentialSecret, s.httpAdminRoot, s.httpNodeRoot, s.disableEditor], ['/data/node-red', 'flows.json', 'k', false, false, true]);
  assert.equal(s.nodesDir, ['/src/nodes']);
  assert.is(s.tablaBridge, bridge);
  const handler = (s.logging as { tabla: { handler(): unknown } }).tabla.handler();
  assert.is(handler, onLog);
});

test('flows: an array of nodes with ids and known types; tabs, subflows and their instances are no types', () => {
  const known = new Set(['function', 'tabla-message']);
  assert.is(flowsTrouble([{ id: 't', type: 'tab' }, { id: 's', type: 'subflow' }, { id: 'i', type: 'subflow:s' }, { id: 'f', type: 'function' }], known), null);
  assert.match(flowsTrouble({ flows: [] }, known)!, /an array of nodes/);
  assert.match(flowsTrouble([{ id: 'a', type: 'function' }, 3], known)!, /flows\[1\]: not an object/);
  assert.match(flowsTrouble([{ type: 'function' }], known)!, /flows\[0\]: no id/);
  assert.match(flowsTrouble([{ id: 'a' }], known)!, /flows\[0\] \(a\): no type/);
  assert.match(flowsTrouble([{ id: 'a', type: 'function' }, { id: 'a', type: 'function' }], known)!, /id a twice/);
  assert.is(flowsTrouble([{ id: 'a', type: 'zeta' }, { id: 'b', type: 'alpha' }, { id: 'c', type: 'subflow:nowhere' }], known), 'unknown node types: alpha, subflow:nowhere, zeta (not in this fleet\'s Node-RED)');
});

test('module faults: a module going failed or degraded, once per state it enters', () => {
  const ok = { status: 'ok' as const };
  const failed = { status: 'failed' as const, error: 'SPI busy' };
  const degraded = { status: 'degraded' as const };
  assert.equal(moduleFaults(undefined, { display: failed, link: ok }), [{ module: 'display', status: 'failed', error: 'SPI busy' }]);
  assert.equal(moduleFaults({ display: failed }, { display: failed }), [], 'no news');
  assert.equal(moduleFaults({ display: degraded }, { display: failed }), [{ module: 'display', status: 'failed', error: 'SPI busy' }]);
  assert.equal(moduleFaults({ display: failed }, { display: ok }), []);
  assert.equal(moduleFaults({ display: ok }, undefined), []);
});

test.run();
