/**
 * Last row: nothing to change. Either everything is as specified (none, resync later, and the in-flight
 * operation is cleared) or some member is unhealthy and there is nothing the operator may safely do about
 * it — the conductors fail over by themselves; the operator only reports and keeps watching.
 */
import type { Rule } from './build.js';
import { list, waitStep } from './build.js';

export const steadyRule: Rule = {
  id: 'steady',
  summary: 'nothing to change → none (all healthy) or wait (degraded, reported in status)',
  decide(view) {
    const sick = view.members.filter((m) => m.desired && !m.healthy);
    if (sick.length > 0) {
      return waitStep(
        view,
        'steady',
        'MembersUnhealthy',
        `up to date, but not every member is healthy (${list(sick.map((m) => ({ pod: m.pod, why: m.unhealthyBecause })))})`,
        null,
      );
    }
    return {
      kind: 'none',
      rule: 'steady',
      code: 'UpToDate',
      reason: `all ${view.observed.desired.replicas} members are healthy voters on ${view.observed.desired.updateRevision}`,
      requeueAfterMs: view.tuning.idlePollMs,
      operation: null,
    };
  },
};
