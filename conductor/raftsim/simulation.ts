/**
 * A seeded, deterministic cluster simulation: N cores, each run by the production Ready loop
 * (consensus/driver.ts), over a faulty network with simulated disks and clock. It alternates chaos
 * periods (crashes/restarts, slow and full disks, partitions including one-way ones, loss, duplication, reordering, membership changes, leadership transfers, compaction and
 * InstallSnapshot, client proposals and reads) with heal periods in which every fault is repaired and
 * a leader must be elected and commit a new proposal within a bound. Invariants are checked as
 * events happen and after every step. Same seed → same trace.
 */
import { ReadyDriver, type DriverStorage, type Logger } from '../consensus/driver.js';
import { RaftCore } from '../raft/core.js';
import type { RaftOptions } from '../raft/core.js';
import { RaftError } from '../raft/errors.js';
import { voters } from '../raft/configuration.js';
import { EntryType, Suffrage } from '../raft/types.js';
import type {
  ConfChange,
  Configuration,
  Entry,
  Message,
  NodeId,
  PersistBatch,
  PreVoteRequest,
  Ready,
  RestoredState,
  Snapshot,
  VoteRequest,
} from '../raft/types.js';
import { Checker, Violation } from './checker.js';
import { Network } from './network.js';
import { SimNode, applyToFsm } from './node.js';
import type { CoreFactory, Disk, FsmState } from './node.js';
import { Rng } from './random.js';

/**
 * Deliberately broken members, to prove the checker can fail. `forgetfulVoter`: storage that loses the
 * tail of a log and does not tell the core (a member votes as if it had never acknowledged the lost
 * entries). `lyingDisk`: storage that reports a write durable before its fsync (a crash then loses what
 * the driver already acknowledged and voted on).
 */
export type BrokenVariant = 'doubleVote' | 'noCurrentTermRule' | 'forgetfulVoter' | 'lyingDisk';

export interface SimConfig {
  readonly seed: number;
  readonly nodes: number;
  /** Simulation time units to run (a Raft tick is TICK units). */
  readonly steps: number;
  readonly variant?: BrokenVariant;
  /** Ticks allowed from healing all faults to a committed new proposal. */
  readonly recoveryBoundTicks?: number;
}

export interface SimResult {
  readonly seed: number;
  readonly nodes: number;
  readonly steps: number;
  readonly elections: number;
  readonly commits: number;
  readonly maxRecoveryTicks: number;
  readonly tailLosses: number;
  readonly refusedWrites: number;
  readonly violation: {
    readonly invariant: string;
    readonly message: string;
    readonly trace: string[];
  } | null;
}

export const TICK = 10;
/** Simulated milliseconds per time unit, for the driver's timers (a tick is TICK units). */
const MS_PER_UNIT = 10;
const TRACE_LENGTH = 60;
const ELECTION_TICKS = 10;

class DoubleVoteCore extends RaftCore {
  protected override canVote(_m: PreVoteRequest | VoteRequest): boolean {
    return true;
  }
}

class NoCurrentTermRuleCore extends RaftCore {
  protected override mayCommitAt(_index: number): boolean {
    return true;
  }
}

function restoredState(disk: Disk, tellLoss: boolean): RestoredState {
  return {
    hardState: disk.hardState,
    snapshot: disk.snapshot?.meta ?? null,
    entries: disk.entries,
    recovering: tellLoss && disk.recovering === true,
  };
}

const encodeFsm = (f: FsmState): Uint8Array => new TextEncoder().encode(JSON.stringify(f));
const decodeFsm = (b: Uint8Array): FsmState => JSON.parse(new TextDecoder().decode(b)) as FsmState;

/** The simulated disk's refusal while it is full; the driver retries the same write, as on ENOSPC. */
class SimDiskFull extends Error {}

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Proposal {
  readonly proposer: NodeId;
  readonly term: number;
  readonly probe: boolean;
}

