/**
 * Moving leadership off a member, shared by the drain, scale-down and upgrade rows. The transfer RPC
 * only *starts* a transfer; the planner verifies on a later reconcile that another conductor leads
 * before it does anything to the old leader's pod. Re-sent every `transferRetryMs` (Raft gives up on a
 * transfer after one election timeout), never forced, and stalled after leaderTransferTimeout.
 */
import { current, elapsed, seconds, sinceAttempt } from '../memory.js';
import type { RuleId, Step } from '../step.js';
import { selectTransferTarget, type TargetRequirements } from '../target.js';
import type { ClusterView } from '../view.js';
import { stalledStep, waitStep } from './build.js';

export function transferAway(
  view: ClusterView,
  rule: RuleId,
  from: string,
  requirements: TargetRequirements,
  why: string,
): Step {
  const { observed } = view;
  const spent = elapsed(observed, 'TransferringLeadership', from);
  const timeout = observed.desired.updateStrategy.leaderTransferTimeoutMs;
  const choice = selectTransferTarget(view.voters, from, requirements);
  const remembered = current(observed, 'TransferringLeadership', from)?.target ?? null;
  const target = choice.ok ? choice.member.pod : remembered;
  const operation = { phase: 'TransferringLeadership' as const, pod: from, target };

  if (spent > timeout) {
    return stalledStep(
      view,
      rule,
      'LeaderTransferTimeout',
      `leadership has not moved off ${from} after ${seconds(spent)} (timeout ${seconds(timeout)}); not forcing — ` +
        (choice.ok ? `last target ${choice.member.pod}` : choice.reason),
      operation,
    );
  }
  if (!choice.ok) {
    return stalledStep(view, rule, 'NoTransferTarget', `${why}, but ${choice.reason}`, operation);
  }
  if (sinceAttempt(observed, 'TransferringLeadership', from) < view.tuning.transferRetryMs) {
    return waitStep(
      view,
      rule,
      'WaitingForLeaderTransfer',
      `waiting for leadership to move from ${from} to ${remembered ?? choice.member.pod}`,
      operation,
    );
  }
  const to = choice.member;
  return {
    kind: 'transferLeadership',
    rule,
    code: 'TransferringLeadership',
    reason: `${why}: transferring leadership from ${from} to ${to.pod} (healthy, caught up${to.upToDate ? ', updated' : ''})`,
    from,
    to: to.pod,
    toAddress: to.server!.addr,
    operation,
  };
}
