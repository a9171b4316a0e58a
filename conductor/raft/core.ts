/**
 * The pure Raft core (etcd-io/raft style): `tick()` and `step(message)` are the only inputs besides
 * the client calls, and everything the core wants done — persist, send, apply — comes out of
 * `ready()` and is acknowledged with `advance()`. No I/O, no clocks, no Math.random: randomness is
 * injected, so a seeded simulation replays exactly.
 *
 * Features: PreVote (thesis §9.6), CheckQuorum leases, leadership transfer (TimeoutNow), single-server
 * membership changes that take effect when appended (thesis §4.1, hashicorp semantics), non-voters,
 * snapshots/compaction/InstallSnapshot, ReadIndex (thesis §6.4), pipelined and batched replication
 * with probe/replicate/snapshot flow control.
 */
import {
  applyConfChange,
  encodeConfiguration,
  findServer,
  isVoter,
  sameConfiguration,
  voters,
} from './configuration.js';
import type { IndexedConfiguration } from './configuration.js';
import { RaftError, configurationChanged, notLeader, transferInProgress } from './errors.js';
import { RaftLog, entryBytes } from './log.js';
import { wellFormed } from './messages.js';
import { Progress } from './progress.js';
import { hasQuorum, quorumIndex, voteResult } from './quorum.js';
import { EntryType } from './types.js';
import type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  Configuration,
  Entry,
  HardState,
  HeartbeatRequest,
  HeartbeatResponse,
  Message,
  NodeId,
  PreVoteRequest,
  RaftStatus,
  ReadState,
  Ready,
  RestoredState,
  Role,
  SnapshotMeta,
  SnapshotRequest,
  SoftState,
  VoteRequest,
} from './types.js';

export interface RaftOptions {
  readonly id: NodeId;
  /** Follower/candidate timeout, randomised in [electionTicks, 2*electionTicks). Also the lease. */
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly preVote?: boolean;
  /**
   * Leader steps down if it has not heard from a quorum within electionTicks; followers that heard
   * from a leader within electionTicks ignore (pre)votes unless the request has transfer=true.
   */
  readonly checkQuorum?: boolean;
  readonly maxEntriesPerAppend?: number;
  /** A single entry bigger than this still goes alone. */
  readonly maxBytesPerAppend?: number;
  readonly maxInflightAppends?: number;
  readonly maxInflightBytes?: number;
  /** Seeded PRNG in [0, 1). */
  readonly random: () => number;
}

export const DEFAULT_RAFT_OPTIONS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerAppend: 64,
  maxBytesPerAppend: 8 * 1024 * 1024,
  maxInflightAppends: 4,
  maxInflightBytes: 32 * 1024 * 1024,
} as const;

type ResolvedOptions = Required<RaftOptions>;