export class Simulation {
  private readonly rng: Rng;
  private readonly net: Network;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly order: NodeId[] = [];
  private readonly offsets = new Map<NodeId, number>();
  readonly checker = new Checker();
  private readonly trace: string[] = [];
  private readonly factory: CoreFactory;
  private now = 0;
  private phase: 'chaos' | 'heal' = 'chaos';
  private phaseEnd = 0;
  private healStart = 0;
  maxRecoveryTicks = 0;
  /** Storage-damage faults injected (loseTail). */
  tailLosses = 0;
  /** Writes refused by a full simulated disk. */
  refusedWrites = 0;
  private readonly proposals = new Map<string, Proposal>();
  private probeRecovered = false;
  private proposalSeq = 0;
  /** Reads waiting for their ReadState: the highest acked index when each was requested. */
  private readonly reads = new Map<string, number>();
  private maxAcked = 0;

  constructor(private readonly config: SimConfig) {
    this.rng = Rng.seeded(config.seed);
    this.net = new Network(this.rng.fork());
    const variant = config.variant;
    this.factory = (options, disk) => {
      const restored = restoredState(disk, variant !== 'forgetfulVoter');
      if (variant === 'doubleVote') return new DoubleVoteCore(options, restored);
      if (variant === 'noCurrentTermRule') return new NoCurrentTermRuleCore(options, restored);
      return new RaftCore(options, restored);
    };
    const members = Array.from({ length: config.nodes }, (_, i) => `n${i + 1}`);
    const spares = ['s1', 's2'];
    const cfg: Configuration = {
      servers: members.map((id) => ({ id, address: `${id}:7000`, suffrage: Suffrage.Voter })),
    };
    const boot = RaftCore.bootstrap(cfg);
    for (const id of [...members, ...spares]) {
      const disk: Disk = {
        hardState: { term: 0, vote: null, commit: 0 },
        snapshot: null,
        entries: members.includes(id) ? [...boot] : [],
      };
      const n = new SimNode(id, disk);
      this.nodes.set(id, n);
      this.order.push(id);
      this.offsets.set(id, this.rng.int(0, TICK));
      this.startNode(n);
    }
    this.phaseEnd = this.rng.int(300, 1500);
  }

  private options(id: NodeId): RaftOptions {
    return {
      id,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: 2,
      preVote: true,
      checkQuorum: true,
      maxEntriesPerAppend: 3,
      maxBytesPerAppend: 256,
      maxInflightAppends: 3,
      maxInflightBytes: 1024,
      random: this.rng.fork().next,
    };
  }

  private startNode(n: SimNode): void {
    const core = n.start(this.factory, this.options(n.id));
    const disk = n.disk;
    n.driver = new ReadyDriver({
      core,
      storage: this.diskOf(n),
      network: { send: (m) => this.send(n, m) },
      scheduler: {
        defer: (task) => n.tasks.push(task),
        after: (ms, task) => n.timers.push({ at: this.now + Math.max(1, Math.ceil(ms / MS_PER_UNIT)), task }),
      },
      hooks: {
        restore: (snapshot) => this.restore(n, snapshot),
        apply: (entry) => this.apply(n, core, entry),
        readyDone: (ready) => this.readyDone(n, ready),
        failed: (error) => {
          throw error; // the simulated disk fails only by filling up, which the driver retries
        },
      },
      logger: quietLogger,
      persistedHardState: disk.hardState,
      applied: disk.snapshot?.meta.index ?? 0,
      recovering: disk.recovering === true,
    });
    this.observe(n);
  }

