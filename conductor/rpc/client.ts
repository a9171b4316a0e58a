/**
 * A typed client for a conductor's JSON-RPC API (ours or op-conductor), used by the operator and `baton ctl`.
 * Calls go through the one JSON-RPC caller (conductor/jsonrpc/caller.ts); this file adds the conductor
 * method names and result checks. Errors are the caller's:
 *
 * - RpcError: the conductor answered with a JSON-RPC error (`code`, the server's message verbatim, `data`);
 * - RpcTransportError: no usable answer (connection refused, timeout, HTTP error status), or a result of
 *   the wrong shape (kind `invalid-response`).
 *
 * describeRpcFailure (conductor/jsonrpc/errors.ts) says which call on which conductor failed.
 */
import { RpcCaller } from '../jsonrpc/caller.js';
import { RpcError, RpcTransportError } from '../jsonrpc/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../jsonrpc/json.js';
import type { ClusterMembership, RaftStatusReport, ServerInfo, Suffrage } from './backend.js';

export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

export interface ConductorClientOptions {
  /** Per-call timeout; op-service clients default to 10 s. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>` for servers that guard admin methods. */
  token?: string;
}

export class ConductorClient {
  private readonly caller: RpcCaller;

  constructor(
    readonly url: string,
    options: ConductorClientOptions = {},
  ) {
    this.caller = new RpcCaller(url, {
      timeoutMs: options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS,
      name: 'conductor',
      ...(options.token ? { token: options.token } : {}),
    });
  }

  /** Any method, raw result. Throws RpcError or RpcTransportError. */
  async call(method: string, params: JsonValue[] = []): Promise<JsonValue> {
    return ((await this.caller.call(method, params)) ?? null) as JsonValue;
  }

  // --- control ---
  overrideLeader = (override: boolean): Promise<void> => this.void('conductor_overrideLeader', [override]);
  leaderOverridden = (): Promise<boolean> => this.bool('conductor_leaderOverridden');
  pause = (): Promise<void> => this.void('conductor_pause');
  resume = (): Promise<void> => this.void('conductor_resume');
  /** Stops the conductor for good; it closes its RPC server afterwards. */
  stop = (): Promise<void> => this.void('conductor_stop');
  paused = (): Promise<boolean> => this.bool('conductor_paused');
  stopped = (): Promise<boolean> => this.bool('conductor_stopped');
  sequencerHealthy = (): Promise<boolean> => this.bool('conductor_sequencerHealthy');

  // --- consensus ---
  leader = (): Promise<boolean> => this.bool('conductor_leader');
  leaderWithID = async (): Promise<ServerInfo> =>
    parseServerInfo(await this.call('conductor_leaderWithID'), 'conductor_leaderWithID', this.url);
  addServerAsVoter = (id: string, addr: string, version = 0): Promise<void> =>
    this.void('conductor_addServerAsVoter', [id, addr, version]);
  addServerAsNonvoter = (id: string, addr: string, version = 0): Promise<void> =>
    this.void('conductor_addServerAsNonvoter', [id, addr, version]);
  removeServer = (id: string, version = 0): Promise<void> =>
    this.void('conductor_removeServer', [id, version]);
  demoteVoter = (id: string, version = 0): Promise<void> => this.void('conductor_demoteVoter', [id, version]);
  transferLeader = (): Promise<void> => this.void('conductor_transferLeader');
  transferLeaderToServer = (id: string, addr: string): Promise<void> =>
    this.void('conductor_transferLeaderToServer', [id, addr]);
  clusterMembership = async (): Promise<ClusterMembership> =>
    parseMembership(await this.call('conductor_clusterMembership'), this.url);
  /**
   * Baton's `baton_raftStatus`. null from a conductor that does not have it (op-conductor, or an older
   * Baton): JSON-RPC "method not found".
   */
  raftStatus = async (): Promise<RaftStatusReport | null> => {
    try {
      return parseRaftStatus(await this.call('baton_raftStatus'), this.url);
    } catch (error) {
      if (error instanceof RpcError && error.code === METHOD_NOT_FOUND) return null;
      throw error;
    }
  };