/** A ReadIndex request waiting for a quorum of heartbeat answers (etcd `readOnly`). */
interface PendingRead {
  readonly context: string;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class RaftCore {
  /**
   * The entries a brand-new cluster writes before its first start: one configuration entry at index 1,
   * term 1 (hashicorp BootstrapCluster). Every founding member writes the same entry.
   */
  static bootstrap(configuration: Configuration): Entry[] {
    const ids = new Set(configuration.servers.map((s) => s.id));
    if (ids.size !== configuration.servers.length || voters(configuration).length === 0) {
      throw new RaftError(
        'InvalidConfChange',
        'bootstrap configuration needs unique ids and at least one voter',
      );
    }
    return [{ term: 1, index: 1, type: EntryType.ConfChange, data: encodeConfiguration(configuration) }];
  }

  private readonly id: NodeId;
  private readonly opts: ResolvedOptions;
  private readonly log: RaftLog;

  private term: number;
  private vote: NodeId | null;
  private role: Role = 'follower';
  private leader: NodeId | null = null;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<NodeId, boolean>();

  /** Leader only. */
  private readonly progress = new Map<NodeId, Progress>();
  /** Index of this leader's Noop: entries from here on are of the current term. */
  private leaderTermStart = 0;
  private transferTarget: NodeId | null = null;
  private transferElapsed = 0;
  private pendingReads: PendingRead[] = [];
  /** Reads requested before this leader committed its Noop. */
  private readsAwaitingCommit: string[] = [];
  /**
   * Restarted from a log that may have lost entries this member acknowledged (RestoredState.recovering).
   * Its vote could then elect a leader without a committed entry (it would compare a short log), so until a
   * leader has caught it up it grants a (pre)vote only to a candidate whose last entry is of a term above
   * `recoveryTerm` — the durable term at restart, which bounds the term of every entry it ever held, so such
   * a candidate is more up to date than any log it could have had — and it never campaigns (its own vote
   * would be the unsafe one). Caught up means: its commit index, which only a leader advances, passed the
   * restored log's end and lands on an entry of the leader's current term, so its log matches that
   * leader's — which holds every committed entry — up to there.
   */
  private recovering: boolean;
  private readonly recoveryTerm: number;
  private readonly recoveryLastIndex: number;
  /** Proposals since the last Ready: replicate them in one batch when the shell asks for work. */
  private broadcastPending = false;

  private msgs: Message[] = [];
  private eagerMsgs: Message[] = [];
  private readStates: ReadState[] = [];
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | null = null;

  constructor(options: RaftOptions, restored: RestoredState) {
    this.opts = { ...DEFAULT_RAFT_OPTIONS, ...options };
    const o = this.opts;
    if (!(o.electionTicks >= 1 && o.heartbeatTicks >= 1 && o.heartbeatTicks < o.electionTicks)) {
      throw new RaftError('InvalidState', 'need 1 <= heartbeatTicks < electionTicks');
    }
    if (o.maxEntriesPerAppend < 1 || o.maxInflightAppends < 1) {
      throw new RaftError('InvalidState', 'maxEntriesPerAppend and maxInflightAppends must be >= 1');
    }
    this.id = options.id;
    this.log = new RaftLog(restored);
    const hs = restored.hardState;
    // A bootstrapped log starts at term 1 even if no hard state was written yet; terms only rise.
    this.term = Math.max(hs.term, this.log.lastTerm());
    this.vote = this.term === hs.term ? hs.vote : null;
    this.recovering = restored.recovering === true || hs.commit > this.log.lastIndex();
    this.recoveryTerm = this.term;
    this.recoveryLastIndex = this.log.lastIndex();
    this.prevHard = hs;
    this.resetTimers();
    this.prevSoft = this.softState();
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs: time and messages
  // ---------------------------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.transferTarget !== null && ++this.transferElapsed >= this.opts.electionTicks) {
      // The target did not take over within an election timeout: resume normal service.
      this.transferTarget = null;
    }
    if (this.electionElapsed >= this.opts.electionTicks) {
      this.electionElapsed = 0;
      if (this.opts.checkQuorum) {
        if (!this.quorumActive()) {
          // We may be partitioned away: stop acting as leader before a new one can be elected,
          // since followers only vote after their own lease (electionTicks) expired.
          this.becomeFollower(this.term, null);
          return;
        }
        for (const pr of this.progress.values()) pr.recentActive = false;
      }
    }
    if (this.heartbeatElapsed >= this.opts.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat('');
    }
  }

