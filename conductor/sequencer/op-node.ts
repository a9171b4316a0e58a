/**
 * Client of the local op-node: the admin_* sequencer controls, the health inputs, and passthroughs for the
 * leader-gated proxies (reference §2.4, §3.3). Every call has a timeout and no retries (see rpc.ts).
 */
import { encodeEnvelope } from '../fsm/codec.js';
import type { ExecutionPayloadEnvelope, Hex } from '../fsm/envelope.js';
import { RpcCaller, type RpcCallerOptions } from '../jsonrpc/caller.js';
import {
  parseBool,
  parseHash,
  parsePeerStats,
  parseSyncStatus,
  type PeerStats,
  type SyncStatus,
} from './types.js';

/** Substrings of op-node errors the control loop treats as success (reference §3.3, §4.4–4.5). */
export const ERR_SEQUENCER_ALREADY_RUNNING = 'sequencer already running';
export const ERR_SEQUENCER_NOT_RUNNING = 'sequencer not running';

export interface CallOptions {
  timeoutMs?: number;
}

export class OpNodeClient {
  readonly rpc: RpcCaller;

  constructor(url: string, options: RpcCallerOptions = {}) {
    this.rpc = new RpcCaller(url, { name: 'node', ...options });
  }

  /** Startup handshake (#12047). Old op-nodes answer -32601 "method not found"; the caller decides. */
  conductorEnabled(opts?: CallOptions): Promise<boolean> {
    return this.rpc.callTyped('admin_conductorEnabled', [], parseBool, opts);
  }

  sequencerActive(opts?: CallOptions): Promise<boolean> {
    return this.rpc.callTyped('admin_sequencerActive', [], parseBool, opts);
  }

  /** Start sequencing on top of `blockHash` (the FSM head). Fails with op-node's message verbatim. */
  async startSequencer(blockHash: Hex, opts?: CallOptions): Promise<void> {
    await this.rpc.call('admin_startSequencer', [blockHash], opts);
  }

  /** Stop sequencing; returns the hash of op-node's latest head. */
  stopSequencer(opts?: CallOptions): Promise<Hex> {
    return this.rpc.callTyped('admin_stopSequencer', [], parseHash, opts);
  }

  /**
   * Hand op-node a committed payload (catch-up). Refuses envelopes the FSM could not have committed by
   * encoding first — every envelope the conductor posts came out of the FSM, so this only trips on bugs.
   */
  async postUnsafePayload(envelope: ExecutionPayloadEnvelope, opts?: CallOptions): Promise<void> {
    encodeEnvelope(envelope);
    await this.rpc.call('admin_postUnsafePayload', [envelope], opts);
  }

  syncStatus(opts?: CallOptions): Promise<SyncStatus> {
    return this.rpc.callTyped('optimism_syncStatus', [], parseSyncStatus, opts);
  }

  peerStats(opts?: CallOptions): Promise<PeerStats> {
    return this.rpc.callTyped('opp2p_peerStats', [], parsePeerStats, opts);
  }

  // --- raw passthroughs for the conductor's proxy namespace (results forwarded as-is) ---

  rollupConfig(opts?: CallOptions): Promise<unknown> {
    return this.rpc.call('optimism_rollupConfig', [], opts);
  }

  /** `blockNumber` as op-node expects it: a hex quantity string. */
  outputAtBlock(blockNumber: Hex, opts?: CallOptions): Promise<unknown> {
    return this.rpc.call('optimism_outputAtBlock', [blockNumber], opts);
  }

  syncStatusRaw(opts?: CallOptions): Promise<unknown> {
    return this.rpc.call('optimism_syncStatus', [], opts);
  }

  sequencerActiveRaw(opts?: CallOptions): Promise<unknown> {
    return this.rpc.call('admin_sequencerActive', [], opts);
  }
}
