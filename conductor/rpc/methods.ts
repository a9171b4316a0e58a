/**
 * The method table: every JSON-RPC method the conductor serves, its geth parameter types, whether it needs
 * the admin token, and how it maps onto the backend. Names and parameter lists follow op-conductor
 * rpc/api.go (conductor_*), rpc/execution_proxy.go, rpc/excecution_miner_proxy.go, rpc/node_proxy.go and
 * rpc/node_admin_proxy.go (proxies), and op-service/rpc (health_status) plus geth's built-in rpc_modules;
 * and Baton's read-only `baton_*` extension.
 */
import type { ConductorBackend } from './backend.js';
import { NOT_LEADER_PROXY_MESSAGE, RpcError } from './errors.js';
import type { JsonValue } from '../jsonrpc/json.js';
import {
  blockNumberParam,
  boolParam,
  decodeHexUint64,
  decodeParams,
  envelopeParam,
  hexBigParam,
  stringParam,
  uint64Param,
} from './params.js';

/** What a method handler gets besides its params. */
export interface CallEnv {
  backend: ConductorBackend;
  version: string;
  signal: AbortSignal;
  /** The namespaces registered on this server, for rpc_modules. */
  namespaces: readonly string[];
}

export interface MethodSpec {
  /**
   * Mutating admin methods that an operator (not op-node, op-batcher or op-proposer, which cannot send a
   * token) calls. When the server has an admin token, only these require it.
   */
  admin: boolean;
  /**
   * conductor_commitUnsafePayload: the one write op-node makes. With an admin token (or
   * commitLoopbackOnly) it is accepted from loopback — op-node beside the conductor — or with the token.
   */
  commit?: true;
  /** Decodes params (throwing -32602) and runs the method; the result is serialised as-is. */
  call(params: JsonValue | undefined, env: CallEnv): Promise<JsonValue>;
}

/** Void Go methods answer `null`. */
const done = async (p: Promise<void>): Promise<null> => {
  await p;
  return null;
};

const conductorMethods: Record<string, MethodSpec> = {
  conductor_overrideLeader: {
    admin: true,
    call: (params, { backend, signal }) => {
      const [override] = decodeParams(params, [boolParam]);
      return done(backend.overrideLeader(override, signal));
    },
  },
  conductor_leaderOverridden: read((b, s) => b.leaderOverridden(s)),
  conductor_pause: admin((b, s) => b.pause(s)),
  conductor_resume: admin((b, s) => b.resume(s)),
  conductor_stop: admin((b, s) => b.stop(s)),
  conductor_paused: read((b, s) => b.paused(s)),
  conductor_stopped: read((b, s) => b.stopped(s)),
  conductor_sequencerHealthy: read((b, s) => b.sequencerHealthy(s)),
  conductor_leader: read((b, s) => b.leader(s)),
  conductor_leaderWithID: read(async (b, s) => {
    const { id, addr, suffrage } = await b.leaderWithID(s);
    return { id, addr, suffrage };
  }),
  conductor_addServerAsVoter: {
    admin: true,
    call: (params, { backend, signal }) => {
      const [id, addr, version] = decodeParams(params, [stringParam, stringParam, uint64Param]);
      return done(backend.addServerAsVoter(id, addr, version, signal));
    },
  },
  conductor_addServerAsNonvoter: {
    admin: true,
    call: (params, { backend, signal }) => {
      const [id, addr, version] = decodeParams(params, [stringParam, stringParam, uint64Param]);
      return done(backend.addServerAsNonvoter(id, addr, version, signal));
    },
  },
  conductor_removeServer: {
    admin: true,
    call: (params, { backend, signal }) => {
      const [id, version] = decodeParams(params, [stringParam, uint64Param]);
      return done(backend.removeServer(id, version, signal));
    },
  },
  conductor_demoteVoter: {
    admin: true,
    call: (params, { backend, signal }) => {
      const [id, version] = decodeParams(params, [stringParam, uint64Param]);
      return done(backend.demoteVoter(id, version, signal));
    },
  },
  conductor_transferLeader: admin((b, s) => b.transferLeader(s)),
  conductor_transferLeaderToServer: {
    admin: true,
    call: (params, { backend, signal }) => {
      const [id, addr] = decodeParams(params, [stringParam, stringParam]);
      return done(backend.transferLeaderToServer(id, addr, signal));
    },
  },
  conductor_clusterMembership: read(async (b, s) => {
    const { servers, version } = await b.clusterMembership(s);
    // Rebuilt field by field so the wire shape is exactly {servers:[{id,addr,suffrage}],version}.
    return { servers: servers.map(({ id, addr, suffrage }) => ({ id, addr, suffrage })), version };
  }),
  conductor_active: read((b, s) => b.active(s)),
  conductor_commitUnsafePayload: {
    admin: false,
    commit: true,
    call: async (params, { backend, signal }) => {
      const [envelope] = decodeParams(params, [envelopeParam]);
      // Go would hand a nil pointer to the SSZ encoder; we answer with the encoder's missing-data error.
      if (envelope === null) {
        throw new Error('failed to marshal payload envelope: execution payload envelope is missing data');
      }
      return done(backend.commitUnsafePayload(envelope, signal));
    },
  },
};

