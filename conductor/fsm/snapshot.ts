/**
 * Binary snapshot of the FSM window: the Raft snapshot payload.
 *
 *   magic "BTNF" | version u16 LE | count u32 LE | count × (length u32 LE | envelope SSZ bytes)
 *   | sha256(everything before)[32]
 *
 * Entries are oldest first and are the exact log bytes that were applied, so restoring re-runs the same
 * decoder as apply. The trailing checksum catches torn or corrupted snapshot files before any entry is
 * trusted. An empty buffer, or a buffer without the magic, is read as an op-conductor snapshot (nothing,
 * or one raw SSZ envelope) so state taken from a Go conductor can seed a Baton FSM.
 */
import { createHash } from 'node:crypto';

export const SNAPSHOT_MAGIC = Uint8Array.from([0x42, 0x54, 0x4e, 0x46]); // "BTNF"
export const SNAPSHOT_VERSION = 1;
const HEADER_SIZE = 4 + 2 + 4;
const CHECKSUM_SIZE = 32;

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

export type SnapshotContents =
  | { format: 'baton'; entries: Uint8Array[] }
  /** op-conductor Persist: empty (no head yet) or one SSZ envelope. */
  | { format: 'op-conductor'; entries: Uint8Array[] };

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/**
 * Builds the snapshot into one buffer, pausing (a `yield`) after every `stepBytes` of entries copied and
 * hashed; the caller decides whether a pause gives the event loop a turn.
 */
function* snapshotWriter(entries: readonly Uint8Array[], stepBytes: number): Generator<void, Uint8Array> {
  const bodySize = entries.reduce((n, e) => n + 4 + e.length, 0);
  const out = new Uint8Array(HEADER_SIZE + bodySize + CHECKSUM_SIZE);
  const view = new DataView(out.buffer);
  out.set(SNAPSHOT_MAGIC, 0);
  view.setUint16(4, SNAPSHOT_VERSION, true);
  view.setUint32(6, entries.length, true);
  const hash = createHash('sha256');
  let at = HEADER_SIZE;
  let hashed = 0;
  let sinceStep = 0;
  for (const entry of entries) {
    view.setUint32(at, entry.length, true);
    out.set(entry, at + 4);
    at += 4 + entry.length;
    sinceStep += entry.length;
    if (sinceStep >= stepBytes) {
      hash.update(out.subarray(hashed, at));
      hashed = at;
      sinceStep = 0;
      yield;
    }
  }
  hash.update(out.subarray(hashed, at));
  out.set(hash.digest(), at);
  return out;
}

export function encodeSnapshot(entries: readonly Uint8Array[]): Uint8Array {
  const writer = snapshotWriter(entries, Infinity);
  for (;;) {
    const step = writer.next();
    if (step.done) return step.value;
  }
}

/**
 * The same bytes as encodeSnapshot, built in steps of about `stepBytes` with the event loop free in between:
 * a 32 MiB window copied and hashed in one go holds every commit on this member for tens of milliseconds.
 * The entries are immutable log bytes, so the caller's cut (the array it passes) stays consistent meanwhile.
 */
export async function encodeSnapshotInSteps(
  entries: readonly Uint8Array[],
  stepBytes = 4 * 1024 * 1024,
): Promise<Uint8Array> {
  const writer = snapshotWriter(entries, stepBytes);
  for (;;) {
    const step = writer.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function hasMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b);
}

/** Split a snapshot into its entries; throws SnapshotError on any structural or checksum problem. */
export function decodeSnapshot(bytes: Uint8Array): SnapshotContents {
  if (bytes.length === 0) return { format: 'op-conductor', entries: [] };
  if (!hasMagic(bytes)) return { format: 'op-conductor', entries: [bytes.slice()] };
  if (bytes.length < HEADER_SIZE + CHECKSUM_SIZE) {
    throw new SnapshotError(`snapshot truncated: ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(`unsupported snapshot version ${version}`);
  const bodyEnd = bytes.length - CHECKSUM_SIZE;
  const expected = sha256(bytes.subarray(0, bodyEnd));
  const actual = bytes.subarray(bodyEnd);
  if (!expected.every((b, i) => actual[i] === b)) throw new SnapshotError('snapshot checksum mismatch');
  const count = view.getUint32(6, true);
  const entries: Uint8Array[] = [];
  let at = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bodyEnd) throw new SnapshotError(`snapshot entry ${i} header out of bounds`);
    const length = view.getUint32(at, true);
    if (at + 4 + length > bodyEnd) throw new SnapshotError(`snapshot entry ${i} out of bounds`);
    entries.push(bytes.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== bodyEnd) throw new SnapshotError(`snapshot has ${bodyEnd - at} trailing bytes`);
  return { format: 'baton', entries };
}
