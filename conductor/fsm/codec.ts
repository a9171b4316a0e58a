/**
 * The Raft log entry / FSM value: `parentBeaconBlockRoot[32] || SSZ(ExecutionPayload)` with no version
 * byte (op-service/eth/ssz.go `ExecutionPayloadEnvelope.MarshalSSZ`, reference §3.6). The root prefix is a
 * plain concatenation, not an SSZ container, so it is split off by hand; the payload itself is encoded
 * and decoded by @chainsafe/ssz.
 *
 * Decoding first runs `checkPayloadOffsets`, which reads the few offsets op-service validates and fails
 * with op-service's exact error texts (operators grep logs for them). It does not decode anything; a
 * payload that passes it is still fully validated by @chainsafe/ssz.
 */
import {
  EMPTY_WITHDRAWALS_ROOT,
  ERR_MISSING_DATA,
  EnvelopeError,
  parseEnvelope,
  payloadToV3Value,
  payloadToV4Value,
  valueToPayload,
  type ExecutionPayload,
  type ExecutionPayloadEnvelope,
  type Hex,
} from './envelope.js';
import { formatBytes, normalizeHash } from './hex.js';
import {
  ExecutionPayloadV3Ssz,
  ExecutionPayloadV4Ssz,
  MAX_TRANSACTIONS_PER_PAYLOAD,
  MAX_WITHDRAWALS_PER_PAYLOAD,
  PAYLOAD_LAYOUT,
  type ExecutionPayloadV3Value,
  type ExecutionPayloadV4Value,
} from './ssz-types.js';

/** op-service BlockVersion. Only V3 and V4 have codecs; V1/V2 exist so inference can name what it saw. */
export type BlockVersion = 'v1' | 'v2' | 'v3' | 'v4';

/** Go's `BlockVersion` iota (V1=0 … V4=3), which op-service prints in one error text. */
const GO_VERSION_NUMBER: Record<BlockVersion, number> = { v1: 0, v2: 1, v3: 2, v4: 3 };

const ROOT_SIZE = 32;

/** A decoded log entry with the fields the FSM and control loop read on every apply. */
export interface DecodedEnvelope {
  version: 'v3' | 'v4';
  envelope: ExecutionPayloadEnvelope;
  blockNumber: bigint;
  blockHash: Hex;
  parentHash: Hex;
  timestamp: bigint;
}

/**
 * op-service `inferVersion`: V4 if withdrawalsRoot is set and is not the empty-withdrawals root, else V3
 * if both blob-gas fields are set, else V2 if withdrawals are set, else V1.
 */
export function inferVersion(payload: ExecutionPayload): BlockVersion {
  if (
    payload.withdrawalsRoot !== undefined &&
    normalizeHash(payload.withdrawalsRoot) !== normalizeHash(EMPTY_WITHDRAWALS_ROOT)
  ) {
    return 'v4';
  }
  if (payload.blobGasUsed !== undefined && payload.excessBlobGas !== undefined) return 'v3';
  if (payload.withdrawals !== undefined) return 'v2';
  return 'v1';
}

/**
 * Encode an envelope to its Raft log bytes. Throws EnvelopeError:
 * - `execution payload envelope is missing data` without parentBeaconBlockRoot (op-service ErrMissingData);
 * - for V1/V2 payloads, which op-service would encode but neither op-conductor's FSM nor ours can decode —
 *   refusing here turns a silently unappliable log entry into an error op-node sees.
 */
export function encodeEnvelope(input: ExecutionPayloadEnvelope): Uint8Array {
  // Re-validate: callers may hand us objects that never went through parseEnvelope, and a short hash
  // would otherwise be serialized into a wrong but well-formed entry.
  const envelope = parseEnvelope(input);
  const payload = envelope.executionPayload;
  if (envelope.parentBeaconBlockRoot === undefined) throw new EnvelopeError(ERR_MISSING_DATA);
  const version = inferVersion(payload);
  if (version === 'v1' || version === 'v2') {
    throw new EnvelopeError(
      `cannot commit a ${version.toUpperCase()} execution payload: only Ecotone (V3) and Isthmus (V4) payloads ` +
        'can be committed, blobGasUsed and excessBlobGas are required',
    );
  }
  if (payload.withdrawals === undefined) {
    // op-service panics here ("transactions - fixed part size is inconsistent"); an error is kinder.
    throw new EnvelopeError(`cannot encode ${version.toUpperCase()} execution payload without withdrawals`);
  }
  const root = Buffer.from(envelope.parentBeaconBlockRoot.slice(2), 'hex');
  if (root.length !== ROOT_SIZE) throw new EnvelopeError('parentBeaconBlockRoot: expected 32 bytes');
  let body: Uint8Array;
  try {
    body =
      version === 'v4'
        ? ExecutionPayloadV4Ssz.serialize(payloadToV4Value(payload))
        : ExecutionPayloadV3Ssz.serialize(payloadToV3Value(payload));
  } catch (err) {
    throw new EnvelopeError(`failed to encode execution payload: ${(err as Error).message}`);
  }
  const out = new Uint8Array(ROOT_SIZE + body.length);
  out.set(root, 0);
  out.set(body, ROOT_SIZE);
  return out;
}

/**
 * Decode log bytes the way op-conductor's FSM does: try V4, then V3; when both fail, the V3 error is
 * reported (as in raft_fsm.go). Never throws anything but EnvelopeError.
 */
export function decodeEnvelope(data: Uint8Array): DecodedEnvelope {
  try {
    return decodeEnvelopeAs(data, 'v4');
  } catch {
    return decodeEnvelopeAs(data, 'v3');
  }
}

