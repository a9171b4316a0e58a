/**
 * Time spent in the operation in flight. status.rollout remembers {phase, pod, startedAt, attemptedAt};
 * the planner measures timeouts from it, so a restarted operator resumes the same clocks (CNPG/Zalando
 * persist in-flight intent for the same reason).
 */
import type { Observed, OperationMemory, OperationPhase } from './observed.js';

/** The remembered operation if it is this one (same phase and pod), else null. */
export function current(observed: Observed, phase: OperationPhase, pod: string): OperationMemory | null {
  const r = observed.memory.rollout;
  return r && r.phase === phase && r.pod === pod ? r : null;
}

/** How long this operation has been going on (0 when it starts now). */
export function elapsed(observed: Observed, phase: OperationPhase, pod: string): number {
  const r = current(observed, phase, pod);
  return r ? Math.max(0, observed.now - r.startedAt) : 0;
}

/** How long since an action was last sent for this operation (Infinity when never). */
export function sinceAttempt(observed: Observed, phase: OperationPhase, pod: string): number {
  const r = current(observed, phase, pod);
  return r && r.attemptedAt !== null ? Math.max(0, observed.now - r.attemptedAt) : Number.POSITIVE_INFINITY;
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
