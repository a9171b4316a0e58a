/**
 * RaftNode: the I/O shell around the pure Raft core. It owns the clock (a tick timer), the disk
 * (RaftStorage, or any NodeStorage), the network (GrpcTransport, or any NodeTransport) and the
 * application state machine. The core's Ready loop — what to persist and when, what to send before and
 * after the fsync, applying committed entries during a write — is ReadyDriver (driver.ts), the same code
 * the seeded simulation runs. Everything callers see — the async propose/read/transfer/membership API and
 * the leadership events — is derived from that loop.
 */
import { EventEmitter } from 'node:events';
import { RaftCore, RaftError, type RaftStatus } from '../raft/index.js';
import {
  EntryType,
  Suffrage,
  type ConfChange,
  type Configuration,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Ready,
  type Server,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
} from '../raft/types.js';
import { RaftStorage } from '../storage/index.js';
import { GrpcTransport } from '../transport/index.js';
import { ReadyDriver, type Logger } from './driver.js';
import type { CreateTransport, NodeStorage, NodeTransport, OpenStorage } from './ports.js';
import { DEFAULT_TIMING, tickSettings, type RaftTiming } from './timing.js';
import { ReadWaiters, Waiters } from './waiters.js';

/** The replicated application. `apply` must be deterministic and must not throw. */
export interface StateMachine<Result = unknown> {
  apply(entry: Entry): Result;
  /**
   * The state at the last applied entry. It may finish asynchronously, but the cut is taken when it is
   * called: entries applied while the promise is pending must not show in it.
   */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  restore(data: Uint8Array): void;
}

export type { Logger } from './driver.js';

export interface RaftNodeOptions<Result> {
  readonly id: NodeId;
  /** The directory of this server's log, hard state and snapshots (op-conductor: <storage.dir>/<id>). */
  readonly dataDir: string;
  readonly listenHost: string;
  readonly listenPort: number;
  /** host:port other servers use to reach this one; defaults to the bound address. */
  readonly advertisedAddress?: string;
  /**
   * The configuration to write if this server has no state yet (hashicorp BootstrapCluster). Usually
   * just this server as the only voter; a local test cluster may bootstrap every member identically.
   */
  readonly bootstrap?: Configuration;
  readonly timing?: RaftTiming;
  /** Take a snapshot once this many entries were applied since the last one (op-conductor: 8192). */
  readonly snapshotThreshold?: number;
  /**
   * Also take one once the entries applied since the last snapshot hold this many bytes (default
   * 32 MiB). The log lives in memory until compaction: 8192 blocks of 5 MB would be 40 GB.
   */
  readonly snapshotBytes?: number;
  /** Check for the threshold at least this often (op-conductor: 120 s). */
  readonly snapshotIntervalMs?: number;
  /** Entries kept in the log behind a snapshot, for followers that are slightly behind (10240). */
  readonly trailingLogs?: number;
  /**
   * Cap on the bytes of those trailing entries kept in memory (default 32 MiB; MB-sized blocks add up
   * fast). A follower further behind gets a snapshot instead.
   */
  readonly trailingBytes?: number;
  readonly tls?: { caFile: string; certFile: string; keyFile: string };
  readonly maxMessageBytes?: number;
  /**
   * Rewrites a peer's advertised address before dialling it. Tests route each ordered pair of members
   * through its own TCP proxy this way, so a partition can cut exactly the links it means to.
   */
  readonly dialAddress?: (address: string) => string;
  /** Timeout of propose/membership calls, as op-conductor's raft.Apply(…, 5s). */
  readonly applyTimeoutMs?: number;
  readonly fsm: StateMachine<Result>;
  /** This member's report for peers choosing a leadership-transfer target (opaque bytes). */
  readonly statusReport?: () => Promise<Uint8Array>;
  readonly logger?: Logger;
  /** Seeded randomness for election timeouts (tests); defaults to Math.random. */
  readonly random?: () => number;
  /** Opens the node's storage; defaults to the WAL (RaftStorage) in `dataDir`. */
  readonly openStorage?: OpenStorage;
  /** Creates the node's transport; defaults to gRPC (GrpcTransport). */
  readonly createTransport?: CreateTransport;
}

