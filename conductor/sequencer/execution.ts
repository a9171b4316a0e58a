/**
 * Client of the local execution client (op-geth/op-reth, or rollup-boost in front of them): the latest
 * block for the start-sequencer comparison, peer counts for the optional EL p2p health check, and raw
 * passthroughs for the eth/miner proxies (reference §2.4, §3.3, client/el.go).
 */
import { formatQuantity, type Hex } from '../fsm/hex.js';
import { RpcCaller, type RpcCallerOptions } from '../jsonrpc/caller.js';
import { parseBlockHeader, parsePeerArrayLength, parsePeerCountQuantity, type BlockHeader } from './types.js';
import type { CallOptions } from './op-node.js';

export type BlockTag = 'latest' | 'safe' | 'finalized' | 'earliest' | 'pending' | Hex;

/** `--healthcheck.execution-p2p-check-api`: net_peerCount or len(admin_peers). */
export type ElPeerCountApi = 'net' | 'admin';

export class ExecutionClient {
  readonly rpc: RpcCaller;

  constructor(url: string, options: RpcCallerOptions = {}) {
    this.rpc = new RpcCaller(url, { name: 'execution', ...options });
  }

  /** eth_getBlockByNumber, result untouched (the proxy forwards it verbatim). */
  getBlockByNumberRaw(tag: BlockTag | bigint, fullTx: boolean, opts?: CallOptions): Promise<unknown> {
    const param = typeof tag === 'bigint' ? formatQuantity(tag) : tag;
    return this.rpc.call('eth_getBlockByNumber', [param, fullTx], opts);
  }

  /** Header fields of a block, null if the node does not know it. */
  getBlockHeader(tag: BlockTag | bigint, opts?: CallOptions): Promise<BlockHeader | null> {
    const param = typeof tag === 'bigint' ? formatQuantity(tag) : tag;
    return this.rpc.callTyped('eth_getBlockByNumber', [param, false], parseBlockHeader, opts);
  }

  /** The local unsafe head (op-conductor LatestUnsafeBlock: `latest`). A node with no head is an error. */
  async latestBlock(opts?: CallOptions): Promise<BlockHeader> {
    const header = await this.getBlockHeader('latest', opts);
    if (header === null) throw new Error('execution client returned no latest block');
    return header;
  }

  /** eth_blockNumber: the cheapest sign that the execution client is up and answering. */
  async blockNumber(opts?: CallOptions): Promise<number> {
    const result = await this.rpc.call('eth_blockNumber', [], opts);
    if (typeof result !== 'string' || !/^0x[0-9a-f]+$/i.test(result)) {
      throw new Error(`eth_blockNumber returned ${JSON.stringify(result)}`);
    }
    return Number(BigInt(result));
  }

  netPeerCount(opts?: CallOptions): Promise<number> {
    return this.rpc.callTyped('net_peerCount', [], parsePeerCountQuantity, opts);
  }

  adminPeerCount(opts?: CallOptions): Promise<number> {
    return this.rpc.callTyped('admin_peers', [], parsePeerArrayLength, opts);
  }

  /** Peer count through the configured API, as the EL p2p health check reads it. */
  peerCount(api: ElPeerCountApi, opts?: CallOptions): Promise<number> {
    return api === 'admin' ? this.adminPeerCount(opts) : this.netPeerCount(opts);
  }

  /** Any other method, raw (e.g. miner_setMaxDASize for the proxy). */
  passthrough(method: string, params: readonly unknown[], opts?: CallOptions): Promise<unknown> {
    return this.rpc.call(method, params, opts);
  }
}