/** Decode as one specific version (op-service `ExecutionPayloadEnvelope.UnmarshalSSZ(version, …)`). */
export function decodeEnvelopeAs(data: Uint8Array, version: 'v3' | 'v4'): DecodedEnvelope {
  if (data.length < ROOT_SIZE) {
    throw new EnvelopeError(`scope too small to decode execution payload: ${data.length}`);
  }
  const body = data.subarray(ROOT_SIZE);
  checkPayloadOffsets(body, version);
  let value: ExecutionPayloadV3Value | ExecutionPayloadV4Value;
  try {
    value = (version === 'v4' ? ExecutionPayloadV4Ssz : ExecutionPayloadV3Ssz).deserialize(body);
  } catch (err) {
    throw new EnvelopeError(`failed to decode execution payload: ${(err as Error).message}`);
  }
  // The JSON form (every transaction as hex) is built when asked for: applying an entry needs only the
  // block's identity, and formatting a megabyte block as hex on every member for every commit was wasted.
  let envelope: ExecutionPayloadEnvelope | undefined;
  return {
    version,
    get envelope() {
      envelope ??= {
        parentBeaconBlockRoot: formatBytes(data.subarray(0, ROOT_SIZE)),
        executionPayload: valueToPayload(value),
      };
      return envelope;
    },
    blockNumber: value.blockNumber,
    blockHash: formatBytes(value.blockHash),
    parentHash: formatBytes(value.parentHash),
    timestamp: value.timestamp,
  };
}

/**
 * The checks op-service's UnmarshalSSZ performs on offsets and list sizes, in its order and with its
 * texts (reference §3.6 decode limits: extraData ≤ 32, ≤ 2^20 txs, ≤ 16 withdrawals, first tx offset a
 * multiple of 4). One addition from newer op-service: a first tx offset of 0 with tx bytes present is an
 * error (older code silently dropped those bytes).
 */
function checkPayloadOffsets(body: Uint8Array, version: 'v3' | 'v4'): void {
  const L = PAYLOAD_LAYOUT;
  const fixedSize = version === 'v4' ? L.fixedSizeV4 : L.fixedSizeV3;
  const scope = body.length;
  if (scope < fixedSize) {
    throw new EnvelopeError(
      `scope too small to decode execution payload: ${scope}, version is: ${GO_VERSION_NUMBER[version]}`,
    );
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);

  const extraDataOffset = u32(L.extraDataOffsetAt);
  if (extraDataOffset !== fixedSize) {
    throw new EnvelopeError(`unexpected extra data offset: ${extraDataOffset} <> ${fixedSize}`);
  }
  const transactionsOffset = u32(L.transactionsOffsetAt);
  if (transactionsOffset < extraDataOffset) {
    throw new EnvelopeError('transactions offset is smaller than extra data offset, aborting');
  }
  const withdrawalsOffset = u32(L.withdrawalsOffsetAt);
  if (withdrawalsOffset < transactionsOffset) {
    throw new EnvelopeError('withdrawals offset is smaller than transaction offset, aborting');
  }
  if (withdrawalsOffset > scope) {
    throw new EnvelopeError(`withdrawals offset is too large: ${withdrawalsOffset}`);
  }
  if (transactionsOffset > extraDataOffset + 32 || transactionsOffset > scope) {
    throw new EnvelopeError(`extra-data is too large: ${transactionsOffset - extraDataOffset}`);
  }
  checkTransactionOffsets(body.subarray(transactionsOffset, withdrawalsOffset));

  const withdrawalBytes = scope - withdrawalsOffset;
  if (withdrawalBytes % L.withdrawalSize !== 0) {
    throw new EnvelopeError('failed to unmarshal withdrawals list: invalid withdrawals data');
  }
  const withdrawalCount = withdrawalBytes / L.withdrawalSize;
  if (withdrawalCount > MAX_WITHDRAWALS_PER_PAYLOAD) {
    throw new EnvelopeError(
      `failed to unmarshal withdrawals list: too many withdrawals: ${withdrawalCount} > ${MAX_WITHDRAWALS_PER_PAYLOAD}`,
    );
  }
}

function checkTransactionOffsets(txs: Uint8Array): void {
  const fail = (msg: string) => new EnvelopeError(`failed to unmarshal transactions list: ${msg}`);
  const scope = txs.length;
  if (scope === 0) return;
  if (scope < 4) throw fail(`not enough scope to read first tx offset: ${scope}`);
  const view = new DataView(txs.buffer, txs.byteOffset, txs.byteLength);
  const firstTxOffset = view.getUint32(0, true);
  if (firstTxOffset % 4 !== 0) {
    throw fail(`invalid first tx offset: ${firstTxOffset}, not a multiple of offset size`);
  }
  if (firstTxOffset > scope) throw fail(`invalid first tx offset: ${firstTxOffset}, out of scope ${scope}`);
  const txCount = firstTxOffset / 4;
  if (txCount === 0)
    throw fail(`invalid first tx offset: ${firstTxOffset}, no transactions in scope ${scope}`);
  if (txCount > MAX_TRANSACTIONS_PER_PAYLOAD) {
    throw fail(`too many transactions: ${txCount} > ${MAX_TRANSACTIONS_PER_PAYLOAD}`);
  }
  let current = firstTxOffset;
  for (let i = 0; i < txCount; i++) {
    const next = i + 1 < txCount ? view.getUint32((i + 1) * 4, true) : scope;
    if (next < current || next > scope) {
      throw fail(`tx ${i} has bad next offset: ${next}, current is ${current}, scope is ${scope}`);
    }
    current = next;
  }
}
