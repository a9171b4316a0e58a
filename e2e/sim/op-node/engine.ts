/**
 * op-node's view of its execution client: the engine API (JWT-authenticated) for building and
 * inserting blocks, and eth_getBlockByNumber for reading block references.
 */
import type { Hex } from 'viem';
import type { PayloadAttributes, L2BlockRef } from '../chain/block.js';
import { parseEnvelope, type ExecutionPayloadEnvelopeJson } from '../chain/envelope.js';
import { l1Block } from '../chain/l1.js';
import { quantity } from '../chain/rlp.js';
import { parseL1InfoData } from '../chain/txs.js';
import { rpcCall } from '../rpc/client.js';
import { signJwt } from '../rpc/jwt.js';

interface PayloadStatus {
  status: string;
  latestValidHash: Hex | null;
  validationError: string | null;
}

export interface ForkchoiceState {
  headBlockHash: Hex;
  safeBlockHash: Hex;
  finalizedBlockHash: Hex;
}

export class EngineClient {
  constructor(
    private readonly url: string,
    private readonly jwtSecret: Buffer | undefined,
    private readonly l1GenesisTime: () => number,
  ) {}

  private call<T>(method: string, params: unknown[]): Promise<T> {
    const secret = this.jwtSecret;
    return rpcCall<T>(this.url, method, params, {
      timeoutMs: 10_000,
      ...(secret ? { headers: () => ({ authorization: `Bearer ${signJwt(secret)}` }) } : {}),
    });
  }

  async forkchoiceUpdated(state: ForkchoiceState, attrs?: PayloadAttributes): Promise<Hex | null> {
    const a = attrs && {
      timestamp: quantity(attrs.timestamp),
      prevRandao: attrs.prevRandao,
      suggestedFeeRecipient: attrs.suggestedFeeRecipient,
      withdrawals: [],
      parentBeaconBlockRoot: attrs.parentBeaconBlockRoot,
      transactions: attrs.transactions,
      noTxPool: true,
      gasLimit: quantity(attrs.gasLimit),
      eip1559Params: attrs.eip1559Params,
    };
    const res = await this.call<{ payloadStatus: PayloadStatus; payloadId: Hex | null }>(
      'engine_forkchoiceUpdatedV3',
      [state, a ?? null],
    );
    if (res.payloadStatus.status !== 'VALID')
      throw new Error(`forkchoice update not valid: ${res.payloadStatus.status}`);
    return res.payloadId;
  }

  async getPayload(id: Hex): Promise<ExecutionPayloadEnvelopeJson> {
    const res = await this.call<{ executionPayload: unknown; parentBeaconBlockRoot: unknown }>(
      'engine_getPayloadV4',
      [id],
    );
    return parseEnvelope({
      executionPayload: res.executionPayload,
      parentBeaconBlockRoot: res.parentBeaconBlockRoot,
    });
  }

  /** A canonical block of this node's op-geth (sim_envelopeByNumber), or undefined. */
  async envelopeByNumber(n: number): Promise<ExecutionPayloadEnvelopeJson | undefined> {
    return (await this.call<ExecutionPayloadEnvelopeJson | null>('sim_envelopeByNumber', [n])) ?? undefined;
  }

  async newPayload(env: ExecutionPayloadEnvelopeJson): Promise<PayloadStatus> {
    return this.call<PayloadStatus>('engine_newPayloadV4', [
      env.executionPayload,
      [],
      env.parentBeaconBlockRoot,
      [],
    ]);
  }

  /** The L2BlockRef of a canonical block (or tag), with its L1 origin read from the L1-info deposit. */
  async blockRef(tag: number | 'latest'): Promise<L2BlockRef | undefined> {
    const b = await this.call<Record<string, unknown> | null>('eth_getBlockByNumber', [
      typeof tag === 'number' ? quantity(tag) : tag,
      true,
    ]);
    if (!b) return undefined;
    const txs = b.transactions as { input?: Hex }[];
    const info = txs[0]?.input ? parseL1InfoData(txs[0].input) : undefined;
    const genesisOrigin = l1Block(0, this.l1GenesisTime());
    return {
      hash: b.hash as Hex,
      number: Number(BigInt(b.number as string)),
      parentHash: b.parentHash as Hex,
      timestamp: Number(BigInt(b.timestamp as string)),
      l1origin: info ? { hash: info.hash, number: info.number } : { hash: genesisOrigin.hash, number: 0 },
      sequenceNumber: info?.sequenceNumber ?? 0,
    };
  }
}
