/**
 * The conductor: one Raft member that decides whether its local sequencer may build blocks.
 *
 * It wires the parts together in op-conductor's start-up order (reference §4.7): the sequencer
 * clients and the `admin_conductorEnabled` handshake, Raft with the unsafe-head state machine, the
 * health monitor, the JSON-RPC server, then the control loop. It implements the JSON-RPC backend,
 * so every `conductor_*` method lands here with op-conductor's semantics and error texts.
 */
import { checkBlockHash } from '../chain/block-hash.js';
import { createConnection } from 'node:net';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { RaftNode, type StateMachine } from '../consensus/node.js';
import { ControlLoop } from '../control/loop.js';
import type { HealthErrorKind } from '../control/decide.js';
import type { PeerView } from '../control/select-target.js';
import type { ConductorConfig } from '../config/flags.js';
import { checkCommit, parseEnvelope, UnsafeHeadFsm, type ApplyResult } from '../fsm/index.js';
import { createConductorMetrics, type ConductorMetrics } from '../metrics/metrics.js';
import { Suffrage as RaftSuffrage, type Configuration, type Entry } from '../raft/types.js';
import {
  NO_LEADER,
  OVERRIDDEN_LEADER,
  type ClusterMembership,
  type ConductorBackend,
  type RaftStatusReport,
  type ServerInfo,
} from '../rpc/backend.js';
import type { JsonObject, JsonValue } from '../jsonrpc/json.js';
import { rpcMetricsFrom } from '../rpc/metrics.js';
import { startConductorRpcServer, type ConductorRpcServer } from '../rpc/server.js';
import { ExecutionClient, OpNodeClient } from '../sequencer/index.js';
import { Profiler } from '../profiling/profiler.js';
import { rollupBoostLegacyHealth, rollupBoostNextHealth } from '../sequencer/health/rollup-boost.js';
import {
  healthCallTimeoutMs,
  healthSources,
  SequencerHealthMonitor,
  type HealthUpdate,
} from '../sequencer/health/index.js';
import { SequencerEffects } from './effects.js';
import { sameRaftAddress } from './raft-address.js';

export interface ConductorOptions {
  readonly config: ConductorConfig;
  readonly logger: Logger;
  readonly version: string;
  /** `admin_conductorEnabled` handshake: attempts and spacing (op-conductor: 60 × 5 s). */
  readonly handshakeAttempts?: number;
  readonly handshakeIntervalMs?: number;
  readonly adminToken?: string;
}

/** The report one conductor gives another (transport Status RPC) when asked "could you sequence?". */
interface MemberReport {
  readonly healthy: boolean;
  readonly paused: boolean;
  readonly stopped: boolean;
  readonly unsafeHeadNumber: number;
}

/** The rollup-boost health probe --rollup-boost.enabled or --rollup-boost.next-enabled asks for. */
function rollupBoostSource(config: ConductorConfig): {
  rollupBoostHealth?: () => ReturnType<typeof rollupBoostLegacyHealth>;
} {
  const rollupBoost = config.rollupBoost;
  switch (rollupBoost.mode) {
    case 'legacy':
      return { rollupBoostHealth: () => rollupBoostLegacyHealth(config.executionRpc, rollupBoost.timeoutMs) };
    case 'next':
      return { rollupBoostHealth: () => rollupBoostNextHealth(rollupBoost.url, rollupBoost.timeoutMs) };
    case 'off':
      return {};
  }
}

/** How long a leader waits for each voter's report before counting it unreachable. */
const PEER_REPORT_TIMEOUT_MS = 1000;
/**
 * How long a leader stopping for a signal spends handing off: op-node finishing the block in flight (its
 * commit, then inserting it), a transfer (about a round trip) and the new leader's first heartbeat. Past it
 * the conductor stops anyway, as a crash would.
 */
export const HAND_OFF_TIMEOUT_MS = 5000;

export class Conductor implements ConductorBackend {
  readonly registry = new Registry();
  readonly metrics: ConductorMetrics;
  private raft!: RaftNode<ApplyResult>;
  private readonly fsm: UnsafeHeadFsm;
  private readonly opNode: OpNodeClient;
  private readonly execution: ExecutionClient;
  private health!: SequencerHealthMonitor;
  private loop!: ControlLoop;
  private effects!: SequencerEffects;
  private rpc: ConductorRpcServer | null = null;
  private metricsServer: Server | null = null;
  private profiler: Profiler | null = null;
  private overridden = false;
  private isStopped = false;

