/**
 * Tabla's Node-RED nodes. They reach the fleet only through the bridge the node-red engine puts in
 * the runtime's settings (`RED.settings.tablaBridge`, bridge.ts):
 *
 * - `tabla arrivals`  (in)  a stop display's arrival board as the ETA engine sends it; optional stop filter
 * - `tabla occupancy` (in)  a car park's status changed (`occupancy-changed`); optional car park / state filter
 * - `tabla device`    (in)  a device's presence changed (`presence-changed`) or it reported a fault; optional device filter
 * - `tabla message`   (out) puts a service message on stop displays (the displays engine's messages)
 * - `tabla command`   (out) sends a command to a device (the fleet's command path)
 *
 * An input node subscribes on start and unsubscribes on close; an output node reports a refusal
 * with `node.error(err, msg)` (caught by a catch node, counted by the engine) and sends the
 * fleet's answer on.
 */
'use strict';

module.exports = function (RED) {
  function bridgeOf(node) {
    const bridge = RED.settings.tablaBridge;
    if (!bridge) {
      node.status({ fill: 'red', shape: 'ring', text: 'no fleet' });
      node.error('this node runs only inside a Tabla fleet');
    }
    return bridge || null;
  }

  const blank = (s) => (typeof s === 'string' ? s.trim() : '');

  /** An input node: subscribes `event` on the bridge, turns each event into a message (or null to skip). */
  function inputNode(type, event, toMsg) {
    RED.nodes.registerType(type, function (config) {
      RED.nodes.createNode(this, config);
      const node = this;
      const bridge = bridgeOf(node);
      if (!bridge) return;
      const off = bridge.subscribe(event, (e) => {
        const msg = toMsg(config, e);
        if (msg) node.send(msg);
      });
      node.on('close', () => off());
    });
  }

  inputNode('tabla-arrivals', 'board', (config, e) => {
    const stop = blank(config.stop);
    if (stop && e.stopId !== stop) return null;
    return { topic: e.stopId || e.deviceId, payload: e.board, deviceId: e.deviceId, stopId: e.stopId };
  });

  inputNode('tabla-occupancy', 'occupancy', (config, e) => {
    const carPark = blank(config.carPark);
    const state = blank(config.state);
    if (carPark && e.status.id !== carPark) return null;
    if (state && (e.status.state !== state || (e.previous && e.previous.state === state))) return null;
    return { topic: e.status.id, payload: e.status, previous: e.previous };
  });

  inputNode('tabla-device', 'device', (config, e) => {
    const device = blank(config.device);
    if (device && e.deviceId !== device) return null;
    return { topic: e.deviceId, deviceId: e.deviceId, payload: e };
  });

  /** An output node: `act(bridge, config, msg)` resolves with the fleet's answer (sent on) or rejects (reported). */
  function outputNode(type, act) {
    RED.nodes.registerType(type, function (config) {
      RED.nodes.createNode(this, config);
      const node = this;
      const bridge = bridgeOf(node);
      node.on('input', (msg, send, done) => {
        if (!bridge) return done(new Error('this node runs only inside a Tabla fleet'));
        Promise.resolve()
          .then(() => act(bridge, config, msg))
          .then(
            (answer) => {
              node.status({ fill: 'green', shape: 'dot', text: 'sent' });
              send({ ...msg, payload: answer });
              done();
            },
            (err) => {
              node.status({ fill: 'red', shape: 'ring', text: String(err && err.message ? err.message : err).slice(0, 60) });
              done(err instanceof Error ? err : new Error(String(err)));
            },
          );
      });
    });
  }

  /** The message's target: msg.target, else the node's (stop / site / all). */
  function targetOf(config, msg) {
    if (msg.target && typeof msg.target === 'object') return msg.target;
    const kind = blank(config.targetKind) || 'stop';
    if (kind === 'all') return { all: true };
    const value = blank(config.target);
    if (!value) throw new Error(`tabla message: no ${kind} given (set it on the node or in msg.target)`);
    return kind === 'site' ? { site: value } : { stop: value };
  }

  outputNode('tabla-message', (bridge, config, msg) => {
    const text = typeof msg.payload === 'string' && msg.payload.trim() ? msg.payload : blank(config.text);
    if (!text) throw new Error('tabla message: no text (msg.payload as a string, or the node\'s text)');
    const until = blank(msg.until) || blank(config.until);
    return bridge.putMessage({ target: targetOf(config, msg), text, ...(until ? { until } : {}), by: blank(config.name) || 'node-red' });
  });

  outputNode('tabla-command', (bridge, config, msg) => {
    const device = blank(msg.deviceId) || blank(config.device);
    const verb = blank(msg.verb) || blank(config.verb);
    if (!device) throw new Error('tabla command: no device (msg.deviceId, or the node\'s device)');
    if (!verb) throw new Error('tabla command: no verb (msg.verb, or the node\'s verb)');
    const args = msg.payload && typeof msg.payload === 'object' && !Array.isArray(msg.payload) ? msg.payload : {};
    const ttl = Number(msg.ttlS || config.ttlS);
    return bridge.sendCommand(device, verb, args, Number.isFinite(ttl) && ttl > 0 ? ttl : undefined);
  });
};
