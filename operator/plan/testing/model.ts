/**
 * A small executable model of a SequencerCluster for driving the planner: a StatefulSet (OnDelete) that
 * recreates deleted pods at the update revision after a start delay, PVC-backed Raft state that survives
 * restarts, one Raft configuration with a version, elections among live voters, conductors that move
 * leadership off an unhealthy sequencer, followers that learn new configurations a tick late, and heads
 * that advance one block per second on the leader and catch up on followers.
 *
 * Faults are injected per member: `unhealthy` (sequencer health check fails; Raft still fine),
 * `unreachable` (conductor RPC fails; Raft still fine), `failTransfers` (transfer requests are ignored).
 * The driver checks invariant 4 against this ground truth, not against the planner's own view.
 */
import { desiredPods, podName, raftAddress } from '../identity.js';
import type {
  ConductorObservation,
  Membership,
  Observed,
  PlanMemory,
  PodObservation,
  RaftServer,
} from '../observed.js';
import { majority } from '../quorum.js';
import type { Step } from '../step.js';
import type { UpdateStrategy } from '../observed.js';

export const TICK_MS = 500;
const START_DELAY_MS = 3_000;
const TERMINATE_MS = 1_000;

interface ModelPod {
  name: string;
  ordinal: number;
  uid: string;
  revision: string;
  /** Time the pod's containers are up (Running + Ready from then). */
  upAt: number;
  terminatingUntil: number | null;
  role: 'active' | 'standby' | null;
}

interface MemberState {
  /** Last configuration this member's Raft knows (PVC-backed). */
  config: Membership;
  head: number;
}

export interface Faults {
  unhealthy: Set<string>;
  unreachable: Set<string>;
  failTransfers: boolean;
}

export class ClusterModel {
  now = 1_800_000_000_000;
  readonly name = 'sim';
  readonly namespace = 'chains';
  replicas: number;
  updateRevision: string;
  strategy: UpdateStrategy = {
    leaderUpdate: 'Unsupervised',
    minReadySeconds: 2,
    leaderTransferTimeoutMs: 30_000,
    memberRestartTimeoutMs: 120_000,
  };
  approval: string | null = null;
  stsReplicas: number | null = null;
  pods = new Map<string, ModelPod>();
  members = new Map<string, MemberState>();
  /** The Raft cluster's configuration (the leader's); null before bootstrap. */
  config: Membership | null = null;
  leader: string | null = null;
  bootstrapMember: string | null = null;
  /** When the bootstrap member was named: a container reads the ConfigMap only when it starts. */
  bootstrapNamedAt = 0;
  pendingTransfer: string | null = null;
  faults: Faults = { unhealthy: new Set(), unreachable: new Set(), failTransfers: false };
  private uidCounter = 0;
  /** Leader's head; one block per second. */
  private chainHead = 0;
  private lastBlockAt = this.now;

  constructor(replicas: number, revision: string) {
    this.replicas = replicas;
    this.updateRevision = revision;
  }

  /** A formed cluster of n healthy voters at `revision`, pod-0 leading. */
  static formed(n: number, revision: string): ClusterModel {
    const m = new ClusterModel(n, revision);
    m.stsReplicas = n;
    const servers: RaftServer[] = [];
    for (let i = 0; i < n; i++) {
      const name = podName(m.name, i);
      m.pods.set(name, m.newPod(i, m.now - 3_600_000));
      servers.push({ id: name, addr: m.addr(name), suffrage: 0 });
    }
    m.config = { servers, version: 10 };
    m.chainHead = 1000;
    for (const s of servers) m.members.set(s.id, { config: m.config, head: 1000 });
    m.leader = podName(m.name, 0);
    for (const p of m.pods.values()) p.role = p.name === m.leader ? 'active' : 'standby';
    return m;
  }

  addr(pod: string): string {
    return raftAddress(this.name, this.namespace, pod);
  }

  private newPod(ordinal: number, upAt: number): ModelPod {
    return {
      name: podName(this.name, ordinal),
      ordinal,
      uid: `u${++this.uidCounter}`,
      revision: this.updateRevision,
      upAt,
      terminatingUntil: null,
      role: null,
    };
  }

  // ------------------------------------------------------------------ ground truth

  /** Containers running (a terminating pod keeps running until its grace period ends). */
  running(name: string): boolean {
    const p = this.pods.get(name);
    return p !== undefined && this.now >= p.upAt;
  }

  /** Running and not being deleted. */
  podUp(name: string): boolean {
    return this.running(name) && this.pods.get(name)!.terminatingUntil === null;
  }

  voters(): string[] {
    return (this.config?.servers ?? []).filter((s) => s.suffrage === 0).map((s) => s.id);
  }

