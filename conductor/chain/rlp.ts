/**
 * RLP encodes integers as big-endian bytes with no leading zeros, and zero as the empty string. viem's
 * `toRlp` encodes whatever bytes a hex string holds, so `0x0` would become the byte 0x00 (a different
 * encoding and therefore a different hash): this is the canonical form.
 */
import type { Hex } from 'viem';

/** The canonical RLP byte string of an unsigned integer: minimal big-endian, zero as empty. */
export function rlpUint(value: bigint | number): Hex {
  const n = BigInt(value);
  if (n < 0n) throw new Error(`rlpUint: negative value ${n}`);
  if (n === 0n) return '0x';
  const hex = n.toString(16);
  return `0x${hex.length % 2 === 1 ? '0' : ''}${hex}`;
}
