/**
 * Rows that decide whether the planner may act at all: spec.paused, untrustworthy conductor answers
 * (split brain, leader override, two leaders), a missing StatefulSet.
 */
import { waitStep, stalledStep, type Rule } from './build.js';

export const pausedRule: Rule = {
  id: 'paused',
  summary: 'spec.paused → none: status only, no actions',
  decide: (view) =>
    view.observed.desired.paused
      ? {
          kind: 'none',
          rule: 'paused',
          code: 'Paused',
          reason: 'spec.paused is set: reporting status only, taking no action',
          requeueAfterMs: view.tuning.idlePollMs,
        }
      : null,
};

export const consistencyRule: Rule = {
  id: 'consistency',
  summary:
    'conflicting configurations / leaders in different configurations / leader override → stalled (never act); two leaders in one configuration → wait',
  decide(view) {
    const c = view.consistency;
    if (!c.ok) return stalledStep(view, 'consistency', c.code, c.reason);
    if (c.waitReason !== null) return waitStep(view, 'consistency', 'LeaderAmbiguous', c.waitReason);
    return null;
  },
};

export const statefulSetRule: Rule = {
  id: 'statefulSet',
  summary: 'no StatefulSet → createStatefulSet (replicas: spec, or every configured member if more)',
  decide(view) {
    if (view.observed.statefulSet) return null;
    // If a configuration survives (orphaned pods), create enough replicas to keep every configured member:
    // shrinking must go through Raft first.
    const highest = Math.max(
      -1,
      ...view.members.filter((m) => m.server !== null).map((m) => m.ordinal ?? -1),
    );
    const replicas = Math.max(view.observed.desired.replicas, highest + 1);
    return {
      kind: 'createStatefulSet',
      rule: 'statefulSet',
      code: 'CreatingStatefulSet',
      reason: `creating the StatefulSet with ${replicas} replicas`,
      replicas,
    };
  },
};
