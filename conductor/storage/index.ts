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
import type { Entry, HardState, PersistBatch, Snapshot } from '../raft/types.js';
import type { BatchOp } from './batch.js';
import { StorageCorruptionError, StorageFullError } from './errors.js';
import { DirectoryLock } from './lock.js';
import { LogView } from './log-view.js';
import { stderrLogger } from './logger.js';
import type { StorageLogger } from './logger.js';
import { SnapshotStore } from './snapshots.js';
import { applyOp, Wal } from './wal.js';
import type { WalRepair, WalStats } from './wal.js';
import { fsyncDir, removeIfExists } from './fsutil.js';

export { StorageCorruptionError, StorageFullError, StorageIOError } from './errors.js';
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
  /**
   * Why entries this member acknowledged may be gone (a repaired WAL tail, now or at an earlier start that
   * has not been followed by markRecovered()), or null. The RECOVERING file holds it across restarts.
   */
  recovering: string | null;
}

/** Present while the member may lack entries it acknowledged; removed by markRecovered(). */
export const RECOVERING_FILE = 'RECOVERING';

export type { PersistBatch } from '../raft/types.js';

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

/** Runs each job after the previous one settles; a failed job does not stop the ones after it. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Settles once every job queued so far has. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}

export class RaftStorage {
  /** Every mutation runs after the previous one settles: the WAL has one writer. */
  private readonly queue = new SerialQueue();
  /**
   * Snapshot files have a queue of their own: a snapshot holds the whole payload window (64 blocks of up to
   * megabytes each), and writing it on the WAL queue stalled every commit behind it for hundreds of ms.
   * The WAL never refers to a locally taken snapshot, so the two writers touch different files; a received
   * snapshot (whose mark does go into the WAL) waits here for a local save in progress.
   */
  private readonly snapshotQueue = new SerialQueue();
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
    private readonly dir: string,
    private readonly sync: boolean,
  ) {}

  /**
   * The Raft core caught this member up after a possible loss (RestoredState.recovering): forget the reason,
   * durably, so the next start votes again.
   */
  markRecovered(): Promise<void> {
    return this.enqueue(async () => {
      await removeIfExists(path.join(this.dir, RECOVERING_FILE));
      if (this.sync) await fsyncDir(this.dir);
      this.logger.info(
        { dir: this.dir },
        'caught up after the loss of the log tail: this member votes again',
      );
    });
  }

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
      const recovering = await recoveringReason(
        dir,
        recovery.repairs,
        hardState,
        runtime.lastIndex,
        sync,
        logger,
      );
      const restored: RestoredState = { hardState, snapshot, entries: log.items, recovering };
      return new RaftStorage(lock, wal, snapshots, logger, restored, runtime, hardState, dir, sync);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** What open() recovered. */
  restored(): RestoredState {
    return this.restoredState;
  }

  /** Why `error` (from persist) means the volume is out of space, or null if it means something else. */
  fullReason(error: Error): string | null {
    if (!(error instanceof StorageFullError)) return null;
    return `${error.code ?? 'ENOSPC'}: the disk holding the Raft log is full`;
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
    return this.enqueueSnapshot(async () => {
      const { index, term } = snapshot.meta;
      const latest = this.snapshots.latest;
      if (latest && index <= latest.meta.index) {
        if (index === latest.meta.index && term === latest.meta.term) return;
        throw new Error(`snapshot at ${index} is not newer than the stored one at ${latest.meta.index}`);
      }
      // Entries up to a snapshot's index are applied, hence committed: no WAL truncation can change this term.
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

  /** Waits for queued work (a snapshot being written included), closes the WAL and releases the lock. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      await this.snapshotQueue.idle();
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
    await this.enqueueSnapshot(async () => {
      const current = this.snapshots.latest;
      if (current && index <= current.meta.index) return;
      await this.snapshots.save(snapshot);
    });
    this.log.applySnapshot(index, term);
    this.pendingMark = { kind: 'snapMark', index, term };
    return this.pendingMark;
  }

  private enqueueSnapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.snapshotQueue.run(() => this.whileOpen(fn));
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(() => this.whileOpen(fn));
  }

  private whileOpen<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('raft storage is closed');
    return fn();
  }
}

/**
 * Whether this member may have lost entries it acknowledged: a repaired WAL tail now, a hard state whose
 * commit lies beyond the recovered log, or a RECOVERING file left by an earlier start. A new reason is made
 * durable before the member takes part, so a crash before it catches up cannot forget it.
 */
async function recoveringReason(
  dir: string,
  repairs: readonly WalRepair[],
  hardState: HardState,
  lastIndex: number,
  sync: boolean,
  logger: StorageLogger,
): Promise<string | null> {
  const file = path.join(dir, RECOVERING_FILE);
  const earlier = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  const reasons: string[] = repairs.map(
    (r) =>
      `the WAL tail in ${path.basename(r.file)} from offset ${r.offset} was damaged (${r.reason}) and cut off`,
  );
  if (hardState.commit > lastIndex) {
    reasons.push(
      `the hard state says index ${hardState.commit} is committed but the log ends at ${lastIndex}`,
    );
  }
  if (reasons.length === 0) return earlier === null ? null : earlier.trim();
  const reason = reasons.join('; ');
  await writeFileDurably(file, `${new Date().toISOString()} ${reason}\n`, sync);
  if (sync) await fsyncDir(dir);
  logger.warn(
    { dir, reason },
    'this member may have lost log entries it acknowledged: it will not vote or campaign until a leader has ' +
      'caught it up (see docs/runbooks.md, "A member lost the tail of its log")',
  );
  return reason;
}

async function writeFileDurably(file: string, text: string, sync: boolean): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    await fh.writeFile(text);
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
}

function checkContiguous(entries: readonly Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.index !== entries[i - 1]!.index + 1) {
      throw new Error(`entries are not contiguous at ${entries[i - 1]!.index} → ${entries[i]!.index}`);
    }
  }
}