  step(m: Message): void {
    if (!wellFormed(m) || m.to !== this.id || m.from === this.id) return;

    if (m.term > this.term) {
      if (m.type === 'Vote' || m.type === 'PreVote') {
        const force = m.type === 'Vote' && m.transfer;
        // CheckQuorum lease: while we hear from a leader, a disruptive candidate cannot depose it.
        const inLease =
          this.opts.checkQuorum && this.leader !== null && this.electionElapsed < this.opts.electionTicks;
        if (!force && inLease) return;
      }
      if (m.type === 'PreVote') {
        // A pre-vote carries the term the candidate would use: answering it changes nothing here.
      } else if (m.type === 'PreVoteResp' && m.granted) {
        // Granted pre-votes come back with our own future term; the term rises only if we win.
      } else {
        const leader = m.type === 'Append' || m.type === 'Heartbeat' || m.type === 'Snapshot' ? m.from : null;
        this.becomeFollower(m.term, leader);
      }
    } else if (m.term < this.term) {
      if (m.type === 'Append' || m.type === 'Heartbeat' || m.type === 'Snapshot') {
        // A deposed leader (e.g. healed from a partition) learns our term from this and steps down;
        // otherwise, with CheckQuorum/PreVote, it could be stuck forever in a higher-term-less loop.
        this.send(this.appendResponse(m.from, false, this.log.lastIndex(), this.log.lastIndex() + 1, 0));
      } else if (m.type === 'PreVote') {
        this.send({ type: 'PreVoteResp', from: this.id, to: m.from, term: this.term, granted: false });
      }
      return;
    }

    if (m.type === 'PreVote' || m.type === 'Vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Elections
  // ---------------------------------------------------------------------------------------------

  /**
   * Who may campaign: a voter of the latest configuration — or of the committed one while an
   * uncommitted entry removes or demotes us. The second case matters: a leader that appended its own
   * removal and then lost leadership may hold the only up-to-date log, and the others (whose
   * configuration still lists it) would refuse every other candidate. It then campaigns under its
   * latest configuration (not counting itself, like any removed leader), commits the removal and
   * steps down. New servers and servers whose removal committed wait to be contacted.
   */
  private promotable(): boolean {
    if (isVoter(this.configuration().configuration, this.id)) return true;
    return isVoter(this.log.configs.at(this.log.committed).configuration, this.id);
  }

  /** Overridable only so the simulation can prove its checker catches a double-voting core. */
  protected canVote(m: PreVoteRequest | VoteRequest): boolean {
    return (
      this.vote === m.from ||
      (this.vote === null && this.leader === null) ||
      (m.type === 'PreVote' && m.term > this.term)
    );
  }

  private handleVoteRequest(m: PreVoteRequest | VoteRequest): void {
    // Votes depend only on the log (§5.4.1), not on whether the candidate is in our configuration:
    // ours may be stale or about to be truncated, and refusing could leave no electable server.
    // Pre-vote and the CheckQuorum lease are what keep removed servers from disrupting the cluster.
    const grant =
      this.canVote(m) &&
      this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm) &&
      (!this.recovering || m.lastLogTerm > this.recoveryTerm);
    if (m.type === 'Vote') {
      if (grant) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      this.send({ type: 'VoteResp', from: this.id, to: m.from, term: this.term, granted: grant });
    } else {
      // Granting a pre-vote neither records a vote nor resets our timer (hashicorp PR #609).
      this.send({
        type: 'PreVoteResp',
        from: this.id,
        to: m.from,
        term: grant ? m.term : this.term,
        granted: grant,
      });
    }
  }

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable() || this.recovering) return;
    if (this.opts.preVote && !transfer) this.becomePreCandidate();
    else this.becomeCandidate(transfer);
  }

  private becomePreCandidate(): void {
    this.role = 'preCandidate';
    this.leader = null;
    this.resetTimers();
    this.votes.clear();
    this.votes.set(this.id, true);
    if (this.tally()) return;
    for (const to of this.otherVoters()) {
      this.send({
        type: 'PreVote',
        from: this.id,
        to,
        term: this.term + 1,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
      });
    }
  }

  private becomeCandidate(transfer: boolean): void {
    this.reset(this.term + 1);
    this.role = 'candidate';
    this.vote = this.id;
    this.votes.set(this.id, true);
    if (this.tally()) return;
    for (const to of this.otherVoters()) {
      this.send({
        type: 'Vote',
        from: this.id,
        to,
        term: this.term,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
        transfer,
      });
    }
  }

  /** Counts the votes so far; returns true if the election is decided (and acted upon). */
  private tally(): boolean {
    const result = voteResult(voters(this.configuration().configuration), this.votes);
    if (result === 'won') {
      if (this.role === 'preCandidate') this.becomeCandidate(false);
      else this.becomeLeader();
      return true;
    }
    if (result === 'lost') {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'Append':
      case 'Heartbeat':
      case 'Snapshot':
        // A leader of our term exists: it won, we lost.
        this.becomeFollower(this.term, m.from);
        this.stepFollower(m);
        return;
      case 'PreVoteResp':
        if (this.role !== 'preCandidate') return;
        this.votes.set(m.from, m.granted);
        this.tally();
        return;
      case 'VoteResp':
        if (this.role !== 'candidate') return;
        this.votes.set(m.from, m.granted);
        this.tally();
        return;
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'Append':
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        this.maybeFinishRecovery();
        return;
      case 'Heartbeat':
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        this.maybeFinishRecovery();
        return;
      case 'Snapshot':
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        this.maybeFinishRecovery();
        return;
      case 'TimeoutNow':
        // The leader hands over: campaign now, skipping pre-vote and overriding voters' leases.
        this.hup(true);
        return;
      default:
        return;
    }
  }

  /** Overridable only so the simulation can prove its checker catches a member that forgot acknowledged entries. */
  protected maybeFinishRecovery(): void {
    if (!this.recovering) return;
    const commit = this.log.committed;
    if (commit > this.recoveryLastIndex && this.log.term(commit) === this.term) this.recovering = false;
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.leader = from;
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.transferTarget = null;
    this.progress.clear();
    this.syncProgress(false);
    this.leaderTermStart = this.log.lastIndex() + 1;
    // A Noop of our term lets us commit everything before it (Figure 8) and serve reads.
    this.appendEntry(EntryType.Noop, new Uint8Array(0));
  }

  /** Common to every role change: new term clears the vote; timers, votes and leader state reset. */
  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.resetTimers();
    this.votes.clear();
    this.progress.clear();
    this.transferTarget = null;
    this.pendingReads = [];
    this.readsAwaitingCommit = [];
    this.broadcastPending = false;
  }

  private resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    const r = this.opts.random();
    const jitter = Math.min(
      this.opts.electionTicks - 1,
      Math.floor(Math.max(0, r) * this.opts.electionTicks),
    );
    this.randomizedElectionTimeout = this.opts.electionTicks + jitter;
  }

  private otherVoters(): NodeId[] {
    return voters(this.configuration().configuration).filter((id) => id !== this.id);
  }

  // ---------------------------------------------------------------------------------------------
  // Follower side of replication
  // ---------------------------------------------------------------------------------------------

  private appendResponse(
    to: NodeId,
    success: boolean,
    index: number,
    conflictIndex: number,
    conflictTerm: number,
  ): AppendResponse {
    return {
      type: 'AppendResp',
      from: this.id,
      to,
      term: this.term,
      success,
      index,
      conflictIndex,
      conflictTerm,
    };
  }

  private handleAppend(m: AppendRequest): void {
    if (m.prevIndex < this.log.committed) {
      // Everything up to our commit index matches any leader; tell it where to resume.
      this.send(this.appendResponse(m.from, true, this.log.committed, 0, 0));
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.send(this.appendResponse(m.from, true, lastNew, 0, 0));
      return;
    }
    const hint = this.log.conflictHint(m.prevIndex);
    this.send(
      this.appendResponse(m.from, false, this.log.lastIndex(), hint.conflictIndex, hint.conflictTerm),
    );
  }

  private handleHeartbeat(m: HeartbeatRequest): void {
    // The leader sends min(our match, its commit), so we hold every entry up to it — unless our log went
    // backwards since we acknowledged them (its tail was lost): say so, or the leader never resends them.
    if (m.commit > this.log.lastIndex()) {
      const last = this.log.lastIndex();
      this.send(this.appendResponse(m.from, false, last, last + 1, 0));
    }
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const resp: HeartbeatResponse = {
      type: 'HeartbeatResp',
      from: this.id,
      to: m.from,
      term: this.term,
      readContext: m.readContext,
    };
    this.send(resp);
  }

  private handleSnapshot(m: SnapshotRequest): void {
    const meta = m.snapshot.meta;
    if (meta.index <= this.log.committed) {
      this.send(this.appendResponse(m.from, true, this.log.committed, 0, 0));
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry, hence everything before it: just commit.
      this.log.commitTo(meta.index);
    } else {
      this.log.restore(m.snapshot);
    }
    this.send(this.appendResponse(m.from, true, meta.index, 0, 0));
  }

  // ---------------------------------------------------------------------------------------------
  // Leader side of replication
  // ---------------------------------------------------------------------------------------------

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'AppendResp':
        this.handleAppendResponse(m);
        return;
      case 'HeartbeatResp':
        this.handleHeartbeatResponse(m);
        return;
      default:
        return;
    }
  }

  private appendEntry(type: EntryType, data: Uint8Array): Entry {
    const e: Entry = { term: this.term, index: this.log.lastIndex() + 1, type, data };
    this.log.append([e]);
    if (type === EntryType.ConfChange) this.syncProgress(true);
    this.broadcastPending = true;
    return e;
  }

  /**
   * Progress for every server of the latest configuration but us. New servers count as recently
   * active so that CheckQuorum does not depose us before they had a chance to answer.
   */
  private syncProgress(newAreActive: boolean): void {
    const config = this.configuration().configuration;
    for (const s of config.servers) {
      if (s.id === this.id || this.progress.has(s.id)) continue;
      const next = Math.max(1, newAreActive ? this.log.lastIndex() : this.log.lastIndex() + 1);
      this.progress.set(
        s.id,
        new Progress(0, next, this.opts.maxInflightAppends, this.opts.maxInflightBytes, newAreActive),
      );
    }
    for (const id of [...this.progress.keys()]) {
      if (!findServer(config, id)) this.progress.delete(id);
    }
    if (this.transferTarget !== null && !isVoter(config, this.transferTarget)) this.transferTarget = null;
  }

  /**
   * Sends the next append to `to` if its flow control allows. Returns whether something was sent.
   * `sendIfEmpty` sends an empty append too (it carries the commit index, or probes).
   */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    const entries = this.log.slice(
      pr.next,
      this.log.lastIndex() + 1,
      this.opts.maxEntriesPerAppend,
      this.opts.maxBytesPerAppend,
    );
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: 'Append',
      from: this.id,
      to,
      term: this.term,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.committed,
    });
    const last = entries[entries.length - 1];
    if (pr.state === 'replicate' && last) {
      // Optimistic: assume it arrives; a rejection sends the follower back to probing.
      pr.next = last.index + 1;
      pr.inflights.add(
        last.index,
        entries.reduce((n, e) => n + entryBytes(e), 0),
      );
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const meta = this.log.snapshot;
    if (!meta) return false;
    // The shell attaches the snapshot bytes named by `meta` from its snapshot store.
    this.send({
      type: 'Snapshot',
      from: this.id,
      to,
      term: this.term,
      snapshot: { meta, data: new Uint8Array(0) },
    });
    pr.becomeSnapshot(meta.index);
    return true;
  }

  /** Sends to every peer, filling each one's pipeline as far as flow control allows. */
  private bcastAppend(): void {
    for (const id of this.progress.keys()) {
      if (!this.sendAppend(id)) continue;
      while (this.sendAppend(id, false)) {
        /* fill the pipeline */
      }
    }
  }

  private bcastHeartbeat(readContext: string): void {
    for (const [to, pr] of this.progress) {
      this.send({
        type: 'Heartbeat',
        from: this.id,
        to,
        term: this.term,
        commit: Math.min(pr.match, this.log.committed),
        readContext,
      });
    }
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;

    if (!m.success) {
      if (m.index < pr.match) {
        // The follower's log is shorter than what it acknowledged: it lost its tail (storage damage) and
        // restarted. Lowering match is always safe (commit never moves back); probing from its real end is
        // the only way it gets those entries again.
        pr.match = m.index;
        pr.becomeProbe();
        this.sendAppend(m.from);
        return;
      }
      if (pr.state === 'snapshot') return;
      let hint = m.conflictIndex;
      if (m.conflictTerm > 0) {
        // Skip the follower's whole conflicting term: resume after our last entry of that term.
        const ours = this.log.lastIndexOfTerm(m.conflictTerm, this.log.lastIndex());
        if (ours !== undefined) hint = ours + 1;
      }
      // Never below what is known to match, never above the append that was just rejected.
      const next = Math.max(pr.match + 1, Math.min(hint, pr.next - 1));
      pr.becomeProbe();
      pr.next = next;
      this.sendAppend(m.from);
      return;
    }

    if (m.index > this.log.lastIndex()) return;
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') {
        pr.becomeReplicate();
      } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') {
        pr.inflights.freeLE(m.index);
      }
      if (this.maybeCommit()) {
        this.afterCommit();
      } else {
        while (this.sendAppend(m.from, false)) {
          /* fill the pipeline */
        }
      }
      if (this.role === 'leader' && this.transferTarget === m.from && pr.match === this.log.lastIndex()) {
        this.sendTimeoutNow(m.from);
      }
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.readContext !== '') this.ackRead(m.readContext, m.from);
  }

  /** Overridable only so the simulation can prove its checker catches a Figure-8 violation. */
  protected mayCommitAt(index: number): boolean {
    return this.log.term(index) === this.term;
  }

  /**
   * Advances the commit index to the highest index on a majority of voters — but only by counting
   * replicas of an entry of the current term (§5.4.2, Figure 8). Our own copy counts once durable.
   */
  private maybeCommit(): boolean {
    const vs = voters(this.configuration().configuration);
    const idx = quorumIndex(vs, (id) =>
      id === this.id ? this.log.stableIndex : (this.progress.get(id)?.match ?? 0),
    );
    if (idx > this.log.committed && this.mayCommitAt(idx)) {
      this.log.commitTo(idx);
      return true;
    }
    return false;
  }

  private afterCommit(): void {
    this.bcastAppend();
    if (this.log.committed >= this.leaderTermStart && this.readsAwaitingCommit.length > 0) {
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const ctx of waiting) this.startRead(ctx);
    }
    const latest = this.configuration();
    if (latest.index <= this.log.committed && !isVoter(latest.configuration, this.id)) {
      // We removed (or demoted) ourselves and that is now committed: hand over to the most caught-up
      // voter at once instead of letting the cluster wait for an election timeout, then step down.
      const best = this.mostCaughtUpVoter();
      if (best !== null) this.sendTimeoutNow(best);
      this.becomeFollower(this.term, null);
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'TimeoutNow', from: this.id, to, term: this.term });
  }

  private quorumActive(): boolean {
    return hasQuorum(
      voters(this.configuration().configuration),
      (id) => id === this.id || this.progress.get(id)?.recentActive === true,
    );
  }

  private mostCaughtUpVoter(): NodeId | null {
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of this.otherVoters()) {
      const m = this.progress.get(id)?.match ?? -1;
      if (m > bestMatch) {
        best = id;
        bestMatch = m;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------------------------------------
  // Client operations
  // ---------------------------------------------------------------------------------------------

  private checkCanPropose(): void {
    if (this.role !== 'leader') throw notLeader();
    if (this.transferTarget !== null) throw transferInProgress();
  }

  propose(data: Uint8Array): { index: number; term: number } {
    this.checkCanPropose();
    const e = this.appendEntry(EntryType.Normal, data);
    return { index: e.index, term: e.term };
  }

  /**
   * One server at a time. `version` is the index of the latest configuration entry the caller read
   * (0 = don't check). Refused while a configuration entry is uncommitted, and until this leader has
   * committed an entry of its term (Ongaro's fix for the single-server change bug: otherwise a new
   * leader could append a configuration that does not overlap a concurrent uncommitted one).
   */
  proposeConfChange(change: ConfChange, version: number): { index: number; term: number } {
    this.checkCanPropose();
    const latest = this.configuration();
    if (latest.index > this.log.committed || this.log.committed < this.leaderTermStart) {
      throw new RaftError('ConfChangeInProgress', 'configuration change still pending');
    }
    if (version !== 0 && version !== latest.index) throw configurationChanged(version, latest.index);
    const next = applyConfChange(latest.configuration, change);
    const e = this.appendEntry(EntryType.ConfChange, encodeConfiguration(next));
    return { index: e.index, term: e.term };
  }

  /** Hands leadership to `to`, or to the most caught-up voter. Aborted after electionTicks. */
  transferLeadership(to?: NodeId): void {
    if (this.role !== 'leader') throw notLeader();
    if (this.transferTarget !== null) throw transferInProgress();
    let target: NodeId;
    if (to === undefined) {
      const best = this.mostCaughtUpVoter();
      if (best === null) throw new RaftError('NoTransferTarget', 'cannot find peer');
      target = best;
    } else {
      if (to === this.id) throw new RaftError('NoTransferTarget', 'cannot transfer leadership to itself');
      if (!isVoter(this.configuration().configuration, to) || !this.progress.has(to)) {
        throw new RaftError('UnknownServer', `unknown voter ${to}`);
      }
      target = to;
    }
    this.transferTarget = target;
    this.transferElapsed = 0;
    const pr = this.progress.get(target);
    if (pr && pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target);
  }

  /** Linearizable read (thesis §6.4): the result arrives in Ready.readStates. */
  readIndex(context: string): void {
    if (this.role !== 'leader') throw notLeader();
    if (this.log.committed < this.leaderTermStart) {
      // Our commit index is only known to be current once our Noop committed.
      this.readsAwaitingCommit.push(context);
      return;
    }
    this.startRead(context);
  }

  private startRead(context: string): void {
    const vs = voters(this.configuration().configuration);
    if (vs.length === 1 && vs[0] === this.id) {
      this.readStates.push({ index: this.log.committed, context });
      return;
    }
    this.pendingReads.push({ context, index: this.log.committed, acks: new Set([this.id]) });
    this.bcastHeartbeat(context);
  }

  private ackRead(context: string, from: NodeId): void {
    const at = this.pendingReads.findIndex((r) => r.context === context);
    const req = this.pendingReads[at];
    if (!req) return;
    req.acks.add(from);
    if (!hasQuorum(voters(this.configuration().configuration), (id) => req.acks.has(id))) return;
    // A quorum confirmed our leadership after this read (and every earlier one) was requested.
    for (const r of this.pendingReads.splice(0, at + 1))
      this.readStates.push({ index: r.index, context: r.context });
  }

  /** Starts an election now (tests, single-node bootstrap). No-op for leaders and non-voters. */
  campaign(): void {
    this.hup(false);
  }

  /**
   * The shell snapshotted its FSM at `snapshot.index` (≤ applied and durable). Entries up to it are
   * dropped from memory except trailing ones; the shell may delete stored entries before
   * `status().firstIndex`. Build `snapshot` with `configurationAt(index)`.
   */
  compact(snapshot: SnapshotMeta, trailingEntries: number, trailingBytes: number): void {
    if (snapshot.index <= (this.log.snapshot?.index ?? 0)) return;
    if (snapshot.index > this.log.applied || snapshot.index > this.log.stableIndex) {
      throw new RaftError('InvalidState', `cannot compact to ${snapshot.index}: not yet applied and durable`);
    }
    if (this.log.term(snapshot.index) !== snapshot.term) {
      throw new RaftError(
        'InvalidState',
        `snapshot term ${snapshot.term} does not match the log at ${snapshot.index}`,
      );
    }
    const c = this.log.configs.at(snapshot.index);
    if (c.index !== snapshot.configIndex || !sameConfiguration(c.configuration, snapshot.configuration)) {
      throw new RaftError(
        'InvalidState',
        `snapshot configuration does not match the log at ${snapshot.index}`,
      );
    }
    this.log.compact(snapshot, Math.max(0, trailingEntries), Math.max(0, trailingBytes));
  }

  /** The configuration in effect at `index` and the index of its entry, for SnapshotMeta. */
  configurationAt(index: number): { configuration: Configuration; configIndex: number } {
    const c = this.log.configs.at(index);
    return { configuration: c.configuration, configIndex: c.index };
  }

  /**
   * Metadata for a snapshot of the FSM at `index` (≤ applied): its term and the configuration in
   * effect there. Throws if `index` is no longer (or not yet) in the log.
   */
  snapshotMetaAt(index: number): SnapshotMeta {
    const term = this.log.term(index);
    if (term === undefined || index > this.log.lastIndex()) {
      throw new RaftError('InvalidState', `index ${index} is not in the log`);
    }
    return { index, term, ...this.configurationAt(index) };
  }

  /** The term of the entry at `index` if it is still in the log (diagnostics, simulation checks). */
  logTerm(index: number): number | undefined {
    return index <= this.log.lastIndex() ? this.log.term(index) : undefined;
  }

  /** The transport could not deliver to `peer`: stop pipelining blind and probe again. */
  reportUnreachable(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (this.role === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  /** The shell finished (or failed) streaming a snapshot to `peer`. */
  reportSnapshot(peer: NodeId, ok: boolean): void {
    const pr = this.progress.get(peer);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer (or a heartbeat answer) before sending the next append.
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Output: Ready / advance
  // ---------------------------------------------------------------------------------------------

  private send(m: Message): void {
    if (m.type === 'Append') this.eagerMsgs.push(m);
    else this.msgs.push(m);
  }

  /** Role, leader and term right now (cheap; Ready.softState reports changes). */
  softState(): SoftState {
    return { role: this.role, leader: this.leader, term: this.term };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private flushBroadcast(): void {
    if (this.broadcastPending && this.role === 'leader') this.bcastAppend();
    this.broadcastPending = false;
  }

  /**
   * The leader's appends produced since the last Ready (for new proposals, or in answer to follower
   * acks), handed out while a Ready is still outstanding so replication need not wait for the
   * leader's own fsync of the previous batch. As safe as Ready.eagerMessages and for the same reason:
   * the leader counts its own copy of an entry only once `advance()` says it is durable.
   */
  takeEagerMessages(): Message[] {
    this.flushBroadcast();
    const out = this.eagerMsgs;
    this.eagerMsgs = [];
    return out;
  }

  /** False while a Ready is outstanding: the shell processes one Ready at a time, in order. */
  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const s = this.softState();
    const h = this.hardState();
    const p = this.prevSoft;
    const q = this.prevHard;
    return (
      this.broadcastPending ||
      s.role !== p.role ||
      s.leader !== p.leader ||
      s.term !== p.term ||
      h.term !== q.term ||
      h.vote !== q.vote ||
      h.commit !== q.commit ||
      this.log.pendingSnapshot !== null ||
      this.log.lastIndex() > this.log.stableIndex ||
      this.log.committed > this.log.applying ||
      this.msgs.length > 0 ||
      this.eagerMsgs.length > 0 ||
      this.readStates.length > 0
    );
  }

  /**
   * The next batch of work; see Ready in types.ts for the order the shell must follow. The shell
   * must call `advance(ready)` before the next `ready()`; it may keep stepping and ticking meanwhile.
   */
  ready(): Ready {
    if (this.outstanding !== null) throw new RaftError('InvalidState', 'advance() the previous Ready first');
    this.flushBroadcast();
    const s = this.softState();
    const h = this.hardState();
    const p = this.prevSoft;
    const q = this.prevHard;
    const committed = this.log.nextCommitted();
    const rd: Ready = {
      softState: s.role !== p.role || s.leader !== p.leader || s.term !== p.term ? s : null,
      hardState: h.term !== q.term || h.vote !== q.vote || h.commit !== q.commit ? h : null,
      snapshot: this.log.pendingSnapshot,
      entries: this.log.unstableEntries(),
      committed,
      eagerMessages: this.eagerMsgs,
      messages: this.msgs,
      readStates: this.readStates,
    };
    this.prevSoft = s;
    this.prevHard = h;
    this.eagerMsgs = [];
    this.msgs = [];
    this.readStates = [];
    const lastCommitted = committed[committed.length - 1];
    if (lastCommitted) this.log.applying = lastCommitted.index;
    this.outstanding = rd;
    return rd;
  }

  advance(rd: Ready): void {
    if (rd !== this.outstanding) throw new RaftError('InvalidState', 'advance() takes the last Ready');
    this.outstanding = null;
    if (rd.snapshot) {
      this.log.snapshotStable(rd.snapshot.meta);
      this.log.applied = Math.max(this.log.applied, rd.snapshot.meta.index);
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last) this.log.stableTo(last.index, last.term);
    const lastCommitted = rd.committed[rd.committed.length - 1];
    if (lastCommitted) this.log.applied = Math.max(this.log.applied, lastCommitted.index);
    if (this.role === 'leader' && this.maybeCommit()) this.afterCommit();
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection
  // ---------------------------------------------------------------------------------------------

  private configuration(): IndexedConfiguration {
    return this.log.configs.latest();
  }

  status(): RaftStatus {
    const latest = this.configuration();
    const committed = this.log.configs.at(this.log.committed);
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      firstIndex: this.log.firstIndex(),
      configuration: latest.configuration,
      configIndex: latest.index,
      committedConfiguration: committed.configuration,
      committedConfigIndex: committed.index,
      transferTarget: this.transferTarget,
      progress: [...this.progress].map(([id, pr]) => ({
        id,
        match: pr.match,
        next: pr.next,
        state: pr.state,
        recentActive: pr.recentActive,
        inflight: pr.inflights.count,
      })),
      recovering: this.recovering,
    };
  }
}
