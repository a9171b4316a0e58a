/**
 * The ExecutionPayloadEnvelope as op-node sends it to `conductor_commitUnsafePayload` and receives it in
 * `admin_postUnsafePayload` (op-service/eth/types.go, reference §3.6): engine-API JSON, quantities and byte
 * strings as hex. This file owns the JSON shape, its validation, and the conversion to and from the SSZ
 * value objects in ssz-types.ts. Byte encoding lives in codec.ts.
 */
import {
  parseBytesWithHex,
  formatBytes,
  formatQuantity,
  MAX_UINT256,
  parseBytes,
  parseQuantity,
  type Hex,
} from './hex.js';
import {
  MAX_EXTRA_DATA_BYTES,
  type ExecutionPayloadV3Value,
  type ExecutionPayloadV4Value,
  type WithdrawalValue,
} from './ssz-types.js';

export type { Hex } from './hex.js';

export interface Withdrawal {
  index: Hex;
  validatorIndex: Hex;
  address: Hex;
  amount: Hex;
}

export interface ExecutionPayload {
  parentHash: Hex;
  feeRecipient: Hex;
  stateRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  prevRandao: Hex;
  blockNumber: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  extraData: Hex;
  baseFeePerGas: Hex;
  blockHash: Hex;
  transactions: Hex[];
  /** Canyon+; absent (nil) before. */
  withdrawals?: Withdrawal[];
  /** Ecotone+. */
  blobGasUsed?: Hex;
  /** Ecotone+. */
  excessBlobGas?: Hex;
  /** Isthmus+: storage root of the L2ToL1MessagePasser. */
  withdrawalsRoot?: Hex;
}

export interface ExecutionPayloadEnvelope {
  /** omitempty in op-node's JSON, but required to commit (the SSZ envelope starts with it). */
  parentBeaconBlockRoot?: Hex;
  executionPayload: ExecutionPayload;
}

/** A malformed envelope (bad JSON shape, bad hex, or not encodable). `message` is what callers report. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

/** op-service ErrMissingData: the envelope has no parentBeaconBlockRoot or no executionPayload. */
export const ERR_MISSING_DATA = 'execution payload envelope is missing data';

/** go-ethereum types.EmptyWithdrawalsHash: keccak256(rlp([])). A V4 payload never carries it (see codec.ts). */
export const EMPTY_WITHDRAWALS_ROOT: Hex =
  '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON `null` and a missing key both mean "absent", as for Go pointer fields. */
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function hash(v: unknown, field: string): Hex {
  return formatBytes(parseBytes(v, field, { length: 32 }));
}

function quantity(v: unknown, field: string, max?: bigint): Hex {
  return formatQuantity(parseQuantity(v, field, max));
}

function parseWithdrawal(v: unknown, i: number): Withdrawal {
  const f = `executionPayload.withdrawals[${i}]`;
  if (!isObject(v)) throw new EnvelopeError(`${f}: expected object`);
  return {
    index: quantity(v.index, `${f}.index`),
    validatorIndex: quantity(v.validatorIndex, `${f}.validatorIndex`),
    address: formatBytes(parseBytes(v.address, `${f}.address`, { length: 20 })),
    amount: quantity(v.amount, `${f}.amount`),
  };
}

/**
 * Validate untrusted JSON (an RPC parameter) into a canonical envelope: hex lower-cased, quantities
 * minimal, `null` optional fields dropped. Throws EnvelopeError naming the offending field.
 *
 * Stricter than Go on one point, deliberately: go-ethereum zero-fills missing non-pointer fields, we
 * reject them, because a commit with e.g. no blockHash can only be a client bug.
 */
