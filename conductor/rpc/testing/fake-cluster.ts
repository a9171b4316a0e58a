/**
 * A faithful in-memory model of an op-conductor cluster for RPC tests: shared Raft membership with a
 * configuration index, one leader, per-member pause/stop/health/override state, and hashicorp/op-conductor
 * error texts. Each FakeConductor is the ConductorBackend one RPC server serves.
 */
import {
  NO_LEADER,
  OVERRIDDEN_LEADER,
  Suffrage,
  type ClusterMembership,
  type ConductorBackend,
  type RaftStatusReport,
  type ServerInfo,
} from '../backend.js';
import type { JsonObject, JsonValue } from '../../jsonrpc/json.js';

export type Upstream = (method: string, params: JsonValue[]) => Promise<JsonValue>;

export class FakeCluster {
  servers: ServerInfo[] = [];
  /** Raft lag the leader reports per follower in baton_raftStatus (default 0). */
  raftLags = new Map<string, number>();
  version = 1;
  leaderId: string | null = null;
  readonly nodes = new Map<string, FakeConductor>();

  /** Adds a member (as bootstrap would) and returns its conductor. The first voter becomes leader. */
  add(id: string, addr: string, suffrage: Suffrage = Suffrage.Voter): FakeConductor {
    this.servers.push({ id, addr, suffrage });
    this.version++;
    if (this.leaderId === null && suffrage === Suffrage.Voter) this.leaderId = id;
    const node = new FakeConductor(this, id);
    this.nodes.set(id, node);
    return node;
  }

  /** A conductor that is not (yet) a cluster member. */
  detached(id: string): FakeConductor {
    const node = new FakeConductor(this, id);
    this.nodes.set(id, node);
    return node;
  }

  member(id: string): ServerInfo | undefined {
    return this.servers.find((s) => s.id === id);
  }

  /** An election among the remaining voters (deterministic: the first eligible one). */
  elect(excluding?: string): void {
    const next = this.servers.find((s) => s.suffrage === Suffrage.Voter && s.id !== excluding);
    this.leaderId = next?.id ?? null;
  }
}

export class FakeConductor implements ConductorBackend {
  isPaused = false;
  isStopped = false;
  healthy = true;
  override = false;
  /** Every backend call in order, for gating-order assertions. */
  readonly log: string[] = [];
  execution: Upstream = async (method) => {
    throw new Error(`no execution upstream for ${method}`);
  };
  node: Upstream = async (method) => {
    throw new Error(`no node upstream for ${method}`);
  };
  committed: JsonObject[] = [];

  constructor(
    private readonly cluster: FakeCluster,
    readonly id: string,
  ) {}

  private get isLeader(): boolean {
    return this.cluster.leaderId === this.id;
  }

  private requireLeader(): void {
    if (!this.isLeader) throw new Error('node is not the leader');
  }

  private checkVersion(version: number): void {
    if (version !== 0 && version !== this.cluster.version) {
      throw new Error(`configuration changed since ${version} (latest is ${this.cluster.version})`);
    }
  }

