/**
 * The vocabulary of the pure Raft core: entries, configurations, messages, and the `Ready` batch the
 * core hands to its I/O shell. Everything here is plain data so it can cross the gRPC transport, the
 * write-ahead log and the deterministic simulation unchanged.
 *
 * Indices and terms are JavaScript numbers: they stay far below 2^53 for the life of any cluster.
 */

/** A Raft server ID. op-conductor uses free-form strings (`--raft.server.id`). */
export type NodeId = string;

export enum EntryType {
  /** An application command (for the conductor: an SSZ-encoded unsafe payload envelope). */
  Normal = 0,
  /** A membership change; `data` is `encodeConfiguration(resulting configuration)`. Takes effect when appended. */
  ConfChange = 1,
  /** Appended by every new leader so it can commit entries of its own term (and serve reads). */
  Noop = 2,
}

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** op-conductor's integer suffrage: 0 = Voter, 1 = Nonvoter (hashicorp/raft `ServerSuffrage`). */
export enum Suffrage {
  Voter = 0,
  Nonvoter = 1,
}

export interface Server {
  readonly id: NodeId;
  /** host:port of the server's Raft transport, stored verbatim. */
  readonly address: string;
  readonly suffrage: Suffrage;
}

export interface Configuration {
  readonly servers: readonly Server[];
}

/** One server at a time (Raft thesis §4.1); each kind is one configuration entry. */
export type ConfChange =
  | { readonly kind: 'addVoter'; readonly id: NodeId; readonly address: string }
  | { readonly kind: 'addNonvoter'; readonly id: NodeId; readonly address: string }
  | { readonly kind: 'demote'; readonly id: NodeId }
  | { readonly kind: 'remove'; readonly id: NodeId };
/* Promotion is `addVoter` of an existing non-voter, exactly as in hashicorp/raft. */

/** Term, vote and commit index: must be durable before any message that depends on them is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SnapshotMeta {
  /** Last log index covered by the snapshot. */
  readonly index: number;
  readonly term: number;
  /** The configuration in effect at `index`, and the index of the entry that introduced it. */
  readonly configuration: Configuration;
  readonly configIndex: number;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The application (FSM) state at `meta.index`. */
  readonly data: Uint8Array;
}

/**
 * Messages between cores. Every message carries the sender's term; `to`/`from` are server IDs.
 * Votes, heartbeats and TimeoutNow are small and latency critical ("control"); Append and Snapshot
 * can be megabytes ("bulk") — the transport keeps them on separate paths.
 */