  /** The simulated disk as the driver's storage: a write is durable once its fsync time has come. */
  private diskOf(n: SimNode): DriverStorage {
    return {
      persist: (batch, done) => {
        if (n.pending)
          throw new Violation('driver', `${n.id} was handed a second write while one was in flight`);
        const doneAt = this.now + this.rng.int(0, 3) + n.diskDelay;
        if (this.config.variant === 'lyingDisk') {
          // Durable only at doneAt (a crash before loses it), but reported durable at once.
          n.unsynced.push({ batch, done: () => {}, doneAt });
          done(null);
          return;
        }
        n.pending = { batch, done, doneAt };
      },
      markRecovered: (done) => {
        // The real storage removes its RECOVERING marker at this point (conductor/storage).
        n.disk.recovering = false;
        this.log(`${n.id} caught up after losing its log tail`);
        done(null);
      },
      fullReason: (error) => (error instanceof SimDiskFull ? error.message : null),
    };
  }

  private log(s: string): void {
    this.trace.push(`[${this.now}] ${s}`);
    if (this.trace.length > TRACE_LENGTH * 2) this.trace.splice(0, this.trace.length - TRACE_LENGTH);
  }

  private alive(): SimNode[] {
    return this.order.map((id) => this.nodes.get(id)).filter((n): n is SimNode => n !== undefined && n.alive);
  }

  private leaders(): Array<{ id: NodeId; term: number; core: RaftCore }> {
    const out: Array<{ id: NodeId; term: number; core: RaftCore }> = [];
    for (const n of this.alive()) {
      const core = n.core;
      if (!core) continue;
      const s = core.softState();
      if (s.role === 'leader') out.push({ id: n.id, term: s.term, core });
    }
    return out;
  }

  /** The leader of the highest term, if any. */
  private currentLeader(): { id: NodeId; term: number; core: RaftCore } | null {
    let best: { id: NodeId; term: number; core: RaftCore } | null = null;
    for (const l of this.leaders()) if (!best || l.term > best.term) best = l;
    return best;
  }

  private observe(n: SimNode): void {
    const core = n.core;
    if (!core) return;
    const s = core.softState();
    if (s.role === 'leader') this.checker.observeLeader(n.id, s.term, core);
  }

  // ------------------------------------------------------------------------------------------------

  run(): SimResult {
    let violation: SimResult['violation'] = null;
    try {
      for (let i = 0; i < this.config.steps; i++) this.step();
      // Final heal: the cluster must recover and every acknowledged entry must have survived.
      if (this.phase === 'chaos') this.beginHeal();
      const deadline = this.now + (this.config.recoveryBoundTicks ?? 200) * TICK + 1;
      while (this.phase === 'heal' && this.now < deadline + 1) this.step();
      this.checker.checkAcked();
    } catch (e) {
      if (!(e instanceof Violation)) throw e;
      this.log(`VIOLATION ${e.message}`);
      violation = { invariant: e.invariant, message: e.message, trace: this.trace.slice(-TRACE_LENGTH) };
    }
    return {
      seed: this.config.seed,
      nodes: this.config.nodes,
      steps: this.now,
      elections: this.checker.elections,
      commits: this.checker.commits,
      maxRecoveryTicks: this.maxRecoveryTicks,
      tailLosses: this.tailLosses,
      refusedWrites: this.refusedWrites,
      violation,
    };
  }

  step(): void {
    this.now++;
    if (this.phase === 'chaos') {
      this.chaos();
      if (this.now >= this.phaseEnd) this.beginHeal();
    } else {
      this.checkRecovery();
    }
    if (this.rng.chance(0.02)) this.propose(false);
    if (this.rng.chance(0.002)) this.read();

    for (const n of this.alive()) {
      if ((this.now + (this.offsets.get(n.id) ?? 0)) % TICK === 0) {
        n.core?.tick();
        this.observe(n);
      }
    }
    for (const m of this.net.due(this.now)) this.deliver(m);
    for (const n of this.alive()) {
      n.driver?.kick();
      this.runDriver(n);
    }
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    const from = this.nodes.get(m.from);
    if (!to?.core) {
      if (m.type === 'Snapshot') from?.core?.reportSnapshot(m.to, false);
      return;
    }
    to.core.step(m);
    this.observe(to);
    if (m.type === 'Snapshot') from?.core?.reportSnapshot(m.to, true);
  }

