/** The operator's pure decision core: observations in, one step (and the status to write) out. */
export * from './observed.js';
export * from './step.js';
export { DEFAULT_TUNING, type PlanTuning } from './tuning.js';
export { podName, ordinalOf, raftAddress, desiredPods, RAFT_PORT } from './identity.js';
export { plan, planView, RULES } from './plan.js';
export { computeStatus, memoryFromStatus, nextOperation } from './status.js';
export {
  blockedConditions,
  CONDITION_TYPES,
  withTransitions,
  type ConditionValue,
  type PreviousCondition,
} from './conditions.js';
export type {
  SequencerClusterStatus,
  Condition,
  ConditionType,
  ConditionStatus,
  ClusterPhase,
  MemberStatus,
  RolloutStatus,
} from './status.js';
export { APPROVE_LEADER_UPDATE_ANNOTATION } from './rules/upgrade.js';
export { OVERRIDDEN_LEADER_ID } from './consistency.js';