const openWal: OpenStorage = (dir, logger) => RaftStorage.open({ dir, logger });
const createGrpcTransport: CreateTransport = (settings) => new GrpcTransport(settings);

/** The production clock for the driver. */
const realScheduler = {
  defer: (task: () => void): void => void setImmediate(task),
  after: (ms: number, task: () => void): void => void setTimeout(task, ms),
};

export interface LeadershipChange {
  readonly leader: NodeId | null;
  readonly isLeader: boolean;
  readonly term: number;
}

const DEFAULT_SNAPSHOT_BYTES = 32 * 1024 * 1024;
const DEFAULT_TRAILING_BYTES = 32 * 1024 * 1024;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class RaftNode<Result = unknown> {
  /** Emits 'leadership' (LeadershipChange) whenever the known leader or our role changes. */
  readonly events = new EventEmitter();

  private core!: RaftCore;
  private storage!: NodeStorage;
  private transport!: NodeTransport;
  private driver!: ReadyDriver;
  private tickTimer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly proposals = new Waiters<Result>();
  private readonly reads = new ReadWaiters();
  private readonly readContexts = new Map<
    string,
    { resolve: (index: number) => void; reject: (e: Error) => void }
  >();
  private readCounter = 0;
  /** No longer taking part: stop() was called, or storage failed (fatal). */
  private stopped = false;
  /** stop() ran: timers, transport and storage are released. */
  private closed = false;
  private lastSnapshotIndex = 0;
  /** Payload bytes applied since the last snapshot (the in-memory log the next one will release). */
  private bytesSinceSnapshot = 0;
  /** Size of the last snapshot taken here; the next waits until at least as many bytes were applied. */
  private lastSnapshotBytes = 0;
  /** The snapshot being written, if any: it runs beside the Ready loop, never two at a time. */
  private snapshotInFlight: Promise<void> | null = null;
  private softState: SoftState = { role: 'follower', leader: null, term: 0 };
  private peersKey = '';
  /** When a message from each peer last arrived (wall clock): how a leader tells live followers. */
  private readonly lastHeard = new Map<NodeId, number>();
  private startedAt = Date.now();
  private boundPort = 0;
  private fatal: Error | null = null;
  /** Operational counters for status pages and tests. */
  readonly counters = { snapshotsInstalled: 0, snapshotsTaken: 0 };

  constructor(private readonly options: RaftNodeOptions<Result>) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Opens storage (recovering it), starts the transport and the tick timer. */
  async start(): Promise<{ port: number }> {
    const { options } = this;
    this.startedAt = Date.now();
    const timing = options.timing ?? DEFAULT_TIMING;
    const ticks = tickSettings(timing);
    this.storage = await (options.openStorage ?? openWal)(options.dataDir, this.logger);
    let restored = this.storage.restored();
    const isNew =
      restored.snapshot === null && restored.entries.length === 0 && restored.hardState.term === 0;
    if (isNew && options.bootstrap) {
      const entries = RaftCore.bootstrap(options.bootstrap);
      await this.storage.persist({ snapshot: null, entries, hardState: null });
      // restored() describes what open() found; the bootstrap entries are ours to hand to the core.
      restored = { ...restored, entries };
      this.logger.info({ configuration: options.bootstrap }, 'bootstrapped a new raft cluster');
    }
    if (restored.snapshot) {
      options.fsm.restore(restored.snapshot.data);
      this.lastSnapshotIndex = restored.snapshot.meta.index;
    }
    this.core = new RaftCore(
      {
        id: options.id,
        electionTicks: ticks.electionTicks,
        heartbeatTicks: ticks.heartbeatTicks,
        // Flow control, batching, PreVote and CheckQuorum: the core's defaults (DEFAULT_RAFT_OPTIONS).
        random: options.random ?? Math.random,
      },
      {
        hardState: restored.hardState,
        snapshot: restored.snapshot?.meta ?? null,
        entries: restored.entries,
        recovering: restored.recovering !== null,
      },
    );
    this.driver = new ReadyDriver({
      core: this.core,
      storage: {
        persist: (batch, done) => void this.storage.persist(batch).then(() => done(null), done),
        markRecovered: (done) => void this.storage.markRecovered().then(() => done(null), done),
        fullReason: (error) => this.storage.fullReason(error),
      },
      network: { send: (message) => this.transport.send(message) },
      scheduler: realScheduler,
      hooks: {
        restore: (snapshot) => this.restoreSnapshot(snapshot),
        apply: (entry) => this.applyEntry(entry),
        readyDone: (ready) => this.readyDone(ready),
        failed: (error) => this.storageFailed(error),
      },
      logger: this.logger,
      persistedHardState: restored.hardState,
      applied: restored.snapshot?.meta.index ?? 0,
      recovering: restored.recovering !== null,
    });

    this.transport = (options.createTransport ?? createGrpcTransport)({
      id: options.id,
      listenHost: options.listenHost,
      listenPort: options.listenPort,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
      logger: this.logger,
    });
    this.transport.onMessage = (message) => this.onMessage(message);
    this.transport.onUnreachable = (peer) => {
      if (this.stopped) return;
      this.core.reportUnreachable(peer);
      this.kick();
    };
    this.transport.onSnapshotStatus = (peer, ok) => {
      if (this.stopped) return;
      this.core.reportSnapshot(peer, ok);
      this.kick();
    };
    this.transport.snapshotSource = (meta) => this.snapshotBytes(meta);
    if (options.statusReport) this.transport.statusProvider = options.statusReport;
    const { port } = await this.transport.start();
    this.boundPort = port;
    this.updatePeers();

    this.tickTimer = setInterval(() => {
      this.core.tick();
      this.noticeStepDown();
      this.kick();
    }, ticks.tickMs);
    this.snapshotTimer = setInterval(() => this.maybeSnapshot(), options.snapshotIntervalMs ?? 120_000);
    this.kick();
    this.logger.info({ id: options.id, port, applied: this.driver.applied }, 'raft node started');
    return { port };
  }

  get id(): NodeId {
    return this.options.id;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The address this server advertises to its peers. */
  get advertisedAddress(): string {
    return this.options.advertisedAddress ?? `${this.options.listenHost}:${this.boundPort}`;
  }

  isLeader(): boolean {
    return this.softState.role === 'leader';
  }

  leader(): Server | null {
    const id = this.softState.leader;
    if (id === null) return null;
    const { configuration } = this.core.status();
    return configuration.servers.find((server) => server.id === id) ?? null;
  }

  status(): RaftStatus {
    return this.core.status();
  }

  /** Milliseconds since any message from `peer` arrived (since this node started, if none ever did). */
  lastContactMs(peer: NodeId): number {
    return Date.now() - (this.lastHeard.get(peer) ?? this.startedAt);
  }

  /** The latest configuration (possibly uncommitted) and its index: op-conductor's `version`. */
  configuration(): { servers: readonly Server[]; version: number } {
    const status = this.core.status();
    return { servers: status.configuration.servers, version: status.configIndex };
  }

  /**
   * Appends `data` to the log and resolves with the state machine's result once it is committed (on
   * a majority's disks) and applied here. Rejects with `node is not the leader` on followers.
   */
  async propose(data: Uint8Array): Promise<Result> {
    this.assertRunning();
    const { index, term } = this.core.propose(data);
    this.kick();
    return this.proposals.wait(index, term, this.applyTimeout(), 'timed out enqueuing operation');
  }

  /** Linearizable barrier: resolves once everything committed before the call is applied here. */
  async barrier(timeoutMs = this.applyTimeout()): Promise<void> {
    this.assertRunning();
    const context = `${this.options.id}/${++this.readCounter}`;
    const index = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readContexts.delete(context);
        reject(new Error('timed out waiting for read index'));
      }, timeoutMs);
      this.readContexts.set(context, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      try {
        this.core.readIndex(context);
      } catch (error) {
        this.readContexts.delete(context);
        clearTimeout(timer);
        reject(error as Error);
        return;
      }
      this.kick();
    });
    if (this.driver.applied >= index) return;
    await this.reads.wait(index);
  }

  async addVoter(id: NodeId, address: string, version: number): Promise<void> {
    await this.changeConfiguration({ kind: 'addVoter', id, address }, version);
  }

  async addNonvoter(id: NodeId, address: string, version: number): Promise<void> {
    await this.changeConfiguration({ kind: 'addNonvoter', id, address }, version);
  }

  async demoteVoter(id: NodeId, version: number): Promise<void> {
    await this.changeConfiguration({ kind: 'demote', id }, version);
  }

  async removeServer(id: NodeId, version: number): Promise<void> {
    await this.changeConfiguration({ kind: 'remove', id }, version);
  }

  /**
   * Hands leadership to `to` (or the most caught-up voter) and resolves once this node is no longer
   * the leader; rejects with `leadership transfer timeout` after one election timeout, as hashicorp/raft.
   */
  async transferLeadership(to?: NodeId): Promise<void> {
    this.assertRunning();
    this.core.transferLeadership(to);
    this.kick();
    const timing = this.options.timing ?? DEFAULT_TIMING;
    // The core aborts the transfer after an election timeout; allow a little slack on top of it.
    const deadline = timing.heartbeatTimeoutMs * 1.5;
    await new Promise<void>((resolve, reject) => {
      const onChange = (change: LeadershipChange): void => {
        if (change.isLeader) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('leadership transfer timeout'));
      }, deadline);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('leadership', onChange);
      };
      this.events.on('leadership', onChange);
    });
  }

  /** Asks a peer for its status report (see RaftNodeOptions.statusReport); null if unreachable. */
  queryPeerStatus(id: NodeId, timeoutMs: number): Promise<Uint8Array | null> {
    return this.transport.queryStatus(id, timeoutMs);
  }

  /** Starts an election now (used by tests and tools; normal elections come from timeouts). */
  campaign(): void {
    this.assertRunning();
    this.core.campaign();
    this.kick();
  }

  /** Stops ticking, closes the transport and the storage; pending callers fail. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearInterval(this.snapshotTimer);
    const error = new Error('raft is shutdown');
    this.proposals.failAll(error);
    for (const read of this.readContexts.values()) read.reject(error);
    this.readContexts.clear();
    this.driver?.stop();
    await this.transport?.close();
    // Let an in-flight persist (and snapshot) finish before the files are closed.
    while (this.driver?.busy) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.snapshotInFlight;
    await this.storage?.close();
    this.logger.info({ id: this.options.id }, 'raft node stopped');
  }

  /**
   * One membership change. Like hashicorp/raft, a change requested while the previous one (or a new
   * leader's first entry) is still uncommitted waits for it instead of failing — callers such as
   * op-conductor-ops expect `conductor_addServerAsVoter` to just work right after an election.
   */
  private async changeConfiguration(change: ConfChange, version: number): Promise<void> {
    const deadline = Date.now() + this.applyTimeout();
    for (;;) {
      this.assertRunning();
      let proposed: { index: number; term: number };
      try {
        proposed = this.core.proposeConfChange(change, version);
      } catch (error) {
        const pending = error instanceof RaftError && error.code === 'ConfChangeInProgress';
        if (!pending || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      this.kick();
      await this.proposals.wait(
        proposed.index,
        proposed.term,
        Math.max(1, deadline - Date.now()),
        'timed out enqueuing operation',
      );
      return;
    }
  }

  private onMessage(message: Message): void {
    if (this.stopped) return;
    this.lastHeard.set(message.from, Date.now());
    this.core.step(message);
    this.noticeStepDown();
    this.kick();
  }

  /**
   * Losing leadership needs nothing on disk, so it is reported as soon as the core steps down rather than
   * when the Ready carrying it comes out of the loop: a Ready can sit in persistUntilRoom for as long as the
   * disk stays full, and a deposed leader must not keep answering `conductor_leader` with true meanwhile.
   * Becoming leader still waits for its Ready (its term and vote durable first), and so does failing the
   * proposals in flight (handleReady), which must come after the committed entries that Ready answers.
   */
  private noticeStepDown(): void {
    if (this.softState.role !== 'leader') return;
    const now = this.core.softState();
    if (now.role !== 'leader') this.onSoftState(now);
  }

  /** Schedules the Ready loop (driver.ts); calls coalesce while it runs. */
  private kick(): void {
    if (!this.stopped) this.driver.kick();
  }

  /** Why storage cannot write right now (a full disk), or null; the health check reads it. */
  storageProblem(): string | null {
    return this.driver?.storageProblem() ?? null;
  }

  /** A snapshot from the leader replaces the state machine before anything after it applies. */
  private restoreSnapshot(snapshot: Snapshot): void {
    this.options.fsm.restore(snapshot.data);
    this.lastSnapshotIndex = snapshot.meta.index;
    this.lastSnapshotBytes = snapshot.data.byteLength;
    this.bytesSinceSnapshot = 0;
    this.counters.snapshotsInstalled++;
  }

  private applyEntry(entry: Entry): void {
    this.bytesSinceSnapshot += entry.data.byteLength;
    if (entry.type === EntryType.Normal) {
      const result = this.options.fsm.apply(entry);
      this.proposals.applied(entry.index, entry.term, result);
    } else {
      this.proposals.applied(entry.index, entry.term, undefined as Result);
    }
  }

  /** What a Ready changes for callers, once it is durable and the core has advanced. */
  private readyDone(ready: Ready): void {
    if (ready.softState) {
      if (!this.isStale(ready.softState)) this.onSoftState(ready.softState);
      // hashicorp/raft fails in-flight applies when leadership is lost; the outcome is unknown. Done here,
      // after this Ready's committed entries were applied and answered, even when the step-down itself was
      // reported early (noticeStepDown): a proposal that did commit must not be told it failed.
      if (ready.softState.role !== 'leader') this.failInFlight();
    }
    for (const read of ready.readStates) {
      const pending = this.readContexts.get(read.context);
      if (!pending) continue;
      this.readContexts.delete(read.context);
      pending.resolve(read.index);
    }
    this.reads.applied(this.driver.applied);
    if (ready.committed.some((entry) => entry.type === EntryType.ConfChange) || ready.entries.length > 0) {
      this.updatePeers();
    }
    if (this.snapshotDue()) this.startSnapshot();
  }

  /** A failed fsync leaves us unable to promise durability: stop taking part rather than lie. */
  private storageFailed(error: Error): void {
    this.fatal = error;
    this.logger.error({ err: error.message }, 'raft storage failed; node stops participating');
    this.proposals.failAll(new Error(`raft storage failed: ${error.message}`));
    this.stopped = true;
    clearInterval(this.tickTimer);
  }

  /** A Ready's soft state is stale when a step-down reported early (noticeStepDown) has overtaken it. */
  private isStale(state: SoftState): boolean {
    if (state.term < this.softState.term) return true;
    return state.role === 'leader' && this.core.softState().role !== 'leader';
  }

  private failInFlight(): void {
    this.proposals.failAll(new Error('leadership lost while committing log'));
    for (const read of this.readContexts.values()) read.reject(new Error('node is not the leader'));
    this.readContexts.clear();
  }

  private onSoftState(next: SoftState): void {
    const previous = this.softState;
    this.softState = next;
    const wasLeader = previous.role === 'leader';
    const isLeader = next.role === 'leader';
    if (previous.leader !== next.leader || wasLeader !== isLeader) {
      this.logger.info({ leader: next.leader, role: next.role, term: next.term }, 'raft leadership changed');
      const change: LeadershipChange = { leader: next.leader, isLeader, term: next.term };
      this.events.emit('leadership', change);
    }
  }

  /** Keeps the transport's peer list in step with the latest configuration. */
  private updatePeers(): void {
    const { configuration } = this.core.status();
    const peers = new Map<NodeId, string>();
    for (const server of configuration.servers) {
      if (server.id === this.options.id) continue;
      peers.set(
        server.id,
        this.options.dialAddress ? this.options.dialAddress(server.address) : server.address,
      );
    }
    const key = JSON.stringify([...peers.entries()].sort());
    if (key === this.peersKey) return;
    this.peersKey = key;
    this.transport.setPeers(peers);
  }

  /**
   * By count, or by bytes applied — at least the option's bytes and at least the last snapshot's size. A
   * snapshot holds the whole payload window (64 blocks of 2 MB: 128 MB); taken every 32 MiB it wrote four
   * bytes of snapshot per byte committed. Waiting for its own size bounds that to one, while the in-memory
   * log it lets grow is at most the window, which the state machine holds anyway.
   */
  private snapshotDue(): boolean {
    const bytes = Math.max(this.options.snapshotBytes ?? DEFAULT_SNAPSHOT_BYTES, this.lastSnapshotBytes);
    return (
      this.driver.applied - this.lastSnapshotIndex >= (this.options.snapshotThreshold ?? 8192) ||
      this.bytesSinceSnapshot >= bytes
    );
  }

  private maybeSnapshot(): void {
    if (!this.stopped && this.snapshotDue()) this.startSnapshot();
  }

  /**
   * Starts a snapshot unless one is being written. It runs beside the Ready loop: the state machine's bytes
   * are taken synchronously (a consistent cut at the applied index), then written on the storage's
   * snapshot queue while commits go on.
   */
  private startSnapshot(): void {
    if (this.snapshotInFlight || this.stopped) return;
    this.snapshotInFlight = this.takeSnapshot().finally(() => {
      this.snapshotInFlight = null;
    });
  }

  /**
   * Snapshots the state machine at the applied index and compacts the log behind it. A failure here
   * (say, a full disk) costs only log growth, so it is logged and retried at the next opportunity; it
   * must not take the member out of the cluster the way a failed WAL write does.
   */
  private async takeSnapshot(): Promise<void> {
    try {
      await this.snapshotAndCompact();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'raft snapshot failed; will retry');
    }
  }

  private async snapshotAndCompact(): Promise<void> {
    const index = this.driver.applied;
    if (index <= this.lastSnapshotIndex) return;
    const meta: SnapshotMeta = this.core.snapshotMetaAt(index);
    const appliedBytesAtCut = this.bytesSinceSnapshot;
    const snapshot: Snapshot = { meta, data: await this.options.fsm.snapshot() };
    // A snapshot from the leader installed while this one was encoded is newer: keep that one.
    if (this.stopped || index <= this.lastSnapshotIndex) return;
    await this.storage.saveSnapshot(snapshot);
    // A snapshot received from the leader meanwhile is newer: it already reset the counters.
    if (this.stopped || index <= this.lastSnapshotIndex) return;
    this.lastSnapshotIndex = index;
    this.lastSnapshotBytes = snapshot.data.byteLength;
    // What was applied while the file was written counts toward the next snapshot.
    this.bytesSinceSnapshot = Math.max(0, this.bytesSinceSnapshot - appliedBytesAtCut);
    this.counters.snapshotsTaken++;
    this.core.compact(
      meta,
      this.options.trailingLogs ?? 10240,
      this.options.trailingBytes ?? DEFAULT_TRAILING_BYTES,
    );
    await this.storage.compact(this.core.status().firstIndex - 1);
    this.logger.debug({ index }, 'raft snapshot taken');
  }

  private async snapshotBytes(meta: SnapshotMeta): Promise<Uint8Array> {
    const latest = this.storage.latestSnapshot();
    if (!latest || latest.meta.index !== meta.index) {
      throw new Error(`snapshot at index ${meta.index} is no longer available`);
    }
    return latest.data;
  }

  private applyTimeout(): number {
    return this.options.applyTimeoutMs ?? 5000;
  }

  private assertRunning(): void {
    if (this.fatal) throw new Error(`raft storage failed: ${this.fatal.message}`);
    if (this.stopped) throw new Error('raft is shutdown');
  }
}

export { RaftError, Suffrage };
export type { HardState };