  private send(from: SimNode, m: Message): void {
    let msg = m;
    if (m.type === 'Snapshot') {
      // The shell attaches the bytes of the snapshot named by meta from its store.
      const stored = from.disk.snapshot;
      if (!stored || stored.meta.index !== m.snapshot.meta.index) {
        from.core?.reportSnapshot(m.to, false);
        return;
      }
      msg = { ...m, snapshot: { meta: m.snapshot.meta, data: encodeFsm(stored.fsm) } };
      this.log(`${m.from} sends snapshot@${stored.meta.index} to ${m.to}`);
    }
    const dropped = this.net.send(this.now, msg);
    if (dropped !== null) {
      if (m.type === 'Snapshot') from.core?.reportSnapshot(m.to, false);
      else if (dropped === 'partition' && m.type === 'Append' && this.rng.chance(0.5))
        from.core?.reportUnreachable(m.to);
    }
  }

  /** Runs what is due on a node's clock: finished writes, timers, deferred driver work. */
  private runDriver(n: SimNode): void {
    while (n.unsynced[0] && n.unsynced[0].doneAt <= this.now) {
      const write = n.unsynced.shift();
      if (write) this.store(n, write.batch);
    }
    for (let guard = 0; guard < 1000 && n.driver; guard++) {
      const write = n.pending;
      if (write && write.doneAt <= this.now) {
        n.pending = null;
        if (this.now < n.fullUntil) {
          this.refusedWrites++;
          write.done(new SimDiskFull(`${n.id}: the simulated disk is full`));
        } else {
          this.store(n, write.batch);
          write.done(null);
        }
        continue;
      }
      const timer = n.timers.findIndex((t) => t.at <= this.now);
      if (timer >= 0) {
        const [due] = n.timers.splice(timer, 1);
        due?.task();
        continue;
      }
      const task = n.tasks.shift();
      if (!task) return;
      task();
    }
  }

  /** The fsync finished: the batch is durable on the simulated disk. */
  private store(n: SimNode, batch: PersistBatch): void {
    const disk = n.disk;
    if (batch.snapshot) {
      disk.snapshot = { meta: batch.snapshot.meta, fsm: decodeFsm(batch.snapshot.data) };
      disk.entries = [];
    }
    const first = batch.entries[0];
    if (first) {
      const kept = disk.entries.filter((e) => e.index < first.index);
      const prev = kept[kept.length - 1];
      const prevTerm =
        prev?.index === first.index - 1
          ? prev.term
          : disk.snapshot?.meta.index === first.index - 1
            ? disk.snapshot.meta.term
            : first.index === 1
              ? 0
              : -1;
      if (prevTerm === -1)
        throw new Violation('storage', `${n.id} stored entries from ${first.index} with a gap before`);
      this.checker.stored(n.id, batch.entries, prevTerm);
      disk.entries = kept.concat(batch.entries);
    }
    if (batch.hardState) {
      this.checker.hardState(n.id, disk.hardState, batch.hardState);
      disk.hardState = batch.hardState;
    }
  }

  /** The driver restores a snapshot received from the leader into the state machine. */
  private restore(n: SimNode, snapshot: Snapshot): void {
    n.fsm = decodeFsm(snapshot.data);
    this.checker.restored(n.id, snapshot.meta, n.fsm);
    this.log(`${n.id} installed snapshot@${snapshot.meta.index}`);
  }

