/**
 * Status written through the status subresource, in exactly the shape the CRD declares (operator/api
 * status.ts). The planner's status (operator/plan computeStatus) is richer than the schema — the API
 * server would prune what it does not declare — so it is translated here, in one place:
 *
 * - members gain `ready` (pod Ready) and `unsafeHead` as {number, hash}, and `raftLag` when known; `reachable`, `restartCount` and the
 *   unhealthy message have no field (the message is in the Degraded/Ready condition messages);
 * - the rollout in flight is kept whole ({phase, pod, target, startedAt, attemptedAt, podUid}), so a
 *   restarted or newly elected operator resumes the same clocks and the same pod identity.
 *
 * The controller also keeps the planner's full status of the last reconcile in memory and feeds it back
 * as `previous`; `planStatusFromApi` is what a freshly started operator reads instead.
 */
import type { SequencerClusterStatus as ApiStatus } from '../api/status.js';
import { selectorString } from '../api/names.js';
import {
  CONDITION_TYPES,
  type Condition,
  type ConditionType,
  type Observed,
  type SequencerClusterStatus as PlanStatus,
} from '../plan/index.js';

type ApiMember = NonNullable<ApiStatus['members']>[number];
type ApiCondition = NonNullable<ApiStatus['conditions']>[number];

/** Drop undefined/null-valued keys: an apply that sends null would fight over fields it means to remove. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function toApiStatus(status: PlanStatus, observed: Observed): ApiStatus {
  const heads = new Map(
    observed.conductors.flatMap((c) => (c.reachable && c.unsafeHead ? [[c.pod, c.unsafeHead] as const] : [])),
  );
  const pods = new Map(observed.pods.map((p) => [p.name, p]));
  const members = status.members.map((m): ApiMember =>
    compact({
      pod: m.pod,
      id: m.id,
      suffrage: m.suffrage === 'None' ? undefined : m.suffrage,
      leader: m.leader,
      healthy: m.healthy,
      sequencerActive: m.sequencerActive ?? undefined,
      ready: pods.get(m.pod)?.ready ?? false,
      unsafeHead: heads.get(m.pod),
      raftLag: m.raftLag ?? undefined,
      revision: m.revision ?? undefined,
    }),
  );
  return compact({
    observedGeneration: status.observedGeneration,
    phase: status.phase,
    replicas: status.replicas,
    readyReplicas: status.readyReplicas,
    updatedReplicas: status.updatedReplicas,
    ready: status.ready,
    head: status.head ?? undefined,
    selector: selectorString(observed.cluster.name),
    currentRevision: status.currentRevision ?? undefined,
    updateRevision: status.updateRevision,
    leader: status.leader ?? undefined,
    members,
    rollout: status.rollout
      ? compact({
          phase: status.rollout.phase,
          pod: status.rollout.pod,
          target: status.rollout.target ?? undefined,
          startedAt: status.rollout.startedAt,
          attemptedAt: status.rollout.attemptedAt ?? undefined,
          podUid: status.rollout.podUid ?? undefined,
        })
      : undefined,
    raft: compact({
      formed: status.raft.formed,
      bootstrapMember: status.raft.bootstrapMember ?? undefined,
      configVersion: status.raft.configVersion ?? undefined,
    }),
    conditions: status.conditions.map((c): ApiCondition => ({ ...c })),
  }) as ApiStatus;
}

/** Best-effort planner status from what the API server stored (see the file comment). */
export function planStatusFromApi(api: ApiStatus | undefined): PlanStatus | null {
  if (!api || api.observedGeneration === undefined) return null;
  const r = api.rollout;
  return {
    observedGeneration: api.observedGeneration,
    phase: api.phase === 'Pending' || api.phase === 'Failed' || !api.phase ? 'Forming' : api.phase,
    ready: api.ready ?? '',
    replicas: api.replicas ?? 0,
    readyReplicas: api.readyReplicas ?? 0,
    updatedReplicas: api.updatedReplicas ?? 0,
    currentRevision: api.currentRevision ?? null,
    updateRevision: api.updateRevision ?? '',
    leader:
      api.leader?.pod && api.leader.since
        ? { pod: api.leader.pod, id: api.leader.id ?? api.leader.pod, since: api.leader.since }
        : null,
    head: api.head ?? null,
    members: [],
    rollout:
      r?.phase && r.pod && r.startedAt
        ? {
            phase: r.phase as NonNullable<PlanStatus['rollout']>['phase'],
            pod: r.pod,
            target: r.target ?? null,
            podUid: r.podUid ?? null,
            startedAt: r.startedAt,
            // Without a record of the last action, count one as sent at the start: never re-send early.
            attemptedAt: r.attemptedAt ?? r.startedAt,
          }
        : null,
    raft: {
      formed: api.raft?.formed ?? false,
      bootstrapMember: api.raft?.bootstrapMember ?? null,
      configVersion: api.raft?.configVersion ?? null,
    },
    conditions: (api.conditions ?? [])
      .filter((c) => (CONDITION_TYPES as readonly string[]).includes(c.type))
      .map((c): Condition => ({
        type: c.type as ConditionType,
        status: c.status,
        reason: c.reason,
        message: c.message,
        observedGeneration: c.observedGeneration ?? 0,
        lastTransitionTime: c.lastTransitionTime,
      })),
    lastStep: { kind: 'none', code: 'Unknown', reason: '' },
  };
}

/** Deep equality of JSON values with object keys in any order (to skip writing an unchanged status). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