export type Message =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | TimeoutNow
  | SnapshotRequest;

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** Pre-vote (thesis §9.6): carries the term the candidate *would* use; granting changes no state. */
export interface PreVoteRequest extends MessageBase {
  readonly type: 'PreVote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}
export interface PreVoteResponse extends MessageBase {
  readonly type: 'PreVoteResp';
  readonly granted: boolean;
}
export interface VoteRequest extends MessageBase {
  readonly type: 'Vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when the election was started by TimeoutNow: voters ignore their leader lease. */
  readonly transfer: boolean;
}
export interface VoteResponse extends MessageBase {
  readonly type: 'VoteResp';
  readonly granted: boolean;
}
export interface AppendRequest extends MessageBase {
  readonly type: 'Append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}
export interface AppendResponse extends MessageBase {
  readonly type: 'AppendResp';
  readonly success: boolean;
  /** On success: the last index known to match the leader. On rejection: the follower's last index. */
  readonly index: number;
  /**
   * On rejection, the fast back-off hint (thesis §5.3 optimisation): the first index of the conflicting
   * term (`conflictTerm`) in the follower's log, or its last index + 1 when its log is too short
   * (`conflictTerm` = 0).
   */
  readonly conflictIndex: number;
  readonly conflictTerm: number;
}
export interface HeartbeatRequest extends MessageBase {
  readonly type: 'Heartbeat';
  /** min(follower's match index, leader commit): never lets a follower commit past what it holds. */
  readonly commit: number;
  /** Non-empty when the heartbeat confirms leadership for a ReadIndex request. */
  readonly readContext: string;
}
export interface HeartbeatResponse extends MessageBase {
  readonly type: 'HeartbeatResp';
  readonly readContext: string;
}
export interface TimeoutNow extends MessageBase {
  readonly type: 'TimeoutNow';
}
/**
 * InstallSnapshot. The core emits it with `data` empty: the shell attaches the bytes of the snapshot
 * named by `meta` from its snapshot store (snapshots are too big to live in the core) and streams them
 * in chunks; the receiving shell reassembles and steps the message with `data` filled in. The follower
 * answers with an AppendResponse whose `index` is `meta.index`.
 */
export interface SnapshotRequest extends MessageBase {
  readonly type: 'Snapshot';
  readonly snapshot: Snapshot;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state that observers care about (the conductor's leadership channel, metrics, status). */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly term: number;
}

/** A confirmed linearizable read: everything up to `index` must be applied before answering it. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/**
 * What the core asks its shell to do. consensus/driver.ts (ReadyDriver) is the one shell loop, run by the
 * production node and by the simulation alike; per Ready it does, in this order:
 *  1. send `eagerMessages` (the leader's own appends to followers) at once: the leader counts its own copy
 *     only after `advance`, so replicating in parallel with its fsync is safe. Appends that carry no
 *     entries (commit-index notices) are held until step 3 has applied that commit here;
 *  2. restore `snapshot` (if any) into the state machine;
 *  3. apply `committed` entries in order — they are durable on a majority already, so this may happen
 *     before this member's own write finishes;
 *  4. persist `snapshot`, then `entries` (entries[0].index may be ≤ the last stored index: the stored
 *     suffix from there on is replaced), then the hard state, in one write and one fsync (a PersistBatch).
 *     `hardState` is written whenever its term or vote changed; a change of `commit` alone (only a hint
 *     after a restart) rides along with the next write of entries or a snapshot. Nothing to write, no write;
 *  5. send `messages` (only after step 4 is durable; votes and acks depend on it);
 *  6. call `advance(ready)`.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly committed: readonly Entry[];
  readonly eagerMessages: readonly Message[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

/** One atomic write of the shell's storage (Ready step 4). */
export interface PersistBatch {
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly hardState: HardState | null;
}

/* ---- Added with the core (extensions only; nothing above was renamed or removed). ---- */

/**
 * What a shell reads back from its storage to restart a core: the durable hard state, the latest
 * snapshot's metadata, and the stored entries after it (trailing entries at or before `snapshot.index`
 * are accepted too), contiguous. The shell restores its FSM from the snapshot; the core then hands out
 * the committed entries after `snapshot.index` again in Ready.committed (applied restarts at the
 * snapshot index).
 */
export interface RestoredState {
  readonly hardState: HardState;
  readonly snapshot: SnapshotMeta | null;
  readonly entries: readonly Entry[];
  /**
   * The storage repaired or lost the tail of the log (a damaged or truncated last record), so entries
   * this member acknowledged may be gone; or an earlier start said so and the member has not caught up
   * since. The core then neither votes (its log would be compared short) nor campaigns until a leader has
   * caught it up: see RaftCore's "recovering". A hard state whose commit is beyond the restored log sets
   * it too.
   */
  readonly recovering?: boolean;
}

export type ProgressStateName = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one peer (empty on followers). */
export interface PeerStatus {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressStateName;
  readonly recentActive: boolean;
  readonly inflight: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** The first index still in the log: the shell may delete stored entries before it. */
  readonly firstIndex: number;
  /** The latest configuration (in effect from the moment it was appended) and its entry index. */
  readonly configuration: Configuration;
  /** op-conductor's `version`: the index of the latest configuration entry. */
  readonly configIndex: number;
  readonly committedConfiguration: Configuration;
  readonly committedConfigIndex: number;
  readonly transferTarget: NodeId | null;
  readonly progress: readonly PeerStatus[];
  /** Restarted with a log that may have lost acknowledged entries and not yet caught up (no vote, no campaign). */
  readonly recovering: boolean;
}
