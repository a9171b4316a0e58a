/**
 * The contract between the JSON-RPC layer and the conductor service: one async method per `conductor_*`
 * method of op-conductor (reference §2.2, op-conductor rpc/api.go), plus the two upstream clients the
 * leader-gated proxies need (§2.4). The RPC layer owns parameter decoding, the proxy leader gating and the
 * wire format; the backend owns behaviour and error texts.
 *
 * Errors: throw an Error whose message is the text op-conductor would return (e.g. `node is not the leader`,
 * `configuration changed since 3 (latest is 5)`); it is sent verbatim with code -32000. Throw `RpcError`
 * (errors.ts) to choose another code, e.g. to pass an upstream JSON-RPC error through from a proxy.
 *
 * Every method receives an AbortSignal as its last argument. It aborts when the HTTP client goes away, which
 * plays the part of the Go request context (op-conductor's pause/resume report `timeout to pause conductor`
 * when theirs ends). Implementations may ignore it.
 */
import type { JsonObject, JsonValue } from '../jsonrpc/json.js';

/** hashicorp/raft ServerSuffrage as op-conductor serialises it: a plain JSON integer. */
export const Suffrage = {
  Voter: 0,
  Nonvoter: 1,
  /** Never produced by Baton; listed because a Go conductor would report hashicorp's Staging as 2. */
  Staging: 2,
} as const;
export type Suffrage = (typeof Suffrage)[keyof typeof Suffrage];

/** consensus.ServerInfo: `{"id":…,"addr":…,"suffrage":0}`. `addr` is the Raft transport address (host:port). */
export interface ServerInfo {
  id: string;
  addr: string;
  suffrage: Suffrage;
}

/** consensus.ClusterMembership. `version` is the Raft configuration index, used for optimistic concurrency. */
export interface ClusterMembership {
  servers: ServerInfo[];
  version: number;
}

/** What `conductor_leaderWithID` returns when no leader is known (op-conductor returns the zero ServerInfo). */
export const NO_LEADER: ServerInfo = { id: '', addr: '', suffrage: Suffrage.Voter };

/** What `conductor_leaderWithID` returns while the leader override is set (op-conductor conductor/service.go). */
export const OVERRIDDEN_LEADER: ServerInfo = {
  id: 'N/A (Leader overridden)',
  addr: 'N/A',
  suffrage: Suffrage.Voter,
};

/**
 * `baton_raftStatus` (not in op-conductor, which has no way to tell how far behind a member is): this
 * member's Raft id, role, term and indices; a leader adds each other server's replication progress,
 * which is what the operator and `baton ctl status` report as a member's Raft lag.
 */
export interface RaftStatusReport {
  id: string;
  /** 'leader' | 'follower' | 'candidate' | 'preCandidate'. */
  state: string;
  term: number;
  /** The known leader's id, '' when none. */
  leader: string;
  firstIndex: number;
  lastIndex: number;
  commitIndex: number;
  appliedIndex: number;
  /**
   * True while this member may lack entries it acknowledged (its WAL tail was damaged and cut off) and has
   * not been caught up by a leader: it neither votes nor campaigns meanwhile. false from conductors that
   * predate the field.
   */
  recovering: boolean;
  /**
   * Leader only (empty elsewhere): per other server, the highest index it has, lastIndex minus that, and
   * milliseconds since the leader last heard from it (since the leader started, if never; null from a
   * conductor that cannot tell). A
   * follower the leader cannot hear from does not count towards the quorum, whatever its log says.
   */
  peers: { id: string; matchIndex: number; lag: number; lastContactMs: number | null }[];
}

export interface ConductorBackend {
  // --- control ---
  /** Sets or clears the leader override; `leader()` then reports true whatever Raft says. Raft is untouched. */
  overrideLeader(override: boolean, signal?: AbortSignal): Promise<void>;
  leaderOverridden(signal?: AbortSignal): Promise<boolean>;
  /** Pauses the control loop and resolves once the loop acknowledged. */
  pause(signal?: AbortSignal): Promise<void>;
  /** Refreshes the sequencer-active state from op-node, then unpauses. */
  resume(signal?: AbortSignal): Promise<void>;
  /**
   * Stops the conductor for good (control loop, health monitor, Raft). The RPC server closes itself after
   * sending the response, so the backend must not close it.
   */
  stop(signal?: AbortSignal): Promise<void>;
  /**
   * Resolves true once this conductor does not lead, false after `timeoutMs` (`GET /hand-off`: the preStop
   * hook that keeps op-node and op-geth running while a stopping leader hands off). Optional: a backend
   * without it answers at once.
   */
  waitUntilNotLeader?(timeoutMs: number): Promise<boolean>;
  paused(signal?: AbortSignal): Promise<boolean>;
  stopped(signal?: AbortSignal): Promise<boolean>;
  sequencerHealthy(signal?: AbortSignal): Promise<boolean>;

  // --- consensus ---
  /** `leaderOverride || raft leader`. Also the gate of the proxies. */
  leader(signal?: AbortSignal): Promise<boolean>;
  /** The known leader, `NO_LEADER` if none, `OVERRIDDEN_LEADER` while overridden. */
  leaderWithID(signal?: AbortSignal): Promise<ServerInfo>;
  /** `version` 0 skips the configuration-index check. Only the leader can change membership. */
  addServerAsVoter(id: string, addr: string, version: number, signal?: AbortSignal): Promise<void>;
  addServerAsNonvoter(id: string, addr: string, version: number, signal?: AbortSignal): Promise<void>;
  removeServer(id: string, version: number, signal?: AbortSignal): Promise<void>;
  demoteVoter(id: string, version: number, signal?: AbortSignal): Promise<void>;
  /** Starts a transfer to the most suitable follower. Succeeds on a follower (op-conductor swallows ErrNotLeader). */
  transferLeader(signal?: AbortSignal): Promise<void>;
  transferLeaderToServer(id: string, addr: string, signal?: AbortSignal): Promise<void>;
  clusterMembership(signal?: AbortSignal): Promise<ClusterMembership>;
  /** Baton's extension, `baton_raftStatus`: this member's Raft position (see RaftStatusReport). */
  raftStatus(signal?: AbortSignal): Promise<RaftStatusReport>;

  // --- called by op-node (and tools) ---
  /** `!stopped && !paused`. */
  active(signal?: AbortSignal): Promise<boolean>;
  /**
   * Commits the envelope op-node sent, as decoded JSON (engine-API shape, reference §3.6). The RPC layer only
   * checks that it is a JSON object; validation and SSZ encoding are the backend's (errors such as
   * `failed to marshal payload envelope: …` are its to produce).
   */
  commitUnsafePayload(envelope: JsonObject, signal?: AbortSignal): Promise<void>;

  // --- upstream clients for the proxies (reference §2.4) ---
  /** Calls the local execution client (`--execution.rpc`) and returns its raw result. */
  proxyExecution(method: string, params: JsonValue[], signal?: AbortSignal): Promise<JsonValue>;
  /** Calls the local op-node (`--node.rpc`) and returns its raw result. */
  proxyNode(method: string, params: JsonValue[], signal?: AbortSignal): Promise<JsonValue>;
}
