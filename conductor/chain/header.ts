/**
 * The execution block header and its hash: keccak256(RLP(header)).
 *
 * Field order is go-ethereum's `types.Header`. The fields after `baseFeePerGas` are optional and
 * trailing: each fork appends one, and a header carries exactly the fields of the forks active at
 * its timestamp (London: baseFee; Shanghai/Canyon: withdrawalsRoot; Cancun/Ecotone: blobGasUsed,
 * excessBlobGas, parentBeaconBlockRoot; Prague/Isthmus: requestsHash). On OP Stack chains after
 * Isthmus, `withdrawalsRoot` holds the L2ToL1MessagePasser storage root instead of a trie of
 * withdrawals, and `requestsHash` is always the empty-requests hash.
 */
import * as HexUtil from 'ox/Hex';
import * as Rlp from 'ox/Rlp';
import type { Hex } from 'viem';
import { keccak256Bytes } from './keccak.js';
import { rlpUint } from './rlp.js';

export interface Header {
  parentHash: Hex;
  sha3Uncles: Hex;
  miner: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  difficulty: bigint;
  number: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  extraData: Hex;
  mixHash: Hex;
  nonce: Hex;
  baseFeePerGas?: bigint;
  withdrawalsRoot?: Hex;
  blobGasUsed?: bigint;
  excessBlobGas?: bigint;
  parentBeaconBlockRoot?: Hex;
  requestsHash?: Hex;
}

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;
/** keccak256(RLP([])): the uncles hash of every post-merge block. */
export const EMPTY_UNCLE_HASH: Hex = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
/** sha256 of nothing: EIP-7685 requests hash of a block without requests (all OP blocks). */
export const EMPTY_REQUESTS_HASH: Hex = '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const ZERO_BLOOM: Hex = `0x${'00'.repeat(256)}`;
export const ZERO_NONCE: Hex = '0x0000000000000000';

/** The RLP list of a header, optional fields included while present (and only as a trailing run). */
export function headerFields(h: Header): Hex[] {
  const fields: Hex[] = [
    h.parentHash,
    h.sha3Uncles,
    h.miner,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    rlpUint(h.difficulty),
    rlpUint(h.number),
    rlpUint(h.gasLimit),
    rlpUint(h.gasUsed),
    rlpUint(h.timestamp),
    h.extraData,
    h.mixHash,
    h.nonce,
  ];
  // [value if present, encoding of the zero value]
  const optional: [Hex | undefined, Hex][] = [
    [h.baseFeePerGas === undefined ? undefined : rlpUint(h.baseFeePerGas), '0x'],
    [h.withdrawalsRoot, ZERO_HASH],
    [h.blobGasUsed === undefined ? undefined : rlpUint(h.blobGasUsed), '0x'],
    [h.excessBlobGas === undefined ? undefined : rlpUint(h.excessBlobGas), '0x'],
    [h.parentBeaconBlockRoot, ZERO_HASH],
    [h.requestsHash, ZERO_HASH],
  ];
  // geth's `rlp:"optional"` encodes a field when it or any later one is set, writing the zero value
  // for an unset one in between (a malformed header still hashes, to a hash nothing will match).
  const last = optional.findLastIndex(([v]) => v !== undefined);
  for (let i = 0; i <= last; i++) {
    const [value, zero] = optional[i] ?? [undefined, '0x'];
    fields.push(value ?? zero);
  }
  return fields;
}

export function encodeHeader(h: Header): Hex {
  return Rlp.from(headerFields(h), { as: 'Hex' });
}

export function hashHeader(h: Header): Hex {
  return HexUtil.fromBytes(keccak256Bytes(Rlp.from(headerFields(h), { as: 'Bytes' })));
}