export function parseEnvelope(json: unknown): ExecutionPayloadEnvelope {
  try {
    if (!isObject(json)) throw new EnvelopeError('envelope: expected object');
    const p = json.executionPayload;
    if (!present(p)) throw new EnvelopeError(ERR_MISSING_DATA);
    if (!isObject(p)) throw new EnvelopeError('executionPayload: expected object');
    const f = (name: string) => `executionPayload.${name}`;
    if (!Array.isArray(p.transactions)) throw new EnvelopeError(`${f('transactions')}: expected array`);
    const payload: ExecutionPayload = {
      parentHash: hash(p.parentHash, f('parentHash')),
      feeRecipient: formatBytes(parseBytes(p.feeRecipient, f('feeRecipient'), { length: 20 })),
      stateRoot: hash(p.stateRoot, f('stateRoot')),
      receiptsRoot: hash(p.receiptsRoot, f('receiptsRoot')),
      logsBloom: formatBytes(parseBytes(p.logsBloom, f('logsBloom'), { length: 256 })),
      prevRandao: hash(p.prevRandao, f('prevRandao')),
      blockNumber: quantity(p.blockNumber, f('blockNumber')),
      gasLimit: quantity(p.gasLimit, f('gasLimit')),
      gasUsed: quantity(p.gasUsed, f('gasUsed')),
      timestamp: quantity(p.timestamp, f('timestamp')),
      extraData: formatBytes(parseBytes(p.extraData, f('extraData'), { maxLength: MAX_EXTRA_DATA_BYTES })),
      baseFeePerGas: quantity(p.baseFeePerGas, f('baseFeePerGas'), MAX_UINT256),
      blockHash: hash(p.blockHash, f('blockHash')),
      transactions: parseTransactions(p.transactions, f('transactions')),
    };
    if (present(p.withdrawals)) {
      if (!Array.isArray(p.withdrawals)) throw new EnvelopeError(`${f('withdrawals')}: expected array`);
      payload.withdrawals = p.withdrawals.map(parseWithdrawal);
    }
    if (present(p.blobGasUsed)) payload.blobGasUsed = quantity(p.blobGasUsed, f('blobGasUsed'));
    if (present(p.excessBlobGas)) payload.excessBlobGas = quantity(p.excessBlobGas, f('excessBlobGas'));
    if (present(p.withdrawalsRoot)) payload.withdrawalsRoot = hash(p.withdrawalsRoot, f('withdrawalsRoot'));

    const envelope: ExecutionPayloadEnvelope = { executionPayload: payload };
    if (present(json.parentBeaconBlockRoot)) {
      envelope.parentBeaconBlockRoot = hash(json.parentBeaconBlockRoot, 'parentBeaconBlockRoot');
    }
    return envelope;
  } catch (err) {
    if (err instanceof EnvelopeError) throw err;
    throw new EnvelopeError((err as Error).message);
  }
}

/**
 * The bytes of the transactions parseEnvelope validated, keyed by the canonical array it returned. Validating
 * a transaction decodes it anyway, and the commit path needs those bytes twice more (the SSZ log entry and
 * the transactions root): for a megabyte block, each hex decode was a millisecond of the leader's event loop.
 * An entry is used only while the array still holds exactly the strings it was made from (a caller may
 * replace them), and it goes with the array.
 */
const parsedTransactions = new WeakMap<
  readonly Hex[],
  { readonly hex: readonly Hex[]; readonly bytes: Uint8Array[] }
>();

function parseTransactions(raw: readonly unknown[], field: string): Hex[] {
  const known = parsedTransactions.get(raw as readonly Hex[]);
  if (known !== undefined && sameStrings(known.hex, raw)) return raw as Hex[];
  const hex: Hex[] = [];
  const bytes: Uint8Array[] = [];
  raw.forEach((tx, i) => {
    const parsed = parseBytesWithHex(tx, `${field}[${i}]`);
    hex.push(parsed.hex);
    bytes.push(parsed.bytes);
  });
  parsedTransactions.set(hex, { hex: [...hex], bytes });
  return hex;
}

