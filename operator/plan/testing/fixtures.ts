/**
 * Builders for observations: a healthy formed cluster in one call, and small edits on top of it, so each
 * test states only what is different about its scenario.
 */
import { podName, raftAddress } from '../identity.js';
import type {
  ConductorObservation,
  ConductorView,
  Membership,
  Observed,
  OperationMemory,
  PodObservation,
  RaftServer,
  UpdateStrategy,
} from '../observed.js';

export const CLUSTER = 'seq';
export const NS = 'chains';
export const NOW = 1_800_000_000_000;
export const OLD = 'rev-old';
export const NEW = 'rev-new';
export const HEAD = 1000;

export const STRATEGY: UpdateStrategy = {
  leaderUpdate: 'Unsupervised',
  minReadySeconds: 10,
  leaderTransferTimeoutMs: 60_000,
  memberRestartTimeoutMs: 600_000,
};

export const pod = (i: number): string => podName(CLUSTER, i);
export const addr = (i: number): string => raftAddress(CLUSTER, NS, pod(i));
export const voter = (i: number): RaftServer => ({ id: pod(i), addr: addr(i), suffrage: 0 });
export const nonvoter = (i: number): RaftServer => ({ id: pod(i), addr: addr(i), suffrage: 1 });

export function membership(servers: RaftServer[], version = 10): Membership {
  return { servers, version };
}

export function podObs(i: number, extra: Partial<PodObservation> = {}): PodObservation {
  return {
    name: pod(i),
    phase: 'Running',
    ready: true,
    readySince: NOW - 3_600_000,
    terminating: false,
    nodeCordoned: false,
    revision: OLD,
    role: 'standby',
    restartCount: 0,
    uid: `uid-${i}-1`,
    conductorStartedAt: NOW - 3_600_000,
    ...extra,
  };
}

export function conductorView(
  i: number,
  leaderIndex: number | null,
  m: Membership,
  extra: Partial<ConductorView> = {},
): ConductorView {
  const isLeader = leaderIndex === i;
  return {
    leader: isLeader,
    leaderWithId:
      leaderIndex === null ? { id: '', addr: '' } : { id: pod(leaderIndex), addr: addr(leaderIndex) },
    active: true,
    paused: false,
    stopped: false,
    sequencerHealthy: true,
    sequencerActive: isLeader,
    membership: m,
    unsafeHead: { number: HEAD, hash: `0x${HEAD.toString(16)}` },
    raftLag: isLeader ? 0 : 1,
    ...extra,
  };
}

export interface ClusterOptions {
  /** Members (pods 0..n-1, all voters, all healthy). */
  n: number;
  /** spec.replicas (defaults to n). */
  replicas?: number;
  leader?: number | null;
  /** Revision of every pod (defaults to the update revision: nothing to roll). */
  revision?: string;
  updateRevision?: string;
  strategy?: Partial<UpdateStrategy>;
  rollout?: OperationMemory | null;
}

/** A formed, healthy cluster of n voters with pod-`leader` leading and sequencing, labels correct. */
export function cluster(o: ClusterOptions): Observed {
  const leader = o.leader === undefined ? 0 : o.leader;
  const m = membership(Array.from({ length: o.n }, (_, i) => voter(i)));
  const updateRevision = o.updateRevision ?? NEW;
  const revision = o.revision ?? updateRevision;
  const pods = Array.from({ length: o.n }, (_, i) =>
    podObs(i, { revision, role: i === leader ? 'active' : 'standby' }),
  );
  const conductors: ConductorObservation[] = Array.from({ length: o.n }, (_, i) => ({
    pod: pod(i),
    reachable: true as const,
    ...conductorView(i, leader, m),
  }));
  return {
    cluster: { name: CLUSTER, namespace: NS },
    desired: {
      replicas: o.replicas ?? o.n,
      updateRevision,
      paused: false,
      updateStrategy: { ...STRATEGY, ...o.strategy },
      generation: 7,
    },
    approvals: { leaderUpdate: null },
    statefulSet: { replicas: o.n, readyReplicas: o.n, observedCurrent: true },
    pods,
    conductors,
    memory: { raft: { formed: true, bootstrapMember: null }, rollout: o.rollout ?? null },
    now: NOW,
  };
}

/** A brand-new cluster: pods up, conductors answering with empty configurations. */
export function fresh(n: number): Observed {
  const base = cluster({ n, leader: null });
  const empty = membership([], 0);
  return {
    ...base,
    pods: base.pods.map((p) => ({ ...p, role: 'standby' as const })),
    conductors: base.conductors.map((c, i) => ({
      pod: c.pod,
      reachable: true as const,
      ...conductorView(i, null, empty, { unsafeHead: { number: 0, hash: '0x0' }, raftLag: null }),
    })),
    memory: { raft: { formed: false, bootstrapMember: null }, rollout: null },
  };
}

export function editPod(o: Observed, i: number, extra: Partial<PodObservation>): Observed {
  return { ...o, pods: o.pods.map((p) => (p.name === pod(i) ? { ...p, ...extra } : p)) };
}

export function removePod(o: Observed, i: number): Observed {
  return { ...o, pods: o.pods.filter((p) => p.name !== pod(i)) };
}

export function editConductor(o: Observed, i: number, extra: Partial<ConductorView>): Observed {
  return {
    ...o,
    conductors: o.conductors.map((c) => (c.pod === pod(i) && c.reachable ? { ...c, ...extra } : c)),
  };
}

export function unreachable(o: Observed, i: number): Observed {
  return {
    ...o,
    conductors: o.conductors.map((c) =>
      c.pod === pod(i) ? { pod: c.pod, reachable: false as const, error: 'connection refused' } : c,
    ),
  };
}

/** Every reachable conductor reports this configuration. */
export function everyoneSees(o: Observed, m: Membership): Observed {
  return { ...o, conductors: o.conductors.map((c) => (c.reachable ? { ...c, membership: m } : c)) };
}

/** Add pods/conductors i (not yet members): fresh conductor with empty configuration. */
export function addJoiner(o: Observed, i: number, extra: Partial<ConductorView> = {}): Observed {
  const joinerPod = podObs(i, { revision: o.desired.updateRevision, role: 'standby' });
  return {
    ...o,
    pods: [...o.pods.filter((p) => p.name !== pod(i)), joinerPod],
    conductors: [
      ...o.conductors.filter((c) => c.pod !== pod(i)),
      { pod: pod(i), reachable: true as const, ...conductorView(i, null, membership([], 0), extra) },
    ],
  };
}

export function withRollout(o: Observed, rollout: OperationMemory | null): Observed {
  return { ...o, memory: { ...o.memory, rollout } };
}
