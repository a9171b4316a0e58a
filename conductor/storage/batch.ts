/**
 * The payload of a Batch record: the operations of one persist() call, in the order they apply. Putting
 * all of them — entries, the truncation of a conflicting suffix, the mark of an installed snapshot and the
 * hard state — in one checksummed record makes a persist() atomic on disk (after a crash either all of it
 * is there or none) and costs a single fdatasync, like etcd's WAL state records.
 *
 *   entry     [1][term u64][index u64][type u8][len u32][data]
 *   truncate  [2][from u64]                    — drop stored entries with index ≥ from
 *   snapMark  [3][index u64][term u64]         — a snapshot at (index, term) was installed
 *   hardState [4][term u64][commit u64][voteLen u16, 0xffff = none][vote utf-8]
 */
import type { Entry, EntryType, HardState } from '../raft/types.js';
import { readU64, writeU64 } from './record.js';

export type BatchOp =
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'truncate'; readonly from: number }
  | { readonly kind: 'snapMark'; readonly index: number; readonly term: number }
  | { readonly kind: 'hardState'; readonly hardState: HardState };

const OP_ENTRY = 1;
const OP_TRUNCATE = 2;
const OP_SNAP_MARK = 3;
const OP_HARD_STATE = 4;
const NO_VOTE = 0xffff;
/** Entry data up to this size is copied into the shared header buffer; larger data is written in place. */
const INLINE_BYTES = 16 * 1024;

/** Thrown when a checksummed batch does not parse: a bug or a checksum collision, never a torn write. */
export class BatchFormatError extends Error {}

/**
 * Encodes `ops` into chunks for writev. Small fields share one buffer; an entry's data larger than
 * INLINE_BYTES is referenced, not copied, so a 5 MB block costs no memcpy on the way to the kernel.
 */
export function encodeBatch(ops: readonly BatchOp[]): Uint8Array[] {
  const out = new ChunkWriter();
  for (const op of ops) {
    switch (op.kind) {
      case 'entry': {
        const { term, index, type, data } = op.entry;
        const [b, o] = out.reserve(22);
        b[o] = OP_ENTRY;
        writeU64(b, o + 1, term);
        writeU64(b, o + 9, index);
        b[o + 17] = type;
        b.writeUInt32LE(data.length, o + 18);
        out.bytes(data);
        break;
      }
      case 'truncate': {
        const [b, o] = out.reserve(9);
        b[o] = OP_TRUNCATE;
        writeU64(b, o + 1, op.from);
        break;
      }
      case 'snapMark': {
        const [b, o] = out.reserve(17);
        b[o] = OP_SNAP_MARK;
        writeU64(b, o + 1, op.index);
        writeU64(b, o + 9, op.term);
        break;
      }
      case 'hardState': {
        const { term, commit, vote } = op.hardState;
        const voteBytes = vote === null ? null : Buffer.from(vote, 'utf8');
        if (voteBytes && voteBytes.length >= NO_VOTE) throw new RangeError('vote id too long');
        const [b, o] = out.reserve(19);
        b[o] = OP_HARD_STATE;
        writeU64(b, o + 1, term);
        writeU64(b, o + 9, commit);
        b.writeUInt16LE(voteBytes ? voteBytes.length : NO_VOTE, o + 17);
        if (voteBytes) out.bytes(voteBytes);
        break;
      }
    }
  }
  return out.finish();
}

/** Decodes a batch payload. Entry data are views into `payload` (no copy). */
export function decodeBatch(payload: Buffer): BatchOp[] {
  const ops: BatchOp[] = [];
  let o = 0;
  const need = (n: number): void => {
    if (o + n > payload.length) throw new BatchFormatError(`batch ends inside an operation at ${o}`);
  };
  while (o < payload.length) {
    const code = payload[o];
    switch (code) {
      case OP_ENTRY: {
        need(22);
        const term = readU64(payload, o + 1);
        const index = readU64(payload, o + 9);
        const type = payload[o + 17] as EntryType;
        const len = payload.readUInt32LE(o + 18);
        o += 22;
        need(len);
        ops.push({ kind: 'entry', entry: { term, index, type, data: payload.subarray(o, o + len) } });
        o += len;
        break;
      }
      case OP_TRUNCATE:
        need(9);
        ops.push({ kind: 'truncate', from: readU64(payload, o + 1) });
        o += 9;
        break;
      case OP_SNAP_MARK:
        need(17);
        ops.push({ kind: 'snapMark', index: readU64(payload, o + 1), term: readU64(payload, o + 9) });
        o += 17;
        break;
      case OP_HARD_STATE: {
        need(19);
        const term = readU64(payload, o + 1);
        const commit = readU64(payload, o + 9);
        const voteLen = payload.readUInt16LE(o + 17);
        o += 19;
        let vote: string | null = null;
        if (voteLen !== NO_VOTE) {
          need(voteLen);
          vote = payload.toString('utf8', o, o + voteLen);
          o += voteLen;
        }
        ops.push({ kind: 'hardState', hardState: { term, vote, commit } });
        break;
      }
      default:
        throw new BatchFormatError(`unknown batch operation ${String(code)} at ${o}`);
    }
  }
  return ops;
}

/** Accumulates small writes in one buffer and splices large byte arrays in by reference. */
class ChunkWriter {
  private readonly chunks: Uint8Array[] = [];
  private buf = Buffer.allocUnsafe(4096);
  private start = 0;
  private pos = 0;

  reserve(n: number): [Buffer, number] {
    if (this.pos + n > this.buf.length) {
      this.flush();
      this.buf = Buffer.allocUnsafe(Math.max(4096, n, this.buf.length * 2));
      this.start = 0;
      this.pos = 0;
    }
    const at = this.pos;
    this.pos += n;
    return [this.buf, at];
  }

  bytes(data: Uint8Array): void {
    if (data.length <= INLINE_BYTES) {
      const [b, o] = this.reserve(data.length);
      b.set(data, o);
      return;
    }
    this.flush();
    this.chunks.push(data);
  }

  finish(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.pos > this.start) this.chunks.push(this.buf.subarray(this.start, this.pos));
    this.start = this.pos;
  }
}
