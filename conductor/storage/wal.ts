/**
 * The write-ahead log: an ordered list of segment files, the last of which is open for appending.
 * One persist() becomes one Batch record written with a single writev and made durable with a single
 * fdatasync (group commit); creating or deleting a segment adds one directory fsync.
 *
 * Failure discipline: if a write fails (ENOSPC) the file is cut back to its last synced length so the
 * durable prefix stays clean and a later append lands where the failed one began. If fdatasync itself
 * fails, the kernel may already have dropped the dirty pages it could not write (the PostgreSQL
 * "fsyncgate" lesson), so the WAL refuses all further writes until the process restarts and re-reads
 * the disk.
 */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Entry, HardState } from '../raft/types.js';
import { BatchFormatError, decodeBatch, encodeBatch } from './batch.js';
import type { BatchOp } from './batch.js';
import { StorageCorruptionError, StorageIOError } from './errors.js';
import { fsyncDir, removeIfExists, writeFully } from './fsutil.js';
import { LogInconsistency, LogView } from './log-view.js';
import type { StorageLogger } from './logger.js';
import { encodeRecord, RecordType } from './record.js';
import { encodeMeta, parseSegmentName, scanSegment, segmentFileName } from './segment.js';

export interface WalOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly sync: boolean;
  readonly logger: StorageLogger;
}

/** What replaying every segment produced (before the snapshot is applied). */
export interface WalRecovery {
  readonly hardState: HardState | null;
  readonly log: LogView<Entry>;
}

/** Counters for metrics and for tests that check the one-fdatasync-per-batch promise. */
export interface WalStats {
  walSyncs: number;
  dirSyncs: number;
  batches: number;
  bytesWritten: number;
  segmentsCreated: number;
  segmentsRemoved: number;
  lastSyncMs: number;
}

interface SegmentInfo {
  readonly seq: number;
  readonly file: string;
  /** Highest entry index ever written to this segment (0: none); decides when compaction may drop it. */
  maxIndex: number;
}

interface ActiveSegment {
  readonly info: SegmentInfo;
  readonly fh: FileHandle;
  size: number;
}

export class Wal {
  readonly stats: WalStats = {
    walSyncs: 0,
    dirSyncs: 0,
    batches: 0,
    bytesWritten: 0,
    segmentsCreated: 0,
    segmentsRemoved: 0,
    lastSyncMs: 0,
  };
  private failed: Error | null = null;

  private constructor(
    private readonly options: WalOptions,
    private readonly segments: SegmentInfo[],
    private active: ActiveSegment | null,
    private nextSeq: number,
  ) {}

