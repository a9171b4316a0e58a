/**
 * Builds the planner's `Observed` for one cluster: the spec and memory from the SequencerCluster, the
 * StatefulSet and pods from the informer caches (no API request), and every member's conductor and
 * op-node answers over JSON-RPC — all members in parallel, each call with a short timeout, so one hung
 * member costs one timeout, not one per member. A member that cannot be asked is reported unreachable
 * with the reason; nothing here throws for an unhealthy cluster.
 */
import { describeRpcFailure } from '../../conductor/jsonrpc/errors.js';
import { parseDuration } from '../../conductor/config/duration.js';
import {
  CONTAINER_NAMES,
  conductorRpcUrl,
  opNodeRpcUrl,
  REVISION_ANNOTATION,
  ROLE_LABEL,
} from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import type { RaftStatusReport } from '../../conductor/rpc/backend.js';
import { ConductorClient } from '../../conductor/rpc/client.js';
import { OpNodeClient } from '../../conductor/sequencer/op-node.js';
import {
  APPROVE_LEADER_UPDATE_ANNOTATION,
  type ConductorObservation,
  type Observed,
  type PlanMemory,
  type PodObservation,
  type PodPhase,
  type StatefulSetObservation,
  type Suffrage,
} from '../plan/index.js';
import type { KubeObject } from '../kube/informer.js';

/** The parts of a Pod the operator reads (raw JSON from the API: timestamps are strings). */
export interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: {
      name?: string;
      restartCount?: number;
      state?: { running?: { startedAt?: string } };
    }[];
  };
}

export interface StatefulSetObject extends KubeObject {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; observedGeneration?: number };
}

export interface MemberEndpoints {
  readonly conductorUrl: string;
  readonly opNodeUrl: string;
}

/**
 * Where a member's conductor and op-node answer. The default uses the pods' stable DNS names; tests map
 * pods to conductors running on loopback.
 */
export interface ConductorResolver {
  /** The member's endpoints, or a sentence saying why it cannot be asked yet. */
  resolve(cluster: SequencerCluster, pod: PodObject): MemberEndpoints | { readonly unreachable: string };
}

export const DNS_RESOLVER: ConductorResolver = {
  resolve(cluster, pod) {
    const name = pod.metadata?.name ?? '';
    // The headless Service publishes not-ready addresses, but only once the pod has an IP.
    if (!pod.status?.podIP) return { unreachable: 'pod has no IP yet' };
    const { name: c, namespace } = cluster.metadata;
    return {
      conductorUrl: conductorRpcUrl(c ?? '', name, namespace ?? '', cluster.spec.clusterDomain),
      opNodeUrl: opNodeRpcUrl(c ?? '', name, namespace ?? '', cluster.spec.clusterDomain),
    };
  },
};

/** Go's time.ParseDuration for the forms the schema admits ("500ms", "1m30s"), in ms. */
export const durationMs = parseDuration;

const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

export function podObservation(
  pod: PodObject,
  cordonedNodes: ReadonlySet<string> = new Set(),
): PodObservation {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const isReady = ready?.status === 'True';
  const role = pod.metadata?.labels?.[ROLE_LABEL];
  const phase = pod.status?.phase as PodPhase | undefined;
  return {
    name: pod.metadata?.name ?? '',
    phase: phase && PHASES.includes(phase) ? phase : 'Pending',
    ready: isReady,
    readySince: isReady && ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : null,
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    nodeCordoned: pod.spec?.nodeName !== undefined && cordonedNodes.has(pod.spec.nodeName),
    revision: pod.metadata?.annotations?.[REVISION_ANNOTATION] ?? null,
    role: role === 'active' || role === 'standby' ? role : null,
    restartCount: (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    uid: pod.metadata?.uid ?? '',
    conductorStartedAt: conductorStartedAt(pod),
  };
}

/** When the running conductor container started: it read its environment (the bootstrap member) then. */
function conductorStartedAt(pod: PodObject): number | null {
  const status = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAMES.conductor);
  const startedAt = status?.state?.running?.startedAt;
  return startedAt ? Date.parse(startedAt) : null;
}

export function statefulSetObservation(sts: StatefulSetObject | undefined): StatefulSetObservation | null {
  if (!sts) return null;
  return {
    replicas: sts.spec?.replicas ?? 0,
    readyReplicas: sts.status?.readyReplicas ?? 0,
    observedCurrent: (sts.status?.observedGeneration ?? -1) >= (sts.metadata?.generation ?? 0),
  };
}

/** An error as status and logs show it; a failed conductor call says which call on which member. */
const errorText = (e: unknown): string => describeRpcFailure(e);

/** One member's answers: what the planner reads, and its Raft report (for everyone's raftLag). */
export interface MemberAnswers {
  readonly observation: ConductorObservation;
  /** baton_raftStatus; null when not answered (an older conductor, or a failed call). */
  readonly raft: RaftStatusReport | null;
}

