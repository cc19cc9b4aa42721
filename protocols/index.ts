export * from './mqtt/topics.js';
export * from './mqtt/messages.js';
export * from './mqtt/acl.js';
export * from './config/agent.js';
export * from './log.js';
export * from './clock.js';