  private constructor(private readonly options: ConductorOptions) {
    const { config } = options;
    this.metrics = createConductorMetrics(this.registry, { defaultMetrics: true });
    this.fsm = new UnsafeHeadFsm({
      windowSize: config.payloadWindow,
      windowBytes: config.payloadWindowBytes,
    });
    const recordRequest = this.metrics.recordRpcClientRequest.bind(this.metrics);
    this.opNode = new OpNodeClient(config.nodeRpc, { name: 'node', recordRequest });
    this.execution = new ExecutionClient(config.executionRpc, { name: 'execution', recordRequest });
  }

  /** Starts every part; any failure stops what was started and rejects with the reason. */
  static async start(options: ConductorOptions): Promise<Conductor> {
    const conductor = new Conductor(options);
    try {
      await conductor.init();
    } catch (error) {
      await conductor.shutdown().catch(() => {});
      throw error;
    }
    return conductor;
  }

  get rpcUrl(): string {
    return this.rpc?.url ?? '';
  }

  get raftPort(): number {
    return this.raft.port;
  }

  /** Resolves once the conductor was stopped (conductor_stop or a signal). */
  get closed(): Promise<void> {
    return this.rpc ? this.rpc.closed.then(() => undefined) : Promise.resolve();
  }

  private async init(): Promise<void> {
    const { config, logger } = this.options;
    this.reportOverrides();
    if (config.pprof.enabled || config.pprof.file) {
      this.profiler = await Profiler.start({
        server: config.pprof.enabled ? { addr: config.pprof.addr, port: config.pprof.port } : null,
        file: config.pprof.file,
      });
      logger.info({ server: this.profiler.url || null, file: config.pprof.file }, 'profiling');
    }
    const active = await this.handshake();

    const advertised = config.consensus.advertised || `${config.consensus.addr}:${config.consensus.port}`;
    const bootstrapSelf = config.raft.bootstrap || config.raft.bootstrapMember === config.raft.serverId;
    const bootstrap: Configuration | undefined = bootstrapSelf
      ? { servers: [{ id: config.raft.serverId, address: advertised, suffrage: RaftSuffrage.Voter }] }
      : undefined;
    this.raft = new RaftNode<ApplyResult>({
      id: config.raft.serverId,
      dataDir: path.join(config.raft.storageDir, config.raft.serverId),
      listenHost: config.consensus.addr,
      listenPort: config.consensus.port,
      advertisedAddress: advertised,
      ...(bootstrap ? { bootstrap } : {}),
      timing: {
        heartbeatTimeoutMs: config.raft.heartbeatTimeoutMs,
        leaseTimeoutMs: config.raft.leaseTimeoutMs,
      },
      snapshotThreshold: config.raft.snapshotThreshold,
      snapshotIntervalMs: config.raft.snapshotIntervalMs,
      trailingLogs: config.raft.trailingLogs,
      ...(config.raft.tls ? { tls: config.raft.tls } : {}),
      dialAddress: (address) => config.raft.dialOverrides.get(address) ?? address,
      fsm: fsmAdapter(this.fsm),
      statusReport: async () => Buffer.from(JSON.stringify(await this.memberReport())),
      logger: logger.child({ module: 'raft' }),
    });
    await this.raft.start();

    const healthTimeoutMs = healthCallTimeoutMs(config.healthcheck.intervalS);
    this.health = new SequencerHealthMonitor({
      config: config.healthcheck,
      sources: healthSources(this.opNode, healthTimeoutMs, {
        executionAlive: () => this.execution.blockNumber({ timeoutMs: healthTimeoutMs }),
        storageProblem: () => this.raft.storageProblem(),
        ...rollupBoostSource(config),
        ...(config.healthcheck.executionP2pEnabled
          ? {
              elPeerCount: () =>
                this.execution.peerCount(config.healthcheck.executionP2pCheckApi, {
                  timeoutMs: healthTimeoutMs,
                }),
            }
          : {}),
      }),
      metrics: this.metrics,
      logger: logger.child({ module: 'health' }),
    });

    this.rpc = await startConductorRpcServer({
      backend: this,
      host: config.rpc.addr,
      port: config.rpc.port,
      version: this.options.version,
      enableProxy: config.rpc.enableProxy,
      commitLoopbackOnly: config.rpc.commitLoopbackOnly,
      metrics: rpcMetricsFrom(this.metrics),
      ...(this.options.adminToken ? { adminToken: this.options.adminToken } : {}),
    });

    const effects = (this.effects = new SequencerEffects({
      raft: this.raft,
      fsm: this.fsm,
      opNode: this.opNode,
      execution: this.execution,
      metrics: this.metrics,
      logger: logger.child({ module: 'sequencer' }),
      roundRobin: config.raft.roundRobinLeaderTransfer,
      peerReports: (peers) => this.peerReports(peers),
    }));
    this.loop = new ControlLoop({
      effects,
      paused: config.paused,
      initiallyActive: active,
      rollupBoostEnabled: config.rollupBoost.mode !== 'off',
      logger: logger.child({ module: 'control' }),
      observer: {
        stateChanged: (state) => this.metrics.recordStateChange(state.leader, state.healthy, state.active),
        actionFinished: (_action, _error, ms) => this.metrics.recordLoopExecutionTime(ms / 1000),
      },
    });
    this.raft.events.on('leadership', (change: { isLeader: boolean }) =>
      this.loop.onLeadership(change.isLeader),
    );
    this.health.subscribe((update) => this.loop.onHealth(healthKind(update)));

    if (config.metrics.enabled) await this.startMetricsServer();
    this.health.start();
    this.loop.start();
    this.loop.onLeadership(this.raft.isLeader());
    this.metrics.recordInfo(this.options.version);
    this.metrics.recordUp();
    logger.info(
      { id: config.raft.serverId, rpc: this.rpc.url, raft: advertised, paused: config.paused, active },
      'conductor started',
    );
  }