  async overrideLeader(override: boolean): Promise<void> {
    this.log.push(`overrideLeader(${override})`);
    this.override = override;
  }
  async leaderOverridden(): Promise<boolean> {
    return this.override;
  }
  async pause(): Promise<void> {
    this.log.push('pause');
    this.isPaused = true;
  }
  async resume(): Promise<void> {
    this.log.push('resume');
    this.isPaused = false;
  }
  async waitUntilNotLeader(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.isLeader) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }
  async stop(): Promise<void> {
    this.log.push('stop');
    this.isStopped = true;
  }
  async paused(): Promise<boolean> {
    return this.isPaused;
  }
  async stopped(): Promise<boolean> {
    return this.isStopped;
  }
  async sequencerHealthy(): Promise<boolean> {
    return this.healthy;
  }
  async leader(): Promise<boolean> {
    this.log.push('leader');
    return this.override || this.isLeader;
  }
  async leaderWithID(): Promise<ServerInfo> {
    if (this.override) return OVERRIDDEN_LEADER;
    const leader = this.cluster.leaderId === null ? undefined : this.cluster.member(this.cluster.leaderId);
    return leader ?? NO_LEADER;
  }
  async addServerAsVoter(id: string, addr: string, version: number): Promise<void> {
    this.log.push(`addServerAsVoter(${id},${addr},${version})`);
    this.requireLeader();
    this.checkVersion(version);
    const existing = this.cluster.member(id);
    if (existing) {
      existing.addr = addr;
      existing.suffrage = Suffrage.Voter; // AddVoter promotes a nonvoter
    } else {
      this.cluster.servers.push({ id, addr, suffrage: Suffrage.Voter });
    }
    this.cluster.version++;
  }
  async addServerAsNonvoter(id: string, addr: string, version: number): Promise<void> {
    this.log.push(`addServerAsNonvoter(${id},${addr},${version})`);
    this.requireLeader();
    this.checkVersion(version);
    const existing = this.cluster.member(id);
    if (existing)
      existing.addr = addr; // AddNonvoter never demotes
    else this.cluster.servers.push({ id, addr, suffrage: Suffrage.Nonvoter });
    this.cluster.version++;
  }
  async removeServer(id: string, version: number): Promise<void> {
    this.log.push(`removeServer(${id},${version})`);
    this.requireLeader();
    this.checkVersion(version);
    this.cluster.servers = this.cluster.servers.filter((s) => s.id !== id);
    this.cluster.version++;
    if (id === this.id) this.cluster.elect(id);
  }
  async demoteVoter(id: string, version: number): Promise<void> {
    this.log.push(`demoteVoter(${id},${version})`);
    this.requireLeader();
    this.checkVersion(version);
    const existing = this.cluster.member(id);
    if (existing) existing.suffrage = Suffrage.Nonvoter;
    this.cluster.version++;
    if (id === this.id) this.cluster.elect(id);
  }
  async transferLeader(): Promise<void> {
    this.log.push('transferLeader');
    if (!this.isLeader) return; // op-conductor swallows ErrNotLeader
    this.cluster.elect(this.id);
  }
  async transferLeaderToServer(id: string, addr: string): Promise<void> {
    this.log.push(`transferLeaderToServer(${id},${addr})`);
    this.requireLeader();
    const target = this.cluster.member(id);
    if (target === undefined || target.addr !== addr || target.suffrage !== Suffrage.Voter) {
      throw new Error(`cannot transfer leadership to ${id} at ${addr}: not a voter`);
    }
    this.cluster.leaderId = id;
  }
  async clusterMembership(): Promise<ClusterMembership> {
    return { servers: this.cluster.servers.map((s) => ({ ...s })), version: this.cluster.version };
  }
  async raftStatus(): Promise<RaftStatusReport> {
    const leading = this.cluster.leaderId === this.id;
    return {
      id: this.id,
      state: leading ? 'leader' : 'follower',
      term: 1,
      leader: this.cluster.leaderId ?? '',
      recovering: false,
      firstIndex: 1,
      lastIndex: this.cluster.version,
      commitIndex: this.cluster.version,
      appliedIndex: this.cluster.version,
      peers: leading
        ? this.cluster.servers
            .filter((s) => s.id !== this.id)
            .map((s) => {
              const lag = this.cluster.raftLags.get(s.id) ?? 0;
              return { id: s.id, matchIndex: this.cluster.version - lag, lag, lastContactMs: 5 };
            })
        : [],
    };
  }
  async active(): Promise<boolean> {
    return !this.isStopped && !this.isPaused;
  }
  async commitUnsafePayload(envelope: JsonObject): Promise<void> {
    this.log.push('commitUnsafePayload');
    if (!this.isLeader) throw new Error('failed to apply payload envelope: node is not the leader');
    this.committed.push(envelope);
  }
  async proxyExecution(method: string, params: JsonValue[]): Promise<JsonValue> {
    this.log.push(`execution:${method}`);
    return this.execution(method, params);
  }
  async proxyNode(method: string, params: JsonValue[]): Promise<JsonValue> {
    this.log.push(`node:${method}`);
    return this.node(method, params);
  }
}