  /** The driver applies a committed entry; a proposal applied by its own leader is acknowledged. */
  private apply(n: SimNode, core: RaftCore, e: Entry): void {
    if (e.index !== n.fsm.index + 1) {
      throw new Violation('apply order', `${n.id} applied ${e.index} after ${n.fsm.index}`);
    }
    n.fsm = applyToFsm(n.fsm, e);
    if (this.checker.applied(n.id, e, n.fsm, core.softState().term, this.leaders()))
      this.log(`commit ${e.index}@${e.term} (first applied by ${n.id})`);
    const key = `${e.index}:${e.term}`;
    const p = this.proposals.get(key);
    if (p && p.proposer === n.id && e.type === EntryType.Normal) {
      // The leader applied its own proposal as committed: acknowledged to the client.
      this.proposals.delete(key);
      this.checker.acked.set(e.index, e.term);
      this.maxAcked = Math.max(this.maxAcked, e.index);
      if (p.probe && this.phase === 'heal') this.probeRecovered = true;
    }
  }

  /** A Ready is durable, its messages sent and the core advanced. */
  private readyDone(n: SimNode, rd: Ready): void {
    for (const r of rd.readStates) {
      const atRequest = this.reads.get(r.context);
      if (atRequest !== undefined && r.index < atRequest) {
        throw new Violation(
          'linearizable read',
          `read ${r.context} at ${r.index} misses acked index ${atRequest}`,
        );
      }
      this.reads.delete(r.context);
    }
    if (rd.softState)
      this.log(`${n.id} ${rd.softState.role} term ${rd.softState.term} leader ${rd.softState.leader ?? '-'}`);
    this.observe(n);
  }

  // ------------------------------------------------------------------------------------------------
  // Workload and faults
  // ------------------------------------------------------------------------------------------------

  private propose(probe: boolean): boolean {
    const l = this.currentLeader();
    if (!l) return false;
    const data = new TextEncoder().encode(`${probe ? 'probe' : 'p'}${this.proposalSeq++}`);
    try {
      const { index, term } = l.core.propose(data);
      this.proposals.set(`${index}:${term}`, { proposer: l.id, term, probe });
      return true;
    } catch (e) {
      if (e instanceof RaftError) return false;
      throw e;
    }
  }

  /**
   * Storage damage on a crashed member: its newest durable records are gone (the WAL's last record damaged,
   * or the file truncated), taking entries it had acknowledged and the commit index recorded with them. The
   * storage notices a repaired tail and says so at restart (Disk.recovering). Only ever on a minority: with a
   * majority forgetting, committed entries are lost however the members behave.
   */
  private loseTail(n: SimNode): void {
    const disk = n.disk;
    const recovering = [...this.nodes.values()].filter((x) => x.disk.recovering).length;
    // The smallest voter set any member may be using: a two-voter configuration tolerates no such loss.
    const fewestVoters = Math.min(
      ...[...this.nodes.values()].map((x) => {
        const cfg = x.core ? x.core.status().configuration : x.lastConfiguration;
        const count = cfg ? voters(cfg).length : 0;
        return count > 0 ? count : Number.POSITIVE_INFINITY; // spares that never joined know no configuration
      }),
      this.config.nodes,
    );
    if (disk.entries.length === 0 || recovering + 1 > Math.floor((fewestVoters - 1) / 2)) return;
    const lost = this.rng.int(1, Math.min(3, disk.entries.length) + 1);
    disk.entries = disk.entries.slice(0, disk.entries.length - lost);
    const last = disk.entries[disk.entries.length - 1]?.index ?? disk.snapshot?.meta.index ?? 0;
    disk.hardState = { ...disk.hardState, commit: Math.min(disk.hardState.commit, last) };
    disk.recovering = true;
    this.tailLosses++;
    this.log(`${n.id} lost the last ${lost} entries of its log (now ends at ${last})`);
  }