function sameStrings(a: readonly Hex[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** A payload's transactions as bytes: decoded once by parseEnvelope, or now for a payload it did not make. */
export function transactionBytes(p: ExecutionPayload): readonly Uint8Array[] {
  const known = parsedTransactions.get(p.transactions);
  if (known !== undefined && sameStrings(known.hex, p.transactions)) return known.bytes;
  return p.transactions.map(bytes);
}

// --- JSON ⇄ SSZ value -------------------------------------------------------------------------------

function bytes(v: Hex): Uint8Array {
  return parseBytes(v, 'value');
}

function withdrawalToValue(w: Withdrawal): WithdrawalValue {
  return {
    index: BigInt(w.index),
    validatorIndex: BigInt(w.validatorIndex),
    address: bytes(w.address),
    amount: BigInt(w.amount),
  };
}

/**
 * Convert a validated payload to the SSZ V3 value. The caller (codec.ts) has already checked that the
 * Ecotone fields are present; `withdrawals` absent is encoded by the caller's rules, never here.
 */
export function payloadToV3Value(p: ExecutionPayload): ExecutionPayloadV3Value {
  return {
    parentHash: bytes(p.parentHash),
    feeRecipient: bytes(p.feeRecipient),
    stateRoot: bytes(p.stateRoot),
    receiptsRoot: bytes(p.receiptsRoot),
    logsBloom: bytes(p.logsBloom),
    prevRandao: bytes(p.prevRandao),
    blockNumber: BigInt(p.blockNumber),
    gasLimit: BigInt(p.gasLimit),
    gasUsed: BigInt(p.gasUsed),
    timestamp: BigInt(p.timestamp),
    extraData: bytes(p.extraData),
    baseFeePerGas: BigInt(p.baseFeePerGas),
    blockHash: bytes(p.blockHash),
    transactions: [...transactionBytes(p)],
    withdrawals: (p.withdrawals ?? []).map(withdrawalToValue),
    blobGasUsed: BigInt(p.blobGasUsed ?? '0x0'),
    excessBlobGas: BigInt(p.excessBlobGas ?? '0x0'),
  };
}

export function payloadToV4Value(p: ExecutionPayload): ExecutionPayloadV4Value {
  return { ...payloadToV3Value(p), withdrawalsRoot: bytes(p.withdrawalsRoot ?? `0x${'00'.repeat(32)}`) };
}

/** Inverse of payloadTo*Value: a decoded V3/V4 value back to op-node JSON (withdrawals always present). */
export function valueToPayload(v: ExecutionPayloadV3Value | ExecutionPayloadV4Value): ExecutionPayload {
  const payload: ExecutionPayload = {
    parentHash: formatBytes(v.parentHash),
    feeRecipient: formatBytes(v.feeRecipient),
    stateRoot: formatBytes(v.stateRoot),
    receiptsRoot: formatBytes(v.receiptsRoot),
    logsBloom: formatBytes(v.logsBloom),
    prevRandao: formatBytes(v.prevRandao),
    blockNumber: formatQuantity(v.blockNumber),
    gasLimit: formatQuantity(v.gasLimit),
    gasUsed: formatQuantity(v.gasUsed),
    timestamp: formatQuantity(v.timestamp),
    extraData: formatBytes(v.extraData),
    baseFeePerGas: formatQuantity(v.baseFeePerGas),
    blockHash: formatBytes(v.blockHash),
    transactions: v.transactions.map(formatBytes),
    withdrawals: v.withdrawals.map((w) => ({
      index: formatQuantity(w.index),
      validatorIndex: formatQuantity(w.validatorIndex),
      address: formatBytes(w.address),
      amount: formatQuantity(w.amount),
    })),
    blobGasUsed: formatQuantity(v.blobGasUsed),
    excessBlobGas: formatQuantity(v.excessBlobGas),
  };
  if ('withdrawalsRoot' in v) payload.withdrawalsRoot = formatBytes(v.withdrawalsRoot);
  return payload;
}
