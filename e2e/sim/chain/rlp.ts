/**
 * Small helpers for feeding Ethereum values to viem's RLP encoder.
 *
 * RLP encodes integers as big-endian bytes with no leading zeros, and zero as the empty string.
 * viem's `toRlp` encodes whatever bytes a hex string holds, so `0x0` would become the byte 0x00
 * (a different encoding and therefore a different hash). These helpers produce the canonical forms.
 */
import type { Hex } from 'viem';

export { rlpUint } from '../../../conductor/chain/rlp.js';

/** A JSON-RPC QUANTITY: `0x`-prefixed hex without leading zeros (`0x0` for zero). */
export function quantity(value: bigint | number): Hex {
  return `0x${BigInt(value).toString(16)}`;
}

/** Parses a QUANTITY (or a decimal string/number, which some tools send) into a bigint. */
export function parseQuantity(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value);
  throw new Error(`invalid ${what}: expected a hex quantity, got ${JSON.stringify(value)}`);
}

/** Parses fixed-size DATA (`0x` + 2·size hex digits), lower-casing it so hashes compare as strings. */
export function parseData(value: unknown, size: number, what: string): Hex {
  if (typeof value === 'string' && value.length === 2 + size * 2 && /^0x[0-9a-fA-F]*$/.test(value)) {
    return value.toLowerCase() as Hex;
  }
  throw new Error(`invalid ${what}: expected ${size} bytes of hex, got ${JSON.stringify(value)}`);
}

/** Parses variable-size DATA of at most `maxSize` bytes (no limit when omitted). */
export function parseBytes(value: unknown, what: string, maxSize?: number): Hex {
  if (typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value)) {
    if (maxSize !== undefined && (value.length - 2) / 2 > maxSize) {
      throw new Error(`invalid ${what}: longer than ${maxSize} bytes`);
    }
    return value.toLowerCase() as Hex;
  }
  throw new Error(
    `invalid ${what}: expected hex bytes, got ${typeof value === 'string' ? value.slice(0, 20) : typeof value}`,
  );
}
