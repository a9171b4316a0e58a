/** Public surface of the pure Raft core. */
export { RaftCore, DEFAULT_RAFT_OPTIONS } from './core.js';
export type { RaftOptions } from './core.js';
export { RaftError } from './errors.js';
export type { RaftErrorCode } from './errors.js';
export {
  EMPTY_CONFIGURATION,
  applyConfChange,
  decodeConfiguration,
  encodeConfiguration,
  findServer,
  isVoter,
  voters,
} from './configuration.js';
export { majority, quorumIndex } from './quorum.js';
export * from './types.js';