  /**
   * op-conductor's start-up handshake: op-node must have been started with --conductor.enabled, or a
   * conductor would fight a sequencer that does not commit through it. Then read whether it sequences.
   */
  private async handshake(): Promise<boolean> {
    const attempts = this.options.handshakeAttempts ?? 60;
    const interval = this.options.handshakeIntervalMs ?? 5000;
    const { logger } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        let enabled = true;
        try {
          enabled = await this.opNode.conductorEnabled({ timeoutMs: 5000 });
        } catch (error) {
          const message = (error as Error).message;
          if (!/method not found|does not exist|-32601/i.test(message)) throw error;
          logger.warn({}, 'op-node does not implement admin_conductorEnabled; assuming an older op-node');
        }
        if (!enabled) throw new Error('conductor is not enabled on sequencer');
        return await this.opNode.sequencerActive({ timeoutMs: 5000 });
      } catch (error) {
        const message = (error as Error).message;
        if (message === 'conductor is not enabled on sequencer' || attempt >= attempts) {
          throw new Error(
            message === 'conductor is not enabled on sequencer'
              ? 'conductor is not enabled on sequencer: start op-node with --conductor.enabled --conductor.rpc=<this conductor>'
              : `cannot reach op-node at ${this.options.config.nodeRpc} after ${attempts} attempts: ${message}`,
            { cause: error },
          );
        }
        logger.warn({ attempt, err: message }, 'waiting for op-node');
        await sleep(interval);
      }
    }
  }

  /** Answers a leader asking whether this member could take over sequencing right now. */
  private async memberReport(): Promise<MemberReport> {
    const base = { paused: this.loop?.isPaused ?? true, stopped: this.isStopped };
    try {
      // What this member's own node has is what it would start on (after catch-up from the window).
      const status = await this.opNode.syncStatus({ timeoutMs: 500 });
      return { ...base, healthy: this.loop?.isHealthy ?? false, unsafeHeadNumber: status.unsafe_l2.number };
    } catch {
      return { ...base, healthy: false, unsafeHeadNumber: 0 };
    }
  }

  private async peerReports(peers: readonly { id: string }[]): Promise<Map<string, PeerView['report']>> {
    const reports = new Map<string, PeerView['report']>();
    await Promise.all(
      peers.map(async (peer) => {
        const bytes = await this.raft.queryPeerStatus(peer.id, PEER_REPORT_TIMEOUT_MS);
        reports.set(peer.id, bytes ? parseReport(bytes) : null);
      }),
    );
    return reports;
  }

  private async startMetricsServer(): Promise<void> {
    const { addr, port } = this.options.config.metrics;
    this.metricsServer = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
    await new Promise<void>((resolve) => this.metricsServer?.listen(port, addr, resolve));
  }

  /** Stops everything but the RPC server (which closes itself after answering conductor_stop). */
  private async shutdown(): Promise<void> {
    this.isStopped = true;
    await this.loop?.stop().catch(() => {});
    this.health?.stop();
    await this.raft?.stop();
    await new Promise<void>((resolve) =>
      this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve(),
    );
    const profiler = this.profiler;
    this.profiler = null;
    await profiler
      ?.stop()
      .catch((error: unknown) =>
        this.options.logger.error({ err: (error as Error).message }, 'could not write the profile'),
      );
  }

  /**
   * op-conductor applies --override.* to its rollup config. Baton reads no fork schedule (a payload's
   * own fields say which fork built it), so the values change nothing; say so rather than drop them.
   */
  private reportOverrides(): void {
    const { overrides } = this.options.config;
    if (overrides.size === 0) return;
    this.options.logger.warn(
      { overrides: Object.fromEntries(overrides) },
      'fork overrides accepted but unused: Baton checks payloads by their own fields, not a fork schedule',
    );
  }

  /**
   * Stops for a signal — a pod deleted or drained, a rolling restart, systemd. A leader hands leadership off
   * first, so the chain loses at most the slot in flight instead of an election timeout plus a catch-up; a
   * follower just stops. The order is what makes it safe:
   *
   * 1. pause the control loop, so nothing restarts the sequencer behind this method's back;
   * 2. stop the local op-node's sequencer (admin_stopSequencer): op-node serialises it with the block it is
   *    sealing, and while this conductor still leads it waits until that block is committed and inserted,
   *    so when it returns no commit is in flight and the head op-node reports is the committed one;
   * 3. only then transfer leadership to the member the control loop would choose, and wait to hear from it.
   *
   * Transferring first (as an earlier version did) let a commit still in flight fail on the old leader
   * while the new leader committed it: op-node was told "failed" for a block that is on the chain. With no
   * member able to take over, or past `timeoutMs`, it stops anyway and the others elect a leader.
   */
  async closeGracefully(timeoutMs = HAND_OFF_TIMEOUT_MS): Promise<void> {
    const { logger } = this.options;
    if (!this.isStopped && this.raft?.isLeader() && this.raft.configuration().servers.length > 1) {
      const started = Date.now();
      const deadline = started + timeoutMs;
      const within = <T>(what: string, work: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${what} did not finish within the ${timeoutMs} ms hand-off`)),
            Math.max(0, deadline - Date.now()),
          );
        });
        return Promise.race([work, expired]).finally(() => clearTimeout(timer));
      };
      try {
        logger.info(
          { timeoutMs },
          'stopping as the leader: stopping the sequencer, then handing leadership off',
        );
        await within('pausing the control loop', this.loop.pause());
        await within('stopping the sequencer', this.effects.stopSequencer()).catch((error: unknown) =>
          // op-node may be gone already (its pod is stopping too): nothing of it can be in flight then.
          logger.warn({ err: (error as Error).message }, 'could not stop the sequencer; handing off anyway'),
        );
        const outcome = await within('the leadership transfer', this.effects.transferLeader());
        if (outcome === 'noTarget') throw new Error(this.effects.lastNoTargetReason);
        const heard = (): boolean => !this.raft.isLeader() && this.raft.leader() !== null;
        while (!heard() && Date.now() < deadline) await sleep(20);
        logger.info(
          { to: this.raft.leader()?.id ?? null, ms: Date.now() - started },
          this.raft.isLeader()
            ? 'still the leader after the hand-off timeout; stopping anyway'
            : 'leadership handed off before stopping',
        );
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'could not hand leadership off; stopping anyway');
      }
    }
    await this.close();
  }

  /**
   * Resolves true once this conductor does not lead (at once for a follower), false after `timeoutMs`.
   * `GET /hand-off` answers with it: the preStop hook of op-node and op-geth in a member pod, so they keep
   * running while a stopping leader hands off (Kubernetes signals every container of a pod at once).
   */
  async waitUntilNotLeader(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isStopped && this.raft?.isLeader()) {
      if (Date.now() >= deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** Stops the conductor from outside (signals, tests): everything including the RPC server. */
  async close(): Promise<void> {
    await this.shutdown();
    await this.rpc?.close();
  }

  // ------------------------------------------------------------------------------------------------
  // ConductorBackend: the conductor_* JSON-RPC methods
  // ------------------------------------------------------------------------------------------------

  async overrideLeader(override: boolean): Promise<void> {
    this.overridden = override;
    this.options.logger.warn({ override }, 'leader override changed');
  }

  async leaderOverridden(): Promise<boolean> {
    return this.overridden;
  }

  async pause(): Promise<void> {
    await this.loop.pause();
  }

  async resume(): Promise<void> {
    await this.loop.resume();
  }

  async stop(): Promise<void> {
    await this.shutdown();
  }

  async paused(): Promise<boolean> {
    return this.loop.isPaused;
  }

  async stopped(): Promise<boolean> {
    return this.isStopped;
  }

  async sequencerHealthy(): Promise<boolean> {
    return this.loop.isHealthy;
  }

  async leader(): Promise<boolean> {
    return this.overridden || this.raft.isLeader();
  }

  async leaderWithID(): Promise<ServerInfo> {
    if (this.overridden) return OVERRIDDEN_LEADER;
    const leader = this.raft.leader();
    return leader ? { id: leader.id, addr: leader.address, suffrage: 0 } : NO_LEADER;
  }

  async addServerAsVoter(id: string, addr: string, version: number): Promise<void> {
    await checkReachable(addr);
    await this.raft.addVoter(id, addr, version);
  }

  async addServerAsNonvoter(id: string, addr: string, version: number): Promise<void> {
    await checkReachable(addr);
    await this.raft.addNonvoter(id, addr, version);
  }

  async removeServer(id: string, version: number): Promise<void> {
    await this.raft.removeServer(id, version);
  }

  async demoteVoter(id: string, version: number): Promise<void> {
    await this.raft.demoteVoter(id, version);
  }

  /**
   * op-conductor hands leadership to the follower with the longest log; Baton to the most caught-up
   * member that can actually sequence (the same choice the control loop makes), and refuses with the
   * reason when there is none. `transferLeaderToServer` remains the explicit override.
   */
  async transferLeader(): Promise<void> {
    if (!this.raft.isLeader()) return; // op-conductor swallows ErrNotLeader here
    if ((await this.effects.transferLeader()) === 'noTarget') {
      throw new Error(
        `${this.effects.lastNoTargetReason}; use conductor_transferLeaderToServer to choose one anyway`,
      );
    }
  }

  async transferLeaderToServer(id: string, addr: string): Promise<void> {
    const target = this.raft.configuration().servers.find((server) => server.id === id);
    if (!target) throw new Error(`cannot find peer ${id}`);
    if (addr !== '' && !(await sameRaftAddress(target.address, addr))) {
      throw new Error(`server ${id} has address ${target.address}, not ${addr}`);
    }
    await this.raft.transferLeadership(id);
  }

  async clusterMembership(): Promise<ClusterMembership> {
    const { servers, version } = this.raft.configuration();
    return {
      servers: servers.map((server) => ({ id: server.id, addr: server.address, suffrage: server.suffrage })),
      version,
    };
  }

  async raftStatus(): Promise<RaftStatusReport> {
    const st = this.raft.status();
    const leader = st.role === 'leader';
    return {
      id: st.id,
      state: st.role,
      term: st.term,
      leader: st.leader ?? '',
      firstIndex: st.firstIndex,
      lastIndex: st.lastIndex,
      commitIndex: st.commit,
      appliedIndex: st.applied,
      recovering: st.recovering,
      peers: leader
        ? st.progress
            .filter((p) => p.id !== st.id)
            .map((p) => ({
              id: p.id,
              matchIndex: p.match,
              lag: Math.max(0, st.lastIndex - p.match),
              lastContactMs: this.raft.lastContactMs(p.id),
            }))
        : [],
    };
  }

  async active(): Promise<boolean> {
    return !this.isStopped && !this.loop.isPaused;
  }

  /**
   * op-node calls this with every block it sealed, before gossiping it. Only a leader can commit,
   * and only a block that extends the committed head — so a deposed or confused sequencer cannot
   * publish, and the committed chain never reorgs. A retry of the head is an idempotent success.
   */
  async commitUnsafePayload(json: JsonObject): Promise<void> {
    let envelope;
    try {
      envelope = parseEnvelope(json);
    } catch (error) {
      throw new Error(`failed to marshal payload envelope: ${(error as Error).message}`, { cause: error });
    }
    if (!this.raft.isLeader()) throw new Error('failed to apply payload envelope: node is not the leader');
    const check = checkCommit(this.fsm, envelope);
    if (!check.ok) {
      const prefix =
        check.reason === 'invalid-envelope'
          ? 'failed to marshal payload envelope'
          : 'failed to apply payload envelope';
      throw new Error(`${prefix}: ${check.error}`);
    }
    if (check.duplicate) return;
    // The right number and parent with a made-up hash would pass the chain rule and commit a block no
    // execution client has: no member could build on it again. op-node computes the same check.
    const hash = checkBlockHash(envelope);
    if (!hash.ok) {
      throw new Error(
        `failed to apply payload envelope: block hash mismatch: the payload's header hashes to ${hash.actual}, ` +
          `not ${envelope.executionPayload.blockHash}`,
      );
    }
    this.fsm.hint(check.data, check.decoded);
    let result: ApplyResult;
    try {
      result = await this.raft.propose(check.data);
    } catch (error) {
      throw new Error(`failed to apply payload envelope: ${(error as Error).message}`, { cause: error });
    }
    if (!result.ok) throw new Error(`failed to apply payload envelope: ${result.error}`);
  }

  async proxyExecution(method: string, params: JsonValue[]): Promise<JsonValue> {
    return (await this.execution.passthrough(method, params)) as JsonValue;
  }

  async proxyNode(method: string, params: JsonValue[]): Promise<JsonValue> {
    switch (method) {
      case 'optimism_syncStatus':
        return (await this.opNode.syncStatusRaw()) as JsonValue;
      case 'optimism_rollupConfig':
        return (await this.opNode.rollupConfig()) as JsonValue;
      case 'optimism_outputAtBlock':
        return (await this.opNode.outputAtBlock(params[0] as `0x${string}`)) as JsonValue;
      case 'admin_sequencerActive':
        return (await this.opNode.sequencerActiveRaw()) as JsonValue;
      default:
        throw new Error(`the method ${method} does not exist/is not available`);
    }
  }
}