  /** Raft participates: the pod runs (faults on health/RPC do not stop Raft). */
  raftAlive(name: string): boolean {
    return this.running(name) && this.members.has(name);
  }

  /** Ground-truth healthy voter: up, sequencer healthy, caught up. */
  healthy(name: string): boolean {
    const m = this.members.get(name);
    return (
      this.podUp(name) && !this.faults.unhealthy.has(name) && m !== undefined && this.chainHead - m.head <= 2
    );
  }

  // ------------------------------------------------------------------ observation

  observe(memory: PlanMemory): Observed {
    const pods: PodObservation[] = [...this.pods.values()].map((p) => {
      const up = this.now >= p.upAt;
      return {
        name: p.name,
        phase: up ? 'Running' : 'Pending',
        ready: up && p.terminatingUntil === null,
        readySince: up && p.terminatingUntil === null ? p.upAt : null,
        conductorStartedAt: up ? p.upAt : null,
        terminating: p.terminatingUntil !== null,
        nodeCordoned: false,
        revision: p.revision,
        role: p.role,
        restartCount: 0,
        uid: p.uid,
      };
    });
    const conductors: ConductorObservation[] = [...this.pods.values()].map((p) => {
      if (!this.running(p.name) || this.faults.unreachable.has(p.name)) {
        return { pod: p.name, reachable: false as const, error: 'connection refused' };
      }
      const m = this.members.get(p.name);
      const isLeader = this.leader === p.name;
      const healthy = !this.faults.unhealthy.has(p.name);
      return {
        pod: p.name,
        reachable: true as const,
        leader: isLeader,
        leaderWithId:
          this.leader && m ? { id: this.leader, addr: this.addr(this.leader) } : { id: '', addr: '' },
        active: true,
        paused: false,
        stopped: false,
        sequencerHealthy: healthy,
        sequencerActive: isLeader && healthy,
        membership: m ? m.config : { servers: [], version: 0 },
        unsafeHead: { number: m?.head ?? 0, hash: `0x${(m?.head ?? 0).toString(16)}` },
        raftLag: null,
      };
    });
    return {
      cluster: { name: this.name, namespace: this.namespace },
      desired: {
        replicas: this.replicas,
        updateRevision: this.updateRevision,
        paused: false,
        updateStrategy: this.strategy,
        generation: 1,
      },
      approvals: { leaderUpdate: this.approval },
      statefulSet:
        this.stsReplicas === null
          ? null
          : {
              replicas: this.stsReplicas,
              readyReplicas: pods.filter((p) => p.ready).length,
              observedCurrent: true,
            },
      pods,
      conductors,
      memory,
      now: this.now,
    };
  }

  // ------------------------------------------------------------------ executing steps

  private changeConfig(version: number, servers: RaftServer[]): void {
    if (!this.config || !this.leader || version !== this.config.version) {
      throw new Error(`configuration changed since ${version} (latest is ${this.config?.version})`);
    }
    this.config = { servers, version: this.config.version + 1 };
    this.members.get(this.leader)!.config = this.config;
  }

  apply(step: Step): void {
    switch (step.kind) {
      case 'createStatefulSet':
      case 'scaleStatefulSet':
        this.stsReplicas = step.replicas;
        break;
      case 'setBootstrapMember':
        this.bootstrapMember = step.pod;
        this.bootstrapNamedAt = this.now;
        break;
      case 'clearBootstrapMember':
        this.bootstrapMember = null;
        break;
      case 'addNonvoter': {
        if (!this.podUp(step.pod)) throw new Error('connection test failed');
        this.changeConfig(step.version, [
          ...this.config!.servers,
          { id: step.id, addr: step.address, suffrage: 1 },
        ]);
        const joined = this.members.get(step.pod);
        this.members.set(step.pod, {
          config: joined?.config ?? { servers: [], version: 0 },
          head: joined?.head ?? 0,
        });
        break;
      }
      case 'promoteVoter':
        this.changeConfig(
          step.version,
          this.config!.servers.map((s) => (s.id === step.id ? { ...s, suffrage: 0 as const } : s)),
        );
        break;
      case 'removeMember':
      case 'demoteVoter':
        this.changeConfig(
          step.version,
          this.config!.servers.filter((s) => s.id !== step.id),
        );
        if (this.leader === step.id) this.leader = null;
        break;
      case 'transferLeadership':
        if (this.leader !== step.from) throw new Error('node is not the leader');
        if (!this.faults.failTransfers) this.pendingTransfer = step.to;
        break;
      case 'deletePod': {
        const p = this.pods.get(step.pod);
        if (p && p.terminatingUntil === null) p.terminatingUntil = this.now + TERMINATE_MS;
        break;
      }
      case 'setRoleLabels':
        for (const p of this.pods.values()) p.role = p.name === step.active ? 'active' : 'standby';
        break;
      case 'wait':
      case 'stalled':
      case 'none':
        break;
    }
  }

