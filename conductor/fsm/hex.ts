/**
 * Hex helpers for the engine-API JSON encoding op-node uses (go-ethereum `hexutil` rules).
 *
 * Quantities follow hexutil.Uint64/Big: `0x`-prefixed, lower or upper case, no leading zero digits,
 * `0x0` for zero. Byte strings follow hexutil.Bytes: `0x`-prefixed, even length. We validate as strictly
 * as go-ethereum does because an envelope we accept must be one op-node would also accept.
 */

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

const QUANTITY_RE = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;

export const MAX_UINT64 = (1n << 64n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Parse a hex quantity (e.g. `0x1c9c380`) no larger than `max`; throws with the field name on error. */
export function parseQuantity(value: unknown, field: string, max: bigint = MAX_UINT64): bigint {
  if (typeof value !== 'string') throw new Error(`${field}: expected hex quantity string`);
  if (!QUANTITY_RE.test(value)) throw new Error(`${field}: invalid hex quantity ${JSON.stringify(value)}`);
  const n = BigInt(value);
  if (n > max) throw new Error(`${field}: hex number > ${max === MAX_UINT64 ? 64 : 256} bits`);
  return n;
}

/** Format a non-negative integer as a minimal hex quantity, as go-ethereum marshals it. */
export function formatQuantity(n: bigint | number): Hex {
  return `0x${n.toString(16)}`;
}

/** Parse `0x…` bytes; with `length`, the decoded size must match exactly; with `maxLength`, must not exceed it. */
export function parseBytes(
  value: unknown,
  field: string,
  opts: { length?: number; maxLength?: number } = {},
): Uint8Array {
  const bytes = decodeBytes(value, field);
  checkLength(bytes.length, field, opts);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * The same validation as parseBytes, returning both from one decode: the bytes, and the canonical (lower-case)
 * hex — the input itself unless it has upper-case digits (op-node writes lower case, and a copy of a megabyte
 * string per transaction is not free).
 */
export function parseBytesWithHex(
  value: unknown,
  field: string,
  opts: { length?: number; maxLength?: number } = {},
): { bytes: Uint8Array; hex: Hex } {
  const bytes = decodeBytes(value, field);
  checkLength(bytes.length, field, opts);
  const text = value as string;
  const hex = (UPPER_HEX_DIGIT.test(text) ? text.toLowerCase() : text) as Hex;
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), hex };
}

const UPPER_HEX_DIGIT = /[A-F]/;

/**
 * Node's hex decoder stops at the first pair that is not hex, so a full-length result proves every digit valid:
 * the check costs one native pass instead of a regular expression over a multi-megabyte string.
 */
function decodeBytes(value: unknown, field: string): Buffer {
  if (typeof value !== 'string') throw new Error(`${field}: expected hex string`);
  if (!value.startsWith('0x') || value.length % 2 !== 0) throw new Error(`${field}: invalid hex bytes`);
  const bytes = Buffer.from(value.slice(2), 'hex');
  if (bytes.length * 2 !== value.length - 2) throw new Error(`${field}: invalid hex bytes`);
  return bytes;
}

function checkLength(length: number, field: string, opts: { length?: number; maxLength?: number }): void {
  if (opts.length !== undefined && length !== opts.length) {
    throw new Error(`${field}: expected ${opts.length} bytes, got ${length}`);
  }
  if (opts.maxLength !== undefined && length > opts.maxLength) {
    throw new Error(`${field}: expected at most ${opts.maxLength} bytes, got ${length}`);
  }
}

/** Format bytes as lower-case `0x…` hex. */
export function formatBytes(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** Canonical (lower-case) form of a 32-byte hash for comparisons. */
export function normalizeHash(value: string): Hex {
  return value.toLowerCase() as Hex;
}