/**
 * Baton's own namespace, beside op-conductor's: read-only facts op-conductor has no method for. Clients
 * written for op-conductor never call it; `rpc_modules` lists it.
 */
const batonMethods: Record<string, MethodSpec> = {
  baton_raftStatus: read(async (b, s) => {
    const r = await b.raftStatus(s);
    // Rebuilt field by field: the wire shape is the documented one, whatever the backend adds.
    return {
      id: r.id,
      state: r.state,
      term: r.term,
      leader: r.leader,
      firstIndex: r.firstIndex,
      lastIndex: r.lastIndex,
      commitIndex: r.commitIndex,
      appliedIndex: r.appliedIndex,
      peers: r.peers.map(({ id, matchIndex, lag, lastContactMs }) => ({
        id,
        matchIndex,
        lag,
        lastContactMs,
      })),
    };
  }),
};

/**
 * The leader-gated proxies (reference §2.4). Gating order matters and follows upstream: the upstream call
 * runs first (so its errors win), then the leader check. miner_setMaxDASize is not gated and, as upstream,
 * passes an upstream failure on.
 */
const proxyMethods: Record<string, MethodSpec> = {
  eth_getBlockByNumber: {
    admin: false,
    call: async (params, { backend, signal }) => {
      const [number, fullTx] = decodeParams(params, [blockNumberParam, boolParam]);
      const result = await backend.proxyExecution('eth_getBlockByNumber', [number, fullTx], signal);
      return leaderOnly(backend, result, signal);
    },
  },
  miner_setMaxDASize: {
    admin: false,
    call: async (params, { backend, signal }) => {
      const [maxTxSize, maxBlockSize] = decodeParams(params, [hexBigParam, hexBigParam]);
      // An upstream failure is passed on with its code (op-conductor v1.19.6 execution_miner_proxy.go returns
      // `false, err`): a batcher throttling DA must see that the throttle was not applied, and why.
      return (await backend.proxyExecution('miner_setMaxDASize', [maxTxSize, maxBlockSize], signal)) === true;
    },
  },
  optimism_outputAtBlock: {
    admin: false,
    call: async (params, { backend, signal }) => {
      const [blockNumString] = decodeParams(params, [stringParam]);
      let blockNum: bigint;
      try {
        blockNum = decodeHexUint64(blockNumString);
      } catch (err) {
        throw new Error(`failed to decode block number: ${(err as Error).message}`, { cause: err });
      }
      const result = await backend.proxyNode(
        'optimism_outputAtBlock',
        [`0x${blockNum.toString(16)}`],
        signal,
      );
      return leaderOnly(backend, result, signal);
    },
  },
  optimism_syncStatus: proxyNoArgs('optimism_syncStatus'),
  optimism_rollupConfig: proxyNoArgs('optimism_rollupConfig'),
  admin_sequencerActive: proxyNoArgs('admin_sequencerActive'),
};

/** Always served (op-service registers `health`, geth registers `rpc`). */
const builtinMethods: Record<string, MethodSpec> = {
  health_status: { admin: false, call: async (params, { version }) => (decodeParams(params, []), version) },
  rpc_modules: {
    admin: false,
    call: async (params, { namespaces }) => {
      decodeParams(params, []);
      return Object.fromEntries([...namespaces].sort().map((ns) => [ns, '1.0']));
    },
  },
};

/** Builds the table for one server: proxies are registered only with `--rpc.enable-proxy`. */
export function methodTable(enableProxy: boolean): ReadonlyMap<string, MethodSpec> {
  return new Map(
    Object.entries({
      ...builtinMethods,
      ...conductorMethods,
      ...batonMethods,
      ...(enableProxy ? proxyMethods : {}),
    }),
  );
}

/** Namespaces of a table, as rpc_modules lists them. */
export function namespacesOf(table: ReadonlyMap<string, MethodSpec>): string[] {
  return [...new Set([...table.keys()].map((m) => m.slice(0, m.indexOf('_'))))];
}

function read(fn: (b: ConductorBackend, s: AbortSignal) => Promise<JsonValue>): MethodSpec {
  return {
    admin: false,
    call: (params, { backend, signal }) => {
      decodeParams(params, []);
      return fn(backend, signal);
    },
  };
}

function admin(fn: (b: ConductorBackend, s: AbortSignal) => Promise<void>): MethodSpec {
  return {
    admin: true,
    call: (params, { backend, signal }) => {
      decodeParams(params, []);
      return done(fn(backend, signal));
    },
  };
}

function proxyNoArgs(method: string): MethodSpec {
  return {
    admin: false,
    call: async (params, { backend, signal }) => {
      decodeParams(params, []);
      const result = await backend.proxyNode(method, [], signal);
      return leaderOnly(backend, result, signal);
    },
  };
}

async function leaderOnly(
  backend: ConductorBackend,
  result: JsonValue,
  signal: AbortSignal,
): Promise<JsonValue> {
  if (!(await backend.leader(signal))) throw new RpcError(-32000, NOT_LEADER_PROXY_MESSAGE);
  return result;
}
