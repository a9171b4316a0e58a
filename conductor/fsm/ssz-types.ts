/**
 * SSZ schemas of the consensus-layer ExecutionPayload, as op-service/eth/ssz.go lays it out.
 *
 * Only the two versions op-conductor can commit are defined: V3 (Ecotone: Deneb payload, i.e. V2 plus
 * blobGasUsed/excessBlobGas) and V4 (Isthmus: V3 plus withdrawalsRoot appended to the fixed part — an
 * OP Stack extension, not an L1 fork). Field order is the wire order; @chainsafe/ssz derives the offsets.
 *
 * Fixed-part sizes (bytes): V3 = 528, V4 = 560 (reference §3.6). Tests pin them.
 */
import {
  ByteListType,
  ByteVectorType,
  ContainerType,
  ListCompositeType,
  UintBigintType,
  type ValueOf,
} from '@chainsafe/ssz';

/** consensus-specs bellatrix MAX_EXTRA_DATA_BYTES. */
export const MAX_EXTRA_DATA_BYTES = 32;
/** consensus-specs bellatrix MAX_TRANSACTIONS_PER_PAYLOAD (op-service maxTransactionsPerPayload). */
export const MAX_TRANSACTIONS_PER_PAYLOAD = 1 << 20;
/** consensus-specs bellatrix MAX_BYTES_PER_TRANSACTION. op-service does not bound a single tx; the whole
 * entry is bounded by its uint32 offsets anyway, so the spec limit is never the binding one. */
export const MAX_BYTES_PER_TRANSACTION = 1 << 30;
/** consensus-specs capella MAX_WITHDRAWALS_PER_PAYLOAD (op-service maxWithdrawalsPerPayload). */
export const MAX_WITHDRAWALS_PER_PAYLOAD = 1 << 4;

const Bytes20 = new ByteVectorType(20);
const Bytes32 = new ByteVectorType(32);
const Bytes256 = new ByteVectorType(256);
// bigint for every uint64: block numbers, gas and timestamps are u64 on the wire and must round-trip exactly.
const Uint64 = new UintBigintType(8);
const Uint256 = new UintBigintType(32);

export const WithdrawalSsz = new ContainerType(
  { index: Uint64, validatorIndex: Uint64, address: Bytes20, amount: Uint64 },
  { typeName: 'Withdrawal' },
);

const Transaction = new ByteListType(MAX_BYTES_PER_TRANSACTION);

const payloadV3Fields = {
  parentHash: Bytes32,
  feeRecipient: Bytes20,
  stateRoot: Bytes32,
  receiptsRoot: Bytes32,
  logsBloom: Bytes256,
  prevRandao: Bytes32,
  blockNumber: Uint64,
  gasLimit: Uint64,
  gasUsed: Uint64,
  timestamp: Uint64,
  extraData: new ByteListType(MAX_EXTRA_DATA_BYTES),
  baseFeePerGas: Uint256,
  blockHash: Bytes32,
  transactions: new ListCompositeType(Transaction, MAX_TRANSACTIONS_PER_PAYLOAD),
  withdrawals: new ListCompositeType(WithdrawalSsz, MAX_WITHDRAWALS_PER_PAYLOAD),
  blobGasUsed: Uint64,
  excessBlobGas: Uint64,
};

export const ExecutionPayloadV3Ssz = new ContainerType(payloadV3Fields, { typeName: 'ExecutionPayloadV3' });

export const ExecutionPayloadV4Ssz = new ContainerType(
  { ...payloadV3Fields, withdrawalsRoot: Bytes32 },
  { typeName: 'ExecutionPayloadV4' },
);

export type ExecutionPayloadV3Value = ValueOf<typeof ExecutionPayloadV3Ssz>;
export type ExecutionPayloadV4Value = ValueOf<typeof ExecutionPayloadV4Ssz>;
export type WithdrawalValue = ValueOf<typeof WithdrawalSsz>;

/** Byte offsets inside the payload's fixed part, derived from the schema above (reference §3.6 table). */
export const PAYLOAD_LAYOUT = {
  /** extraDataOffset u32 sits after 32+20+32+32+256+32 bytes of hashes/bloom and four u64s. */
  extraDataOffsetAt: 436,
  /** transactionsOffset u32 follows baseFeePerGas[32] and blockHash[32]. */
  transactionsOffsetAt: 504,
  withdrawalsOffsetAt: 508,
  blobGasUsedAt: 512,
  excessBlobGasAt: 520,
  withdrawalsRootAt: 528,
  fixedSizeV3: 528,
  fixedSizeV4: 560,
  withdrawalSize: 44,
} as const;