/** The FSM as Raft applies it: only application entries reach it; results go back to the proposer. */
function fsmAdapter(fsm: UnsafeHeadFsm): StateMachine<ApplyResult> {
  return {
    apply: (entry: Entry) => fsm.apply(entry.data),
    snapshot: () => fsm.snapshotInSteps(),
    restore: (data) => fsm.restore(data),
  };
}

function healthKind(update: HealthUpdate): HealthErrorKind | null {
  const error = update.error;
  if (!error) return null;
  const code = (error as { code?: string }).code;
  if (code === 'sequencer-connection-down') return 'connectionDown';
  if (code === 'rollup-boost-partially-healthy') return 'rollupBoostPartial';
  return 'other';
}

function parseReport(bytes: Uint8Array): PeerView['report'] {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<MemberReport>;
    if (typeof value.healthy !== 'boolean' || typeof value.unsafeHeadNumber !== 'number') return null;
    return {
      healthy: value.healthy,
      paused: value.paused === true,
      stopped: value.stopped === true,
      unsafeHeadNumber: value.unsafeHeadNumber,
    };
  } catch {
    return null;
  }
}

/** op-conductor dials the new member's Raft address first (5 s) so a typo fails fast, not in Raft. */
function checkReachable(address: string): Promise<void> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve, reject) => {
    if (at <= 0 || !Number.isInteger(port)) {
      reject(new Error(`invalid server address ${address}: expected host:port`));
      return;
    }
    const socket = createConnection({ host, port, timeout: 5000 });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new Error(`failed to connect to ${address}: ${why}`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail('timeout'));
    socket.once('error', (error) => fail(error.message));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
