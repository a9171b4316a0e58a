/**
 * A typed client for a conductor's JSON-RPC API (ours or op-conductor), used by the operator and `baton ctl`.
 * Transport is viem's HTTP JSON-RPC client; this file adds the conductor method names, result checks and
 * errors that say which conductor failed and why:
 *
 * - ConductorRpcError: the conductor answered with a JSON-RPC error (`code`, `rpcMessage`, `data` as sent);
 * - ConductorUnreachableError: no usable answer (connection refused, timeout, HTTP error status);
 * - ConductorProtocolError: an answer whose result has the wrong shape.
 */
import { HttpRequestError, TimeoutError } from 'viem';
import { getHttpRpcClient, type HttpRpcClient } from 'viem/utils';
import type { ClusterMembership, RaftStatusReport, ServerInfo, Suffrage } from './backend.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

export interface ConductorClientOptions {
  /** Per-call timeout; op-service clients default to 10 s. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>` for servers that guard admin methods. */
  token?: string;
}

export class ConductorRpcError extends Error {
  override readonly name = 'ConductorRpcError';
  constructor(
    readonly url: string,
    readonly method: string,
    readonly code: number,
    /** The server's message, verbatim (e.g. `node is not the leader`). */
    readonly rpcMessage: string,
    readonly data?: JsonValue,
  ) {
    super(`${method} on ${url} failed: ${rpcMessage} (code ${code})`);
  }
}

export class ConductorUnreachableError extends Error {
  override readonly name = 'ConductorUnreachableError';
  constructor(
    readonly url: string,
    readonly method: string,
    message: string,
    /** HTTP status when the server answered with one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export class ConductorProtocolError extends Error {
  override readonly name = 'ConductorProtocolError';
}

export class ConductorClient {
  private readonly rpc: HttpRpcClient;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    options: ConductorClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    this.rpc = getHttpRpcClient(url, {
      timeout: this.timeoutMs,
      // eth_getBlockByNumber with full transactions can exceed viem's 10 MB default.
      maxResponseBodySize: 64 * 1024 * 1024,
      ...(options.token ? { fetchOptions: { headers: { authorization: `Bearer ${options.token}` } } } : {}),
    });
  }

  /** Any method, raw result. Throws the errors described above. */
  async call(method: string, params: JsonValue[] = []): Promise<JsonValue> {
    let response;
    try {
      response = await this.rpc.request({ body: { method, params } });
    } catch (err) {
      throw this.transportError(method, err);
    }
    if (response.error !== undefined) {
      const { code, message, data } = response.error as { code: number; message: string; data?: JsonValue };
      throw new ConductorRpcError(this.url, method, code, message, data);
    }
    return (response.result ?? null) as JsonValue;
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
    parseServerInfo(await this.call('conductor_leaderWithID'), 'conductor_leaderWithID');
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
    parseMembership(await this.call('conductor_clusterMembership'));
  /**
   * Baton's `baton_raftStatus`. null from a conductor that does not have it (op-conductor, or an older
   * Baton): JSON-RPC "method not found".
   */
  raftStatus = async (): Promise<RaftStatusReport | null> => {
    try {
      return parseRaftStatus(await this.call('baton_raftStatus'));
    } catch (error) {
      if (error instanceof ConductorRpcError && error.code === METHOD_NOT_FOUND) return null;
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

  private shapeError(method: string, expected: string, got: JsonValue): ConductorProtocolError {
    return new ConductorProtocolError(
      `${method} on ${this.url} returned ${JSON.stringify(got)}, expected ${expected}`,
    );
  }

  private transportError(method: string, err: unknown): ConductorUnreachableError {
    if (err instanceof TimeoutError) {
      return new ConductorUnreachableError(
        this.url,
        method,
        `${this.url} did not answer ${method} within ${this.timeoutMs} ms`,
      );
    }
    if (err instanceof HttpRequestError && err.status !== undefined) {
      const details = err.details ? `: ${err.details.trim()}` : '';
      return new ConductorUnreachableError(
        this.url,
        method,
        `${this.url} answered ${method} with HTTP ${err.status}${details}`,
        err.status,
      );
    }
    return new ConductorUnreachableError(
      this.url,
      method,
      `cannot reach conductor at ${this.url} (${rootCause(err)})`,
    );
  }
}

/**
 * The innermost cause, e.g. `connect ECONNREFUSED 127.0.0.1:8547` under fetch's "fetch failed". Duck-typed:
 * fetch's errors may come from another realm (test VMs), where `instanceof Error` is false.
 */
function rootCause(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 10 && hasCause(e); depth++) e = e.cause;
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(e);
}

function hasCause(e: unknown): e is { cause: object } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { cause?: unknown }).cause === 'object' &&
    (e as { cause?: unknown }).cause !== null
  );
}

function parseServerInfo(v: JsonValue | undefined, method: string): ServerInfo {
  if (
    isJsonObject(v ?? null) &&
    typeof (v as JsonObject).id === 'string' &&
    typeof (v as JsonObject).addr === 'string' &&
    typeof (v as JsonObject).suffrage === 'number'
  ) {
    const o = v as JsonObject;
    return { id: o.id as string, addr: o.addr as string, suffrage: o.suffrage as Suffrage };
  }
  throw new ConductorProtocolError(`${method} returned ${JSON.stringify(v)}, expected {id, addr, suffrage}`);
}

/** JSON-RPC 2.0 "method not found". */
const METHOD_NOT_FOUND = -32601;

const isIndex = (v: JsonValue | undefined): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseRaftStatus(v: JsonValue): RaftStatusReport {
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
  throw new ConductorProtocolError(
    `baton_raftStatus returned ${JSON.stringify(v)}, expected {id, state, term, leader, firstIndex, lastIndex, commitIndex, appliedIndex, peers}`,
  );
}

function parseMembership(v: JsonValue): ClusterMembership {
  if (isJsonObject(v) && Array.isArray(v.servers) && typeof v.version === 'number') {
    return {
      servers: v.servers.map((s) => parseServerInfo(s, 'conductor_clusterMembership')),
      version: v.version,
    };
  }
  throw new ConductorProtocolError(
    `conductor_clusterMembership returned ${JSON.stringify(v)}, expected {servers, version}`,
  );
}
