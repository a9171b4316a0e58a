/** Public surface of the replicated state: envelope types and codec, the chain rule, the FSM. */
export * from './hex.js';
export * from './envelope.js';
export * from './codec.js';
export * from './chain-rule.js';
export * from './snapshot.js';
export * from './state.js';
export * from './commit-check.js';
export {
  ExecutionPayloadV3Ssz,
  ExecutionPayloadV4Ssz,
  PAYLOAD_LAYOUT,
  MAX_EXTRA_DATA_BYTES,
  MAX_TRANSACTIONS_PER_PAYLOAD,
  MAX_WITHDRAWALS_PER_PAYLOAD,
} from './ssz-types.js';
