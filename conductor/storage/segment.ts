/**
 * Segment files: `<seq>-<firstIndex>.wal`, both 16 hex digits. `seq` orders the files (it only grows);
 * `firstIndex` is the index the log expected next when the segment was created — a hint for humans,
 * because a later truncation may rewrite entries below it. Each segment starts with a Meta record and
 * then holds Batch records.
 *
 * This file turns one segment's bytes into its batch payloads and decides, when a record fails to
 * validate, whether it is a torn tail (the crash interrupted the last, never-acknowledged write) or
 * corruption (damage to data that had been synced).
 */
import path from 'node:path';
import { StorageCorruptionError } from './errors.js';
import { decodeRecord, encodeRecord, headerValid, readU64, RecordType, writeU64 } from './record.js';

const MAGIC = Buffer.from('BATONWAL', 'ascii');
const FORMAT_VERSION = 1;
const META_PAYLOAD_BYTES = 8 + 2 + 8 + 8;

export interface SegmentName {
  readonly seq: number;
  readonly firstIndex: number;
  readonly file: string;
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentName(file: string): SegmentName | null {
  const m = NAME.exec(file);
  if (!m) return null;
  return { seq: parseInt(m[1]!, 16), firstIndex: parseInt(m[2]!, 16), file };
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** The Meta record that opens segment `seq`. */
export function encodeMeta(seq: number, firstIndex: number): Uint8Array[] {
  const payload = Buffer.alloc(META_PAYLOAD_BYTES);
  MAGIC.copy(payload, 0);
  payload.writeUInt16LE(FORMAT_VERSION, 8);
  writeU64(payload, 10, seq);
  writeU64(payload, 18, firstIndex);
  return encodeRecord(RecordType.Meta, [payload], { seq, offset: 0 });
}

export interface ScannedSegment {
  /** Batch payloads in file order, with the offset of their record. */
  readonly batches: { readonly offset: number; readonly payload: Buffer }[];
  /** Bytes that are valid; the file should be this long. */
  readonly validBytes: number;
  /** Set when the tail from `validBytes` on is torn and must be cut off. */
  readonly torn: { readonly reason: string } | null;
}

/**
 * Validates a whole segment. Records end at the first byte that does not start a valid record; if
 * every byte from there to the end of the file is zero, that is the preallocated rest of the segment
 * (a record's type byte is never 0). Otherwise, in the last segment a bad record is a torn tail when
 * no valid record header exists anywhere after it (a write that never completed, so never
 * acknowledged); if one does, synced data was damaged. In any other segment every failure is
 * corruption: a segment is only left behind after its last batch was made durable.
 */
export function scanSegment(buf: Buffer, file: string, seq: number, isLast: boolean): ScannedSegment {
  const batches: { offset: number; payload: Buffer }[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const r = decodeRecord(buf, offset, seq);
    if (r.kind === 'ok') {
      if (offset === 0) {
        checkMeta(r.type, r.payload, file, seq);
      } else if (r.type !== RecordType.Batch) {
        throw new StorageCorruptionError(file, offset, `unexpected record type ${r.type}`);
      } else {
        batches.push({ offset, payload: r.payload });
      }
      offset = r.end;
      continue;
    }
    // Zeros to the end of the file after the meta record: the unused part of a preallocated segment.
    if (offset > 0 && isAllZero(buf, offset)) return { batches, validBytes: offset, torn: null };
    const reason = describe(r.kind);
    const later = findValidHeader(buf, offset + 1, seq);
    if (!isLast) {
      throw new StorageCorruptionError(file, offset, `${reason} in a segment that is not the last one`);
    }
    if (later !== null) {
      throw new StorageCorruptionError(
        file,
        offset,
        `${reason}, followed by a valid record at offset ${later} (not a torn write)`,
      );
    }
    return { batches, validBytes: offset, torn: { reason } };
  }
  if (buf.length === 0 && !isLast) throw new StorageCorruptionError(file, 0, 'empty segment');
  return { batches, validBytes: offset, torn: buf.length === 0 ? { reason: 'empty file' } : null };
}

function checkMeta(type: RecordType, payload: Buffer, file: string, seq: number): void {
  if (type !== RecordType.Meta || payload.length !== META_PAYLOAD_BYTES) {
    throw new StorageCorruptionError(file, 0, 'segment does not start with a meta record');
  }
  if (!payload.subarray(0, 8).equals(MAGIC)) throw new StorageCorruptionError(file, 0, 'bad segment magic');
  const version = payload.readUInt16LE(8);
  if (version !== FORMAT_VERSION) {
    throw new StorageCorruptionError(file, 0, `unsupported WAL format version ${version}`);
  }
  if (readU64(payload, 10) !== seq)
    throw new StorageCorruptionError(file, 0, 'segment seq does not match name');
}

const ZERO_CHUNK = Buffer.alloc(64 * 1024);

function isAllZero(buf: Buffer, from: number): boolean {
  for (let p = from; p < buf.length; p += ZERO_CHUNK.length) {
    const n = Math.min(ZERO_CHUNK.length, buf.length - p);
    if (!buf.subarray(p, p + n).equals(ZERO_CHUNK.subarray(0, n))) return false;
  }
  return true;
}

function findValidHeader(buf: Buffer, from: number, seq: number): number | null {
  for (let p = from; p < buf.length; p++) {
    if (headerValid(buf, p, seq)) return p;
  }
  return null;
}

function describe(kind: 'short' | 'badHeader' | 'badPayload'): string {
  switch (kind) {
    case 'short':
      return 'record is cut short';
    case 'badHeader':
      return 'record header checksum mismatch';
    case 'badPayload':
      return 'record payload checksum mismatch';
  }
}

export function segmentPath(dir: string, name: SegmentName): string {
  return path.join(dir, name.file);
}
