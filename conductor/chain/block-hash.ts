/**
 * The block hash an execution payload commits to, rebuilt the way op-service's
 * `ExecutionPayloadEnvelope.CheckBlockHash` does (and op-geth would hash the block it builds): the
 * post-merge constants for uncles, difficulty and nonce; `transactionsRoot` as the trie root of the
 * opaque transactions; `withdrawalsRoot` taken from the payload after Isthmus (and then the
 * empty-requests hash) or derived from the withdrawals list after Canyon. A payload whose `blockHash`
 * differs describes a block no execution client has: committing it would leave no member able to build on
 * the committed head.
 */
import * as Rlp from 'ox/Rlp';
import type { Hex } from 'viem';
import { transactionBytes, type ExecutionPayloadEnvelope } from '../fsm/envelope.js';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, ZERO_NONCE, hashHeader, type Header } from './header.js';
import { rlpUint } from './rlp.js';
import { orderedTrieRoot } from './trie.js';

export function payloadHeader(env: ExecutionPayloadEnvelope): Header {
  const p = env.executionPayload;
  const header: Header = {
    parentHash: p.parentHash,
    sha3Uncles: EMPTY_UNCLE_HASH,
    miner: p.feeRecipient,
    stateRoot: p.stateRoot,
    transactionsRoot: orderedTrieRoot(transactionBytes(p)),
    receiptsRoot: p.receiptsRoot,
    logsBloom: p.logsBloom,
    difficulty: 0n,
    number: BigInt(p.blockNumber),
    gasLimit: BigInt(p.gasLimit),
    gasUsed: BigInt(p.gasUsed),
    timestamp: BigInt(p.timestamp),
    extraData: p.extraData,
    mixHash: p.prevRandao,
    nonce: ZERO_NONCE,
    baseFeePerGas: BigInt(p.baseFeePerGas),
  };
  if (p.withdrawalsRoot !== undefined) {
    header.withdrawalsRoot = p.withdrawalsRoot;
  } else if (p.withdrawals !== undefined) {
    header.withdrawalsRoot = orderedTrieRoot(
      p.withdrawals.map((w) =>
        Rlp.from(
          [rlpUint(BigInt(w.index)), rlpUint(BigInt(w.validatorIndex)), w.address, rlpUint(BigInt(w.amount))],
          { as: 'Hex' },
        ),
      ),
    );
  }
  if (p.blobGasUsed !== undefined) header.blobGasUsed = BigInt(p.blobGasUsed);
  if (p.excessBlobGas !== undefined) header.excessBlobGas = BigInt(p.excessBlobGas);
  if (env.parentBeaconBlockRoot !== undefined) header.parentBeaconBlockRoot = env.parentBeaconBlockRoot;
  if (p.withdrawalsRoot !== undefined) header.requestsHash = EMPTY_REQUESTS_HASH;
  return header;
}

/** Recomputes the block hash; `ok` says whether it equals the payload's `blockHash`. */
export function checkBlockHash(env: ExecutionPayloadEnvelope): { actual: Hex; ok: boolean } {
  const actual = hashHeader(payloadHeader(env));
  return { actual, ok: actual === env.executionPayload.blockHash.toLowerCase() };
}
