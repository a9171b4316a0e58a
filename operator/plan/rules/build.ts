/** Small constructors so every rule spells its waits and stalls the same way. */
import type { Operation, RuleId, Step } from '../step.js';
import type { ClusterView } from '../view.js';

export interface Rule {
  readonly id: RuleId;
  /** One line for the table in plan.ts and for test names. */
  readonly summary: string;
  /** The step this rule takes, or null to let the next row decide. */
  decide(view: ClusterView): Step | null;
}

export function waitStep(
  view: ClusterView,
  rule: RuleId,
  code: string,
  reason: string,
  operation?: Operation | null,
  requeueAfterMs: number = view.tuning.pollMs,
): Step {
  return {
    kind: 'wait',
    rule,
    code,
    reason,
    requeueAfterMs,
    ...(operation !== undefined ? { operation } : {}),
  };
}

export function stalledStep(
  view: ClusterView,
  rule: RuleId,
  code: string,
  reason: string,
  operation?: Operation | null,
): Step {
  return {
    kind: 'stalled',
    rule,
    code,
    reason,
    requeueAfterMs: view.tuning.stalledPollMs,
    ...(operation !== undefined ? { operation } : {}),
  };
}

export function list(pods: readonly { pod: string; why: string | null }[]): string {
  return pods.map((p) => `${p.pod}: ${p.why ?? 'ok'}`).join('; ');
}