  /** Kubernetes deletes a pod on its own (drain, eviction). */
  evict(pod: string): void {
    const p = this.pods.get(pod);
    if (p && p.terminatingUntil === null) p.terminatingUntil = this.now + 10_000;
  }

  // ------------------------------------------------------------------ time

  advance(ms: number): void {
    const until = this.now + ms;
    while (this.now < until) {
      this.now = Math.min(until, this.now + TICK_MS);
      this.tick();
    }
  }

  private tick(): void {
    // Pods: terminations finish; the StatefulSet creates missing ordinals and deletes extra ones.
    for (const p of [...this.pods.values()]) {
      if (p.terminatingUntil !== null && this.now >= p.terminatingUntil) this.pods.delete(p.name);
    }
    if (this.stsReplicas !== null) {
      for (const name of desiredPods(this.name, this.stsReplicas)) {
        if (!this.pods.has(name)) {
          const ordinal = Number(name.slice(this.name.length + 1));
          const p = this.newPod(ordinal, this.now + START_DELAY_MS);
          p.role = 'standby';
          this.pods.set(name, p);
        }
      }
      for (const p of this.pods.values()) {
        if (p.ordinal >= this.stsReplicas && p.terminatingUntil === null)
          p.terminatingUntil = this.now + TERMINATE_MS;
      }
    }

    // Bootstrap: the named member forms a one-voter cluster if it has no Raft state.
    const named = this.bootstrapMember ? this.pods.get(this.bootstrapMember) : undefined;
    if (
      this.bootstrapMember &&
      this.podUp(this.bootstrapMember) &&
      named !== undefined &&
      named.upAt >= this.bootstrapNamedAt &&
      !this.members.has(this.bootstrapMember)
    ) {
      this.config = {
        servers: [{ id: this.bootstrapMember, addr: this.addr(this.bootstrapMember), suffrage: 0 }],
        version: 1,
      };
      this.members.set(this.bootstrapMember, { config: this.config, head: 0 });
      this.leader = this.bootstrapMember;
    }

    // Leadership: pending transfer, loss of the leader, election among live voters (needs a majority),
    // and the conductor's own hand-off when the leader's sequencer is unhealthy.
    const voters = this.voters();
    const alive = voters.filter((v) => this.raftAlive(v));
    if (
      this.pendingTransfer &&
      this.leader &&
      this.raftAlive(this.pendingTransfer) &&
      voters.includes(this.pendingTransfer)
    ) {
      this.leader = this.pendingTransfer;
    }
    this.pendingTransfer = null;
    if (this.leader && (!this.raftAlive(this.leader) || !voters.includes(this.leader))) this.leader = null;
    if (this.leader && this.faults.unhealthy.has(this.leader)) {
      const other = alive.find((v) => v !== this.leader && !this.faults.unhealthy.has(v));
      if (other) this.leader = other;
    }
    if (!this.leader && this.config && alive.length >= majority(voters.length)) {
      this.leader = alive.find((v) => !this.faults.unhealthy.has(v)) ?? alive[0] ?? null;
    }

    // Configuration reaches live members one tick after the leader has it.
    if (this.config) {
      for (const s of this.config.servers) {
        const m = this.members.get(s.id);
        if (m && this.raftAlive(s.id)) m.config = this.config;
      }
    }

    // Blocks: one per second while a healthy leader sequences; members catch up quickly when alive.
    if (this.leader && !this.faults.unhealthy.has(this.leader) && this.now - this.lastBlockAt >= 1000) {
      this.chainHead += 1;
      this.lastBlockAt = this.now;
    }
    for (const [name, m] of this.members) {
      if (!this.raftAlive(name) || !this.config?.servers.some((s) => s.id === name)) continue;
      if (name === this.leader) m.head = this.chainHead;
      else if (!this.faults.unhealthy.has(name)) m.head = Math.min(this.chainHead, m.head + 300);
    }
  }

  // ------------------------------------------------------------------ goals

  converged(): boolean {
    const want = desiredPods(this.name, this.replicas);
    const cfg = this.config;
    return (
      cfg !== null &&
      cfg.servers.length === want.length &&
      want.every((id) => cfg.servers.some((s) => s.id === id && s.suffrage === 0)) &&
      this.stsReplicas === this.replicas &&
      this.pods.size === want.length &&
      [...this.pods.values()].every((p) => p.revision === this.updateRevision && this.podUp(p.name)) &&
      this.leader !== null
    );
  }
}
