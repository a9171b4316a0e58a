/**
 * The replicated state machine: the committed unsafe head plus a bounded window of the payloads that led
 * to it (docs/design.md §6 — a new leader two or more blocks behind catches up from the window instead of
 * wedging, the gap op-conductor's single-payload FSM leaves open, reference §9).
 *
 * `apply` is what every Raft member runs for every committed log entry. It must be deterministic (same
 * state + same bytes → same result on every member) and must never throw: a rejected entry is a result,
 * not an exception, and leaves the state untouched.
 */
import { checkExtension, type BlockRef } from './chain-rule.js';
import { decodeEnvelope, decodeEnvelopeAs, type DecodedEnvelope } from './codec.js';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotInSteps, SnapshotError } from './snapshot.js';

/** Default window length: two minutes of 2 s blocks, far more than any sane catch-up needs. */
export const DEFAULT_WINDOW_SIZE = 64;
/**
 * Default cap on the window's bytes. Every member holds the window in memory, so 64 blocks of 2 MB were
 * 128 MB resident per member (and, while snapshots carried the whole window, a 128 MB copy per snapshot);
 * 32 MiB still keeps 16 such blocks, 32 of 1 MB.
 */
export const DEFAULT_WINDOW_BYTES = 32 * 1024 * 1024;
/** The window never shrinks below the head and its parent, whatever the byte cap. */
const MIN_WINDOW_ENTRIES = 2;
/**
 * Default cap on the payloads a snapshot carries (the newest, never fewer than two). A member restored from
 * a snapshot replays the log behind it, which refills its window; what the snapshot must hold is the head to
 * build on. Carrying the whole 32 MiB window made every member write 32 MB at the same index every 32 MiB
 * committed, and the commits meanwhile waited on disks busy with it (2 MB blocks: p99 ~180 ms).
 */
export const DEFAULT_SNAPSHOT_WINDOW_BYTES = 4 * 1024 * 1024;

/** A committed block: the decoded envelope plus the exact log bytes that carried it. */
export interface CommittedPayload extends DecodedEnvelope {
  /** The SSZ log entry, as applied. Re-usable for snapshots and for re-proposal. */
  data: Uint8Array;
}

/**
 * The window keeps a block's identity and its log bytes; the JSON form (`envelope`, megabytes of hex strings
 * for a full block, about twice the bytes) is decoded again from `data` when asked for — only catching up
 * a lagging op-node needs it. Kept decoded, it was most of the JS heap and its GC pauses under large blocks.
 */
function committedPayload(decoded: DecodedEnvelope, data: Uint8Array): CommittedPayload {
  const { version, blockNumber, blockHash, parentHash, timestamp } = decoded;
  return {
    version,
    blockNumber,
    blockHash,
    parentHash,
    timestamp,
    data,
    get envelope() {
      return decodeEnvelopeAs(data, version).envelope;
    },
  };
}

export type ApplyResult =
  | { ok: true; outcome: 'applied' | 'duplicate'; head: CommittedPayload }
  | { ok: false; reason: 'empty' | 'decode' | 'not-next-block'; error: string };

export interface UnsafeHeadFsmOptions {
  /** How many recent payloads to keep, head included. Must be ≥ 1. */
  windowSize?: number;
  /** At most this many bytes of them (log entry bytes), though never fewer than two payloads. */
  windowBytes?: number;
  /** A snapshot carries at most this many bytes of the newest payloads, though never fewer than two. */
  snapshotBytes?: number;
}

export class UnsafeHeadFsm {
  readonly windowSize: number;
  readonly windowBytes: number;
  readonly snapshotBytes: number;
  /** Oldest first; contiguous (each entry's parent is the previous entry). Last entry is the head. */
  private entries: CommittedPayload[] = [];
  /** Sum of the entries' data lengths. */
  private bytes = 0;
  private readonly hints = new WeakMap<Uint8Array, DecodedEnvelope>();

  constructor(options: UnsafeHeadFsmOptions = {}) {
    const windowSize = options.windowSize ?? DEFAULT_WINDOW_SIZE;
    if (!Number.isInteger(windowSize) || windowSize < 1) {
      throw new RangeError(`windowSize must be a positive integer, got ${windowSize}`);
    }
    this.windowSize = windowSize;
    const windowBytes = options.windowBytes ?? DEFAULT_WINDOW_BYTES;
    if (!Number.isSafeInteger(windowBytes) || windowBytes < 1) {
      throw new RangeError(`windowBytes must be a positive integer, got ${windowBytes}`);
    }
    this.windowBytes = windowBytes;
    const snapshotBytes = options.snapshotBytes ?? DEFAULT_SNAPSHOT_WINDOW_BYTES;
    if (!Number.isSafeInteger(snapshotBytes) || snapshotBytes < 1) {
      throw new RangeError(`snapshotBytes must be a positive integer, got ${snapshotBytes}`);
    }
    this.snapshotBytes = snapshotBytes;
  }

  /**
   * The proposer already decoded these exact bytes (checkCommit): remember it for when the entry comes
   * back committed. Keyed by the buffer object, so only that very entry — not equal bytes from disk or
   * the network — takes the shortcut; the map lets go of it once the log does.
   */
  hint(data: Uint8Array, decoded: DecodedEnvelope): void {
    this.hints.set(data, decoded);
  }