  // --- op-node facing ---
  active = (): Promise<boolean> => this.bool('conductor_active');
  commitUnsafePayload = (envelope: JsonObject): Promise<void> =>
    this.void('conductor_commitUnsafePayload', [envelope]);

  // --- health ---
  /** health_status: the conductor's version string. */
  healthStatus = async (): Promise<string> => {
    const v = await this.call('health_status');
    if (typeof v !== 'string') throw this.shapeError('health_status', 'a string', v);
    return v;
  };

  private async void(method: string, params: JsonValue[] = []): Promise<void> {
    await this.call(method, params);
  }

  private async bool(method: string): Promise<boolean> {
    const v = await this.call(method);
    if (typeof v !== 'boolean') throw this.shapeError(method, 'a boolean', v);
    return v;
  }

  private shapeError(method: string, expected: string, got: JsonValue): RpcTransportError {
    return shapeError(method, this.url, `returned ${JSON.stringify(got)}, expected ${expected}`);
  }
}

/** A result of the wrong shape: the conductor answered, but not what the method promises. */
function shapeError(method: string, url: string, what: string): RpcTransportError {
  return new RpcTransportError('invalid-response', `${method} on ${url} ${what}`, undefined, {
    call: { method, url },
  });
}

function parseServerInfo(v: JsonValue | undefined, method: string, url: string): ServerInfo {
  if (
    isJsonObject(v ?? null) &&
    typeof (v as JsonObject).id === 'string' &&
    typeof (v as JsonObject).addr === 'string' &&
    typeof (v as JsonObject).suffrage === 'number'
  ) {
    const o = v as JsonObject;
    return { id: o.id as string, addr: o.addr as string, suffrage: o.suffrage as Suffrage };
  }
  throw shapeError(method, url, `returned ${JSON.stringify(v)}, expected {id, addr, suffrage}`);
}

/** JSON-RPC 2.0 "method not found". */
const METHOD_NOT_FOUND = -32601;

const isIndex = (v: JsonValue | undefined): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseRaftStatus(v: JsonValue, url: string): RaftStatusReport {
  const peers = isJsonObject(v) && Array.isArray(v.peers) ? v.peers : null;
  if (
    isJsonObject(v) &&
    peers !== null &&
    typeof v.id === 'string' &&
    typeof v.state === 'string' &&
    typeof v.leader === 'string' &&
    [v.term, v.firstIndex, v.lastIndex, v.commitIndex, v.appliedIndex].every(isIndex) &&
    (v.recovering === undefined || typeof v.recovering === 'boolean') &&
    peers.every(
      (p) =>
        isJsonObject(p) &&
        typeof p.id === 'string' &&
        isIndex(p.matchIndex) &&
        isIndex(p.lag) &&
        (p.lastContactMs === undefined || p.lastContactMs === null || isIndex(p.lastContactMs)),
    )
  ) {
    return {
      id: v.id,
      state: v.state,
      term: v.term as number,
      leader: v.leader,
      firstIndex: v.firstIndex as number,
      lastIndex: v.lastIndex as number,
      commitIndex: v.commitIndex as number,
      appliedIndex: v.appliedIndex as number,
      recovering: v.recovering === true, // absent: a conductor from before the field
      peers: peers.map((p) => {
        const o = p as JsonObject;
        return {
          id: o.id as string,
          matchIndex: o.matchIndex as number,
          lag: o.lag as number,
          lastContactMs: (o.lastContactMs ?? null) as number | null, // absent: a conductor that cannot tell
        };
      }),
    };
  }
  throw shapeError(
    'baton_raftStatus',
    url,
    `returned ${JSON.stringify(v)}, expected {id, state, term, leader, firstIndex, lastIndex, commitIndex, appliedIndex, peers}`,
  );
}

function parseMembership(v: JsonValue, url: string): ClusterMembership {
  if (isJsonObject(v) && Array.isArray(v.servers) && typeof v.version === 'number') {
    return {
      servers: v.servers.map((s) => parseServerInfo(s, 'conductor_clusterMembership', url)),
      version: v.version,
    };
  }
  throw shapeError(
    'conductor_clusterMembership',
    url,
    `returned ${JSON.stringify(v)}, expected {servers, version}`,
  );
}
