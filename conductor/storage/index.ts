/**
 * RaftStorage: the durable state of one Raft node — log entries, hard state (term, vote, commit) and
 * snapshots — in one directory:
 *
 *   LOCK                                  owner of the directory (lock.ts)
 *   <seq>-<firstIndex>.wal                WAL segments (segment.ts, wal.ts)
 *   snap-<index>-<term>.snap              snapshots (snapshots.ts)
 *
 * persist() implements the Ready contract of ../raft/types.ts: snapshot, then entries (replacing a
 * conflicting suffix), then hard state — as one WAL record and one fdatasync. A received snapshot is
 * written to its own file first (its own fsyncs; rare) and then referenced by a mark in the same WAL
 * record, so replay knows where the log restarts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Entry, HardState, Snapshot } from '../raft/types.js';
import type { BatchOp } from './batch.js';
import { StorageCorruptionError } from './errors.js';
import { DirectoryLock } from './lock.js';
import { LogView } from './log-view.js';
import { stderrLogger } from './logger.js';
import type { StorageLogger } from './logger.js';
import { SnapshotStore } from './snapshots.js';
import { applyOp, Wal } from './wal.js';
import type { WalStats } from './wal.js';

export { StorageCorruptionError, StorageIOError } from './errors.js';
export type { StorageLogger } from './logger.js';
export type { WalStats } from './wal.js';

export interface StorageOptions {
  dir: string;
  /** A new segment is started once the current one reaches this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Snapshot files kept on disk (the newest is always kept). Default 2. */
  retainSnapshots?: number;
  logger?: StorageLogger;
  /** Default true. false skips every fsync: only for tests that want simulation speed. */
  sync?: boolean;
  /**
   * Default true (with sync): new segments are zero-filled spares prepared in the background, so
   * appends do not grow files (see preallocate.ts). false: segments grow as they are written.
   */
  preallocate?: boolean;
}

export interface RestoredState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Contiguous, starting right after snapshot.meta.index (or at index 1). */
  entries: Entry[];
}

export interface PersistBatch {
  snapshot: Snapshot | null;
  entries: readonly Entry[];
  hardState: HardState | null;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

export class RaftStorage {
  /** Every mutation runs after the previous one settles: the WAL has one writer. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A snapshot mark whose snapshot file is durable but whose WAL batch failed: goes in the next batch. */
  private pendingMark: BatchOp | null = null;
  private closed = false;

  private constructor(
    private readonly lock: DirectoryLock,
    private readonly wal: Wal,
    private readonly snapshots: SnapshotStore,
    private readonly logger: StorageLogger,
    private readonly restoredState: RestoredState,
    /** Terms of the entries the node may still truncate or refer to (after the compacted prefix). */
    private readonly log: LogView<number>,
    private hardState: HardState,
  ) {}