/**
 * Every member's Raft lag, from the one report that knows them all: the leader's (its `peers` carry
 * each follower's match index). The leader's own lag is 0; without a leader report, or for a member the
 * leader does not replicate to (not in the configuration), it stays null — unknown, not "caught up".
 */
export function withRaftLags(members: readonly MemberAnswers[]): ConductorObservation[] {
  const leaderReport = members.find(
    (m) => m.observation.reachable && m.raft?.state === 'leader' && m.raft.id === m.observation.pod,
  )?.raft;
  return members.map(({ observation }) => {
    if (!observation.reachable || !leaderReport) return observation;
    if (observation.pod === leaderReport.id) return { ...observation, raftLag: 0, leaderSilenceMs: 0 };
    const peer = leaderReport.peers.find((p) => p.id === observation.pod);
    return { ...observation, raftLag: peer?.lag ?? null, leaderSilenceMs: peer?.lastContactMs ?? null };
  });
}

/** Asks one member's conductor everything the planner needs, and its op-node for head and sequencer state. */
export async function observeConductor(
  pod: string,
  endpoints: MemberEndpoints,
  timeoutMs: number,
): Promise<MemberAnswers> {
  const c = new ConductorClient(endpoints.conductorUrl, { timeoutMs });
  const node = new OpNodeClient(endpoints.opNodeUrl, { timeoutMs, name: 'node' });
  // op-node answers are optional: a conductor whose op-node is down is still a Raft member.
  const optional = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
  const [leader, leaderWithId, active, paused, stopped, healthy, membership, sync, seqActive, raft] =
    await Promise.all([
      c.leader(),
      c.leaderWithID(),
      c.active(),
      c.paused(),
      c.stopped(),
      c.sequencerHealthy(),
      c.clusterMembership(),
      optional(node.syncStatus()),
      optional(node.sequencerActive()),
      optional(c.raftStatus()),
    ]).catch((error: unknown) => {
      throw new Error(errorText(error));
    });
  const observation: ConductorObservation = {
    pod,
    reachable: true,
    leader,
    leaderWithId: { id: leaderWithId.id, addr: leaderWithId.addr },
    active,
    paused,
    stopped,
    sequencerHealthy: healthy,
    sequencerActive: seqActive,
    membership: {
      servers: membership.servers.map((s) => ({ id: s.id, addr: s.addr, suffrage: s.suffrage as Suffrage })),
      version: membership.version,
    },
    unsafeHead: sync ? { number: sync.unsafe_l2.number, hash: sync.unsafe_l2.hash } : null,
    raftLag: null, // filled in from the leader's report (withRaftLags)
    raftRecovering: raft?.recovering === true,
  };
  return { observation, raft };
}

export interface ObserveInput {
  readonly cluster: SequencerCluster;
  readonly updateRevision: string;
  readonly statefulSet: StatefulSetObject | undefined;
  readonly pods: readonly PodObject[];
  readonly memory: PlanMemory;
  readonly resolver: ConductorResolver;
  readonly rpcTimeoutMs: number;
  readonly now: number;
  /** Names of cordoned nodes among the pods' nodes (kube/nodes.ts); absent: none known. */
  readonly cordonedNodes?: ReadonlySet<string>;
}

export async function observe(input: ObserveInput): Promise<Observed> {
  const { cluster } = input;
  const spec = cluster.spec;
  const answers = await Promise.all(
    input.pods.map(async (pod): Promise<MemberAnswers> => {
      const name = pod.metadata?.name ?? '';
      const unreachable = (error: string): MemberAnswers => ({
        observation: { pod: name, reachable: false, error },
        raft: null,
      });
      const endpoints = input.resolver.resolve(cluster, pod);
      if ('unreachable' in endpoints) return unreachable(endpoints.unreachable);
      try {
        return await observeConductor(name, endpoints, input.rpcTimeoutMs);
      } catch (error) {
        return unreachable(errorText(error));
      }
    }),
  );
  const conductors = withRaftLags(answers);
  return {
    cluster: { name: cluster.metadata.name ?? '', namespace: cluster.metadata.namespace ?? '' },
    desired: {
      replicas: spec.replicas,
      updateRevision: input.updateRevision,
      paused: spec.paused,
      updateStrategy: {
        leaderUpdate: spec.updateStrategy.leaderUpdate,
        minReadySeconds: spec.updateStrategy.minReadySeconds,
        leaderTransferTimeoutMs: durationMs(spec.updateStrategy.leaderTransferTimeout),
        memberRestartTimeoutMs: durationMs(spec.updateStrategy.memberRestartTimeout),
      },
      generation: cluster.metadata.generation ?? 0,
    },
    approvals: { leaderUpdate: cluster.metadata.annotations?.[APPROVE_LEADER_UPDATE_ANNOTATION] ?? null },
    statefulSet: statefulSetObservation(input.statefulSet),
    pods: input.pods.map((pod) => podObservation(pod, input.cordonedNodes)),
    conductors,
    memory: input.memory,
    now: input.now,
  };
}
