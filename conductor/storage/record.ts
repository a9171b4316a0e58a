/**
 * The WAL record frame. Every record is
 *
 *   0  u32  payload length
 *   4  u8   record type (never 0, so zeroed bytes never look like a record)
 *   5  u32  CRC-32 of the payload
 *   9  u32  CRC-32 of (segment seq, file offset, bytes 0..9)
 *  13  payload
 *
 * The header carries its own checksum so a flipped length or type is caught before we trust it to find
 * the next record; that is what lets recovery tell a torn tail ("nothing valid follows") from corruption
 * in the middle ("a valid record follows the bad one"). The header checksum is bound to the record's
 * segment and byte offset, so stale or misplaced blocks — and bytes inside an entry's payload that happen
 * to look like a record — do not validate anywhere else.
 */
import { crc32, crc32Chunks } from './crc32.js';

export const HEADER_BYTES = 13;
/** A batch larger than this is refused (it also bounds the damage a corrupt length can claim). */
export const MAX_PAYLOAD_BYTES = 1 << 30;

export enum RecordType {
  /** First record of every segment: magic, format version, seq and first index. */
  Meta = 1,
  /** One persist() call: entries, truncation, snapshot mark and hard state, atomically. */
  Batch = 2,
}

/** Where a record lives; it is part of the header checksum. */
export interface RecordPosition {
  readonly seq: number;
  readonly offset: number;
}

export type DecodeResult =
  | { readonly kind: 'ok'; readonly type: RecordType; readonly payload: Buffer; readonly end: number }
  /** The buffer ends inside the header or the payload. */
  | { readonly kind: 'short' }
  | { readonly kind: 'badHeader' }
  | { readonly kind: 'badPayload' };

/** The frame for `payload` (given as chunks, never concatenated): returns the buffers to write, in order. */
export function encodeRecord(
  type: RecordType,
  payload: readonly Uint8Array[],
  position: RecordPosition,
): Uint8Array[] {
  let length = 0;
  for (const chunk of payload) length += chunk.length;
  if (length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`WAL record of ${length} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(length, 0);
  header.writeUInt8(type, 4);
  header.writeUInt32LE(crc32Chunks(payload), 5);
  header.writeUInt32LE(headerCrc(header, position), 9);
  return [header, ...payload];
}

/** Total encoded size of a record with this payload. */
export function recordBytes(payload: readonly Uint8Array[]): number {
  let n = HEADER_BYTES;
  for (const chunk of payload) n += chunk.length;
  return n;
}

/** Decodes the record at `offset` of `buf`, where `buf` holds segment `seq` from its first byte. */
export function decodeRecord(buf: Buffer, offset: number, seq: number): DecodeResult {
  if (buf.length - offset < HEADER_BYTES) return { kind: 'short' };
  if (!headerValid(buf, offset, seq)) return { kind: 'badHeader' };
  const length = buf.readUInt32LE(offset);
  const start = offset + HEADER_BYTES;
  const end = start + length;
  if (end > buf.length) return { kind: 'short' };
  const payload = buf.subarray(start, end);
  if (crc32(payload) !== buf.readUInt32LE(offset + 5)) return { kind: 'badPayload' };
  return { kind: 'ok', type: buf.readUInt8(offset + 4) as RecordType, payload, end };
}

/** True if a well-formed header for segment `seq` starts at `offset` (used to look past a bad record). */
export function headerValid(buf: Buffer, offset: number, seq: number): boolean {
  if (buf.length - offset < HEADER_BYTES) return false;
  const type = buf[offset + 4];
  if (type !== RecordType.Meta && type !== RecordType.Batch) return false;
  if (buf.readUInt32LE(offset) > MAX_PAYLOAD_BYTES) return false;
  const header = buf.subarray(offset, offset + HEADER_BYTES);
  return headerCrc(header, { seq, offset }) === buf.readUInt32LE(offset + 9);
}

const binding = Buffer.alloc(16);

function headerCrc(header: Uint8Array, { seq, offset }: RecordPosition): number {
  writeU64(binding, 0, seq);
  writeU64(binding, 8, offset);
  return crc32(header.subarray(0, 9), crc32(binding));
}

/** Unsigned integers up to 2^53 as 8 little-endian bytes (Buffer's BigInt accessors are slower). */
export function writeU64(buf: Buffer, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a u64-safe integer: ${value}`);
  buf.writeUInt32LE(value % 0x100000000, offset);
  buf.writeUInt32LE(Math.floor(value / 0x100000000), offset + 4);
}

export function readU64(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32LE(offset + 4);
  if (hi > 0x1fffff) throw new RangeError(`u64 at ${offset} exceeds 2^53`);
  return hi * 0x100000000 + buf.readUInt32LE(offset);
}