  /** Creates the directory if missing, locks it, and recovers the durable state. */
  static async open(options: StorageOptions): Promise<RaftStorage> {
    const dir = path.resolve(options.dir);
    const logger = options.logger ?? stderrLogger;
    const sync = options.sync ?? true;
    await fs.mkdir(dir, { recursive: true });
    const lock = await DirectoryLock.acquire(dir);
    try {
      const snapshots = new SnapshotStore({ dir, retain: options.retainSnapshots ?? 2, sync, logger });
      const snapshot = await snapshots.recover();
      const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
      const preallocate = sync && (options.preallocate ?? true);
      const { wal, recovery } = await Wal.open({ dir, segmentBytes, sync, preallocate, logger });
      const log = recovery.log;
      const covered = snapshot ? snapshot.meta.index : 0;
      if (log.start !== null && log.start > covered + 1) {
        await wal.close();
        throw new StorageCorruptionError(
          wal.segmentFiles()[0] ?? dir,
          0,
          `the log begins at index ${log.start} but the newest valid snapshot covers only up to ${covered}, ` +
            'so entries in between are lost (a snapshot file is missing or damaged)',
        );
      }
      if (snapshot) log.applySnapshot(snapshot.meta.index, snapshot.meta.term);
      const hardState = recovery.hardState ?? EMPTY_HARD_STATE;
      const runtime = new LogView<number>(log.start ?? covered + 1, (t) => t);
      runtime.items = log.items.map((e) => e.term);
      logger.info(
        {
          dir,
          snapshotIndex: covered,
          firstIndex: runtime.start,
          lastIndex: runtime.lastIndex,
          ...hardState,
        },
        'raft storage recovered',
      );
      const restored: RestoredState = { hardState, snapshot, entries: log.items };
      return new RaftStorage(lock, wal, snapshots, logger, restored, runtime, hardState);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** What open() recovered. */
  restored(): RestoredState {
    return this.restoredState;
  }

  /**
   * Persists one Ready: `snapshot` (received from a leader), then `entries` (entries[0].index may be
   * ≤ the last stored index: the stored suffix from there is replaced), then `hardState`. Resolves once
   * all of it is durable (one fdatasync of the WAL); on rejection nothing of the batch's WAL part is
   * durable and the previously durable state is intact.
   */
  persist(batch: PersistBatch): Promise<void> {
    return this.enqueue(async () => {
      const ops: BatchOp[] = [];
      if (this.pendingMark) ops.push(this.pendingMark);
      if (batch.snapshot) {
        const mark = await this.installSnapshot(batch.snapshot);
        if (mark) ops.push(mark);
      }
      const { entries } = batch;
      const first = entries[0];
      if (first) {
        checkContiguous(entries);
        const start = this.log.start!;
        const next = this.log.next!;
        if (first.index > next) {
          throw new Error(`entries start at ${first.index} but the log ends at ${next - 1}: a gap`);
        }
        if (first.index < start) {
          throw new Error(
            `entries start at ${first.index}, inside the compacted/snapshotted prefix (< ${start})`,
          );
        }
        if (first.index < next) ops.push({ kind: 'truncate', from: first.index });
        for (const entry of entries) ops.push({ kind: 'entry', entry });
      }
      if (batch.hardState) ops.push({ kind: 'hardState', hardState: batch.hardState });
      await this.wal.append(ops, this.log.next!, this.hardState);
      this.pendingMark = null;
      for (const op of ops) {
        // The snapshot was applied to the view already (its file is durable); apply the rest now.
        if (op.kind === 'entry' || op.kind === 'truncate') applyOp(this.log, op, (e) => e.term);
      }
      if (batch.hardState) this.hardState = batch.hardState;
    });
  }

  /** Stores a snapshot the node took itself (atomically). The log is untouched until compact(). */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.enqueue(async () => {
      const { index, term } = snapshot.meta;
      const latest = this.snapshots.latest;
      if (latest && index <= latest.meta.index) {
        if (index === latest.meta.index && term === latest.meta.term) return;
        throw new Error(`snapshot at ${index} is not newer than the stored one at ${latest.meta.index}`);
      }
      const stored = this.log.termAt(index);
      if (stored !== undefined && stored !== term) {
        throw new Error(`snapshot claims term ${term} at index ${index} but the log has term ${stored}`);
      }
      await this.snapshots.save(snapshot);
    });
  }

  latestSnapshot(): Snapshot | null {
    return this.snapshots.latest;
  }

  /**
   * Deletes whole segments whose entries are all ≤ throughIndex. Clamped to the latest snapshot: entries
   * no snapshot covers are never deleted, whatever the caller asks.
   */
  compact(throughIndex: number): Promise<void> {
    return this.enqueue(async () => {
      const covered = this.snapshots.latest?.meta.index ?? 0;
      if (throughIndex > covered) {
        this.logger.warn(
          { throughIndex, snapshotIndex: covered },
          'compaction clamped to the latest snapshot',
        );
      }
      const through = Math.min(throughIndex, covered);
      await this.wal.compact(through);
      this.log.dropThrough(through);
    });
  }

  /** Counters: WAL fdatasyncs, directory fsyncs, batches, bytes, segments (for metrics and tests). */
  stats(): Readonly<WalStats> {
    return { ...this.wal.stats };
  }

  /** Waits for queued work, closes the WAL and releases the directory lock. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      await this.wal.close();
      await this.lock.release();
    });
  }

  private async installSnapshot(snapshot: Snapshot): Promise<BatchOp | null> {
    const { index, term } = snapshot.meta;
    const latest = this.snapshots.latest;
    if (latest && index <= latest.meta.index) {
      this.logger.warn(
        { index, term, latestIndex: latest.meta.index },
        'ignoring a received snapshot that is not newer than the stored one',
      );
      return null;
    }
    // Durable before the WAL refers to it: recovery must never see a mark without its snapshot.
    await this.snapshots.save(snapshot);
    this.log.applySnapshot(index, term);
    this.pendingMark = { kind: 'snapMark', index, term };
    return this.pendingMark;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error('raft storage is closed');
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function checkContiguous(entries: readonly Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.index !== entries[i - 1]!.index + 1) {
      throw new Error(`entries are not contiguous at ${entries[i - 1]!.index} → ${entries[i]!.index}`);
    }
  }
}