  /** Apply one committed log entry. Never throws. */
  apply(data: Uint8Array): ApplyResult {
    try {
      if (data.length === 0) return { ok: false, reason: 'empty', error: 'log data is nil or empty' };
      // Copy once: the caller may reuse its buffer, and snapshots must return exactly these bytes.
      const bytes = data.slice();
      let decoded: DecodedEnvelope;
      try {
        // Decoding is a pure function of the bytes, so the proposer's own decoding of this very entry
        // (see `hint`) is as good as ours and spares a multi-megabyte block a second pass.
        decoded = this.hints.get(data) ?? decodeEnvelope(bytes);
        // Used once: the log keeps the buffer (the key) until compaction, and the hint must not live as long.
        this.hints.delete(data);
      } catch (err) {
        return { ok: false, reason: 'decode', error: (err as Error).message };
      }
      const verdict = checkExtension(this.head(), decoded);
      const head = this.head();
      if (verdict.kind === 'duplicate' && head !== undefined) return { ok: true, outcome: 'duplicate', head };
      if (verdict.kind === 'rejected') return { ok: false, reason: 'not-next-block', error: verdict.error };
      const committed = committedPayload(decoded, bytes);
      this.entries.push(committed);
      this.bytes += bytes.byteLength;
      this.trim();
      return { ok: true, outcome: 'applied', head: committed };
    } catch (err) {
      // Unreachable by construction; kept so a bug can never crash every replica at once.
      return { ok: false, reason: 'decode', error: `unexpected apply failure: ${(err as Error).message}` };
    }
  }

  /** Drops the oldest payloads past either bound (deterministic: the same entries leave the same window). */
  private trim(): void {
    let drop = 0;
    let bytes = this.bytes;
    const count = this.entries.length;
    while (
      count - drop > this.windowSize ||
      (bytes > this.windowBytes && count - drop > Math.min(MIN_WINDOW_ENTRIES, this.windowSize))
    ) {
      bytes -= this.entries[drop]!.data.byteLength;
      drop++;
    }
    if (drop === 0) return;
    this.entries.splice(0, drop);
    this.bytes = bytes;
  }

  /** How many blocks behind the head a member may be and still catch up from this window. */
  reach(): number {
    return Math.max(0, this.entries.length - 1);
  }

  /** The committed unsafe head, or undefined before the first commit. */
  head(): CommittedPayload | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** The committed payload with this number, if it is still in the window. */
  payloadByNumber(blockNumber: bigint): CommittedPayload | undefined {
    const first = this.entries[0];
    if (first === undefined) return undefined;
    const index = blockNumber - first.blockNumber;
    if (index < 0n || index >= BigInt(this.entries.length)) return undefined;
    return this.entries[Number(index)];
  }

  /**
   * Payloads with number > blockNumber, oldest first — what a node whose head is `blockNumber` must insert
   * to reach the committed head. Returns undefined when the window no longer reaches back that far (the
   * node cannot catch up from here), and [] when the node is at or past the head.
   */
  payloadsAfter(blockNumber: bigint): CommittedPayload[] | undefined {
    const first = this.entries[0];
    const head = this.head();
    if (first === undefined || head === undefined) return [];
    if (blockNumber >= head.blockNumber) return [];
    if (blockNumber + 1n < first.blockNumber) return undefined;
    return this.entries.slice(Number(blockNumber + 1n - first.blockNumber));
  }

  /** The whole window, oldest first. */
  window(): readonly CommittedPayload[] {
    return this.entries;
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.snapshotEntries());
  }

  /**
   * The same snapshot, cut now (the window as it is at this call) and encoded without holding the event
   * loop for the whole window (encodeSnapshotInSteps): what Raft uses beside the commit path.
   */
  snapshotInSteps(): Promise<Uint8Array> {
    return encodeSnapshotInSteps(this.snapshotEntries());
  }

  /** The newest payloads within snapshotBytes, at least two (or all there are), oldest first. */
  private snapshotEntries(): Uint8Array[] {
    let from = this.entries.length;
    let bytes = 0;
    while (from > 0) {
      const size = this.entries[from - 1]!.data.byteLength;
      if (this.entries.length - from >= MIN_WINDOW_ENTRIES && bytes + size > this.snapshotBytes) break;
      bytes += size;
      from--;
    }
    return this.entries.slice(from).map((e) => e.data);
  }

  /**
   * Replace the state with a snapshot's. Throws SnapshotError (and leaves the state untouched) if the
   * snapshot is corrupt, undecodable or not a contiguous chain. Keeps the newest entries within both bounds.
   */
  restore(bytes: Uint8Array): void {
    const { entries } = decodeSnapshot(bytes);
    const restored: CommittedPayload[] = [];
    for (const [i, data] of entries.entries()) {
      let decoded: DecodedEnvelope;
      try {
        decoded = decodeEnvelope(data);
      } catch (err) {
        throw new SnapshotError(`snapshot entry ${i}: ${(err as Error).message}`);
      }
      const prev: BlockRef | undefined = restored[restored.length - 1];
      const verdict = checkExtension(prev, decoded);
      if (verdict.kind !== 'extends') {
        throw new SnapshotError(
          `snapshot entry ${i}: ${verdict.kind === 'rejected' ? verdict.error : 'duplicate block'}`,
        );
      }
      restored.push(committedPayload(decoded, data));
    }
    this.entries = restored;
    this.bytes = restored.reduce((sum, e) => sum + e.data.byteLength, 0);
    this.trim();
  }
}