  private read(): void {
    const l = this.currentLeader();
    if (!l) return;
    const ctx = `r${this.proposalSeq++}`;
    try {
      l.core.readIndex(ctx);
      this.reads.set(ctx, this.maxAcked);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  private chaos(): void {
    const r = this.rng;
    if (r.chance(0.004)) {
      const victims = this.alive();
      if (victims.length > 0) {
        const v = r.pick(victims);
        v.crash();
        this.log(`crash ${v.id}`);
        if (r.chance(0.3)) this.loseTail(v);
      }
    }
    if (r.chance(0.006)) {
      const dead = this.order.map((id) => this.nodes.get(id)).filter((n): n is SimNode => !!n && !n.alive);
      if (dead.length > 0) {
        const n = r.pick(dead);
        n.restarts++;
        this.log(`restart ${n.id}`);
        this.startNode(n);
      }
    }
    if (r.chance(0.003)) this.partition();
    if (r.chance(0.002)) {
      this.net.heal();
      this.log('network healed');
    }
    if (r.chance(0.002)) {
      this.net.faults = {
        minDelay: 1,
        maxDelay: r.int(2, 25),
        loss: r.chance(0.5) ? r.next() * 0.2 : 0,
        duplicate: r.chance(0.5) ? r.next() * 0.1 : 0,
      };
      this.log(`network faults ${JSON.stringify(this.net.faults)}`);
    }
    if (r.chance(0.002)) {
      const n = r.pick(this.order.map((id) => this.nodes.get(id)).filter((x): x is SimNode => !!x));
      n.diskDelay = r.chance(0.5) ? 0 : r.int(5, 60);
      this.log(`disk ${n.id} delay ${n.diskDelay}`);
    }
    if (r.chance(0.001)) {
      const n = r.pick(this.order.map((id) => this.nodes.get(id)).filter((x): x is SimNode => !!x));
      n.fullUntil = this.now + r.int(20, 400);
      this.log(`disk ${n.id} full until ${n.fullUntil}`);
    }
    if (r.chance(0.002)) this.confChange();
    if (r.chance(0.0015)) this.transfer();
    if (r.chance(0.003)) this.compact();
    if (r.chance(0.05)) this.propose(false);
  }

  private partition(): void {
    const r = this.rng;
    const ids = this.order;
    const kind = r.int(0, 3);
    if (kind === 0) {
      // Split into two sides.
      const side = new Set(ids.filter(() => r.chance(0.5)));
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) this.net.block(a, b);
      this.log(`partition {${[...side].join(',')}} | rest`);
    } else if (kind === 1) {
      // One-way: a node can send but not receive (or the reverse).
      const x = r.pick(ids);
      const inbound = r.chance(0.5);
      for (const o of ids) {
        if (o === x) continue;
        if (inbound) this.net.block(o, x);
        else this.net.block(x, o);
      }
      this.log(`one-way partition: ${x} ${inbound ? 'deaf' : 'mute'}`);
    } else {
      const l = this.currentLeader();
      if (!l) return;
      for (const o of ids) {
        if (o === l.id) continue;
        this.net.block(o, l.id);
        this.net.block(l.id, o);
      }
      this.log(`isolate leader ${l.id}`);
    }
  }

  private confChange(): void {
    const l = this.currentLeader();
    if (!l) return;
    const st = l.core.status();
    const cfg = st.configuration;
    const vs = voters(cfg);
    const r = this.rng;
    const outside = this.order.filter((id) => !cfg.servers.some((s) => s.id === id));
    const nonvoters = cfg.servers.filter((s) => s.suffrage === Suffrage.Nonvoter).map((s) => s.id);
    const options: ConfChange[] = [];
    for (const id of outside) {
      options.push({ kind: 'addNonvoter', id, address: `${id}:7000` });
      options.push({ kind: 'addVoter', id, address: `${id}:7000` });
    }
    for (const id of nonvoters) {
      options.push({ kind: 'addVoter', id, address: `${id}:7000` });
      options.push({ kind: 'remove', id });
    }
    if (vs.length > 2) {
      for (const id of vs) {
        options.push({ kind: 'demote', id });
        options.push({ kind: 'remove', id });
      }
    }
    if (options.length === 0) return;
    const change = r.pick(options);
    // Like the operator, which counts a member that is catching up after losing its log tail as unhealthy:
    // never leave such members as half the voters or more (they do not vote until caught up).
    const after = new Set(vs);
    if (change.kind === 'addVoter') after.add(change.id);
    else after.delete(change.id);
    const recovering = [...after].filter((id) => this.nodes.get(id)?.disk.recovering).length;
    if (recovering > Math.floor((after.size - 1) / 2)) return;
    try {
      const { index } = l.core.proposeConfChange(change, st.configIndex);
      this.log(`${l.id} conf change ${change.kind} ${change.id} at ${index}`);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  private transfer(): void {
    const l = this.currentLeader();
    if (!l) return;
    const vs = voters(l.core.status().configuration).filter((id) => id !== l.id);
    const to = this.rng.chance(0.5) && vs.length > 0 ? this.rng.pick(vs) : undefined;
    try {
      l.core.transferLeadership(to);
      this.log(`${l.id} transfers leadership to ${to ?? '(most caught up)'}`);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  private compact(): void {
    const candidates = this.alive().filter((n) => n.core !== null && n.driver?.busy === false);
    if (candidates.length === 0) return;
    const n = this.rng.pick(candidates);
    const core = n.core;
    if (!core) return;
    const applied = core.status().applied;
    if (applied <= (n.disk.snapshot?.meta.index ?? 0) + 3 || n.fsm.index !== applied) return;
    const meta = core.snapshotMetaAt(applied);
    n.disk.snapshot = { meta, fsm: n.fsm };
    core.compact(meta, this.rng.int(0, 6), 1 << 20);
    const first = core.status().firstIndex;
    n.disk.entries = n.disk.entries.filter((e) => e.index >= first);
    this.log(`${n.id} snapshot@${applied}, log from ${first}`);
  }

  // ------------------------------------------------------------------------------------------------
  // Liveness
  // ------------------------------------------------------------------------------------------------

  private beginHeal(): void {
    this.phase = 'heal';
    this.healStart = this.now;
    this.probeRecovered = false;
    this.net.heal();
    for (const n of this.nodes.values()) {
      n.diskDelay = 0;
      n.fullUntil = 0;
      if (!n.alive) {
        n.restarts++;
        this.startNode(n);
      }
    }
    this.log('heal: all faults repaired');
  }

  private checkRecovery(): void {
    if (this.probeRecovered) {
      const ticks = Math.ceil((this.now - this.healStart) / TICK);
      this.maxRecoveryTicks = Math.max(this.maxRecoveryTicks, ticks);
      this.log(`recovered in ${ticks} ticks`);
      this.phase = 'chaos';
      this.phaseEnd = this.now + this.rng.int(300, 1500);
      return;
    }
    const bound = (this.config.recoveryBoundTicks ?? 200) * TICK;
    if (this.now - this.healStart > bound) {
      const roles = this.alive()
        .map((n) => {
          const st = n.core?.status();
          return `${n.id}:${st?.role}/${st?.term} log ${st?.lastIndex}@${st?.lastTerm}${st?.recovering ? ' recovering' : ''} voters ${st?.configuration.servers
            .filter((x) => x.suffrage === Suffrage.Voter)
            .map((x) => x.id)
            .join(',')}`;
        })
        .join(' ');
      throw new Violation('liveness', `no committed proposal ${bound / TICK} ticks after healing (${roles})`);
    }
    // Keep offering a probe proposal to whoever leads now.
    const l = this.currentLeader();
    if (!l) return;
    const outstanding = [...this.proposals.values()].some(
      (p) => p.probe && p.proposer === l.id && p.term === l.term,
    );
    if (!outstanding) this.propose(true);
  }
}

export function runSimulation(config: SimConfig): SimResult {
  return new Simulation(config).run();
}