  /** Replays every segment, repairs a torn tail, and opens the last segment for appending. */
  static async open(options: WalOptions): Promise<{ wal: Wal; recovery: WalRecovery }> {
    const { dir, logger } = options;
    const names = (await fs.readdir(dir))
      .map(parseSegmentName)
      .filter((n) => n !== null)
      .sort((a, b) => a.seq - b.seq);
    const log = new LogView<Entry>(null, (e) => e.term);
    let hardState: HardState | null = null;
    const segments: SegmentInfo[] = [];
    let active: ActiveSegment | null = null;
    let nextSeq = 1;

    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const file = path.join(dir, name.file);
      const prev = names[i - 1];
      if (prev && name.seq !== prev.seq + 1) {
        throw new StorageCorruptionError(file, 0, `segment ${prev.seq + 1} is missing before this one`);
      }
      const isLast = i === names.length - 1;
      const scanned = scanSegment(await fs.readFile(file), file, name.seq, isLast);
      nextSeq = name.seq + 1;
      if (scanned.torn) {
        logger.warn(
          { file, offset: scanned.validBytes, reason: scanned.torn.reason },
          'truncating torn write at the tail of the WAL (an unacknowledged batch was cut short by a crash)',
        );
        if (scanned.validBytes === 0) {
          // Not even the meta record made it: the segment was being created. Reuse its seq.
          await removeIfExists(file);
          if (options.sync) await fsyncDir(dir);
          nextSeq = name.seq;
          continue;
        }
        const fh = await fs.open(file, 'r+');
        try {
          await fh.truncate(scanned.validBytes);
          if (options.sync) await fh.sync();
        } finally {
          await fh.close();
        }
      }
      const info: SegmentInfo = { seq: name.seq, file, maxIndex: 0 };
      for (const batch of scanned.batches) {
        try {
          for (const op of decodeBatch(batch.payload)) {
            if (op.kind === 'hardState') hardState = op.hardState;
            applyOp(log, op, (e) => e);
            if (op.kind === 'entry') info.maxIndex = Math.max(info.maxIndex, op.entry.index);
          }
        } catch (err) {
          if (err instanceof LogInconsistency || err instanceof BatchFormatError) {
            throw new StorageCorruptionError(file, batch.offset, err.message);
          }
          throw err;
        }
      }
      segments.push(info);
      if (isLast) active = { info, fh: await fs.open(file, 'r+'), size: scanned.validBytes };
    }
    return { wal: new Wal(options, segments, active, nextSeq), recovery: { hardState, log } };
  }

  /**
   * Appends one batch durably. `firstIndex` names a new segment if one is needed; `hardState` (the
   * latest durable one) is repeated at the start of every new segment so deleting old segments never
   * loses term and vote.
   */
  async append(ops: readonly BatchOp[], firstIndex: number, hardState: HardState | null): Promise<void> {
    if (this.failed) throw this.failed;
    if (ops.length === 0) return;
    if (!this.active || this.active.size >= this.options.segmentBytes) {
      const carry = hardState && !ops.some((op) => op.kind === 'hardState');
      await this.appendToNewSegment(carry ? [{ kind: 'hardState', hardState }, ...ops] : ops, firstIndex);
    } else {
      await this.appendToActive(this.active, ops);
    }
    this.stats.batches++;
    const info = this.active!.info;
    for (const op of ops) if (op.kind === 'entry') info.maxIndex = Math.max(info.maxIndex, op.entry.index);
  }

  private async appendToActive(active: ActiveSegment, ops: readonly BatchOp[]): Promise<void> {
    const offset = active.size;
    const chunks = encodeRecord(RecordType.Batch, encodeBatch(ops), { seq: active.info.seq, offset });
    let written: number;
    try {
      written = await writeFully(active.fh, chunks, offset);
    } catch (err) {
      // Cut the partial record off so the next append starts on a clean boundary.
      try {
        await active.fh.truncate(offset);
      } catch (truncErr) {
        this.failed = new StorageIOError(
          `WAL ${active.info.file} could not be restored to ${offset} bytes after a failed write; restart to recover`,
          truncErr,
        );
      }
      throw new StorageIOError(`WAL write to ${active.info.file} failed; the batch was not persisted`, err);
    }
    await this.datasync(active.fh, active.info.file);
    active.size += written;
    this.stats.bytesWritten += written;
  }

  private async appendToNewSegment(ops: readonly BatchOp[], firstIndex: number): Promise<void> {
    const seq = this.nextSeq;
    const file = path.join(this.options.dir, segmentFileName(seq, firstIndex));
    const meta = encodeMeta(seq, firstIndex);
    let metaBytes = 0;
    for (const c of meta) metaBytes += c.length;
    const batch = encodeRecord(RecordType.Batch, encodeBatch(ops), { seq, offset: metaBytes });
    let fh: FileHandle | null = null;
    let written: number;
    try {
      fh = await fs.open(file, 'wx');
      written = await writeFully(fh, [...meta, ...batch], 0);
      if (this.options.sync) await this.timedSync(fh);
      if (this.options.sync) await fsyncDir(this.options.dir);
      if (this.options.sync) this.stats.dirSyncs++;
    } catch (err) {
      // The old segment is untouched; drop the new file so recovery never sees a half-made segment.
      await fh?.close().catch(() => undefined);
      await removeIfExists(file).catch(() => undefined);
      throw new StorageIOError(`creating WAL segment ${file} failed; the batch was not persisted`, err);
    }
    this.nextSeq++;
    const previous = this.active;
    const info: SegmentInfo = { seq, file, maxIndex: 0 };
    this.segments.push(info);
    this.active = { info, fh, size: written };
    this.stats.bytesWritten += written;
    this.stats.segmentsCreated++;
    await previous?.fh.close();
  }

  private async datasync(fh: FileHandle, file: string): Promise<void> {
    if (!this.options.sync) return;
    try {
      await this.timedSync(fh);
    } catch (err) {
      this.failed = new StorageIOError(
        `fdatasync of ${file} failed; restart to re-read the WAL from disk`,
        err,
      );
      throw this.failed;
    }
  }

  private async timedSync(fh: FileHandle): Promise<void> {
    const t0 = performance.now();
    await fh.datasync();
    this.stats.lastSyncMs = performance.now() - t0;
    this.stats.walSyncs++;
  }

  /** Deletes the oldest segments whose entries are all ≤ through (never the active one). */
  async compact(through: number): Promise<number> {
    if (this.failed) throw this.failed;
    let removed = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest === this.active?.info || oldest.maxIndex > through) break;
      await removeIfExists(oldest.file);
      this.segments.shift();
      removed++;
      this.stats.segmentsRemoved++;
      // One directory fsync per deletion, oldest first: a crash can then only leave a contiguous run of
      // segments, never a hole that recovery would have to treat as a lost file.
      if (this.options.sync) {
        await fsyncDir(this.options.dir);
        this.stats.dirSyncs++;
      }
    }
    return removed;
  }

  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  async close(): Promise<void> {
    const active = this.active;
    this.active = null;
    this.failed ??= new Error('WAL is closed');
    await active?.fh.close();
  }
}

/** Applies one batch operation to a log view; `item` maps an entry to what the view stores. */
export function applyOp<T>(log: LogView<T>, op: BatchOp, item: (e: Entry) => T): void {
  switch (op.kind) {
    case 'entry':
      log.append(op.entry.index, item(op.entry));
      break;
    case 'truncate':
      log.truncate(op.from);
      break;
    case 'snapMark':
      log.applySnapshot(op.index, op.term);
      break;
    case 'hardState':
      break;
  }
}
