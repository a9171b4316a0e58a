/** Clients of the local op-node and execution client. The health monitor is in ./health. */
export * from '../jsonrpc/caller.js';
export * from './types.js';
export * from './op-node.js';
export * from './execution.js';
