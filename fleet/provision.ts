/**
 * The agent config a freshly provisioned device gets: valid against the agent's own schema, ready
 * to copy to the device (`/etc/tabla/agent.json`), with the secret shown nowhere else.
 */
import type { AgentConfigInput, Role } from '../protocols/index.js';
import { AgentConfig } from '../protocols/index.js';

export interface AgentConfigFor {
  deviceId: string;
  role: Role;
  site?: string | null;
  secret: string;
  mqttUrl: string;
  dataDir?: string;
}

export function agentConfigFor(p: AgentConfigFor): AgentConfigInput {
  const config: AgentConfigInput = {
    deviceId: p.deviceId,
    role: p.role,
    ...(p.site ? { site: p.site } : {}),
    dataDir: p.dataDir ?? '/var/lib/tabla',
    mqtt: { url: p.mqttUrl, password: p.secret },
  };
  AgentConfig.parse(config); // what we hand out must load on the device
  return config;
}
