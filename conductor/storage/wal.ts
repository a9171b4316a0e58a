/**
 * The write-ahead log: an ordered list of segment files, the last of which is open for appending.
 * One persist() becomes one Batch record written with a single writev that is durable when it returns
 * (group commit): segments are opened with O_DSYNC, which is one fdatasync of the written range done
 * inside the write call — one trip to the I/O thread pool per batch instead of two. Creating or
 * deleting a segment adds one directory fsync.
 *
 * Segments are preallocated (preallocate.ts): a new segment is a zero-filled spare renamed into place,
 * so appends overwrite allocated blocks and the sync flushes data without a journal commit. Recovery
 * reads zeros after the last record as the end of the log (a record's type byte is never 0).
 *
 * Failure discipline: if a write fails for lack of space (ENOSPC, EDQUOT, EFBIG) the file is cut back
 * to where the batch began so the durable prefix stays clean and a later append lands there. Any
 * other write failure may have come from the sync half of the write, after which the kernel may
 * already have dropped the dirty pages it could not write (the PostgreSQL "fsyncgate" lesson), so the
 * WAL refuses all further writes until the process restarts and re-reads the disk.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Entry, HardState } from '../raft/types.js';
import { BatchFormatError, decodeBatch, encodeBatch } from './batch.js';
import type { BatchOp } from './batch.js';
import { OUT_OF_SPACE_CODES, StorageCorruptionError, StorageFullError, StorageIOError } from './errors.js';
import { fsyncDir, removeIfExists, writeFully } from './fsutil.js';
import { LogInconsistency, LogView } from './log-view.js';
import type { StorageLogger } from './logger.js';
import { Preallocator } from './preallocate.js';
import { encodeRecord, recordBytes, RecordType } from './record.js';
import { encodeMeta, parseSegmentName, scanSegment, segmentFileName } from './segment.js';

export interface WalOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly sync: boolean;
  /** Keep a zero-filled spare ready to become the next segment (preallocate.ts). */
  readonly preallocate: boolean;
  readonly logger: StorageLogger;
}

/** What replaying every segment produced (before the snapshot is applied). */
export interface WalRecovery {
  readonly hardState: HardState | null;
  readonly log: LogView<Entry>;
  /**
   * Damaged tails that were cut off. A crash in the middle of a write leaves one (that batch was never
   * acknowledged), but so does damage to records that were: recovery cannot tell the two apart, so the
   * caller treats any repair as a possible loss of acknowledged entries (RestoredState.recovering).
   */
  readonly repairs: readonly WalRepair[];
}

export interface WalRepair {
  readonly file: string;
  readonly offset: number;
  readonly reason: string;
}

/** Counters for metrics and for tests that check the one-fdatasync-per-batch promise. */
export interface WalStats {
  walSyncs: number;
  dirSyncs: number;
  batches: number;
  bytesWritten: number;
  segmentsCreated: number;
  /** Of those, segments that began as a zero-filled spare (preallocate.ts). */
  segmentsPreallocated: number;
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
  /** Bytes of records (the next append goes here). */
  size: number;
  /** Length of the file; appends below it overwrite preallocated zeros. */
  allocated: number;
}

/** Errors after which cutting the file back leaves the WAL consistent and usable. */
const OUT_OF_SPACE = OUT_OF_SPACE_CODES;

export class Wal {
  readonly stats: WalStats = {
    walSyncs: 0,
    dirSyncs: 0,
    batches: 0,
    bytesWritten: 0,
    segmentsCreated: 0,
    segmentsPreallocated: 0,
    segmentsRemoved: 0,
    lastSyncMs: 0,
  };
  private failed: Error | null = null;
  private readonly spares: Preallocator | null;

  private constructor(
    private readonly options: WalOptions,
    private readonly segments: SegmentInfo[],
    private active: ActiveSegment | null,
    private nextSeq: number,
  ) {
    this.spares = options.preallocate
      ? new Preallocator({
          dir: options.dir,
          bytes: options.segmentBytes,
          sync: options.sync,
          logger: options.logger,
        })
      : null;
  }

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
    const repairs: WalRepair[] = [];

    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const file = path.join(dir, name.file);
      const prev = names[i - 1];
      if (prev && name.seq !== prev.seq + 1) {
        throw new StorageCorruptionError(file, 0, `segment ${prev.seq + 1} is missing before this one`);
      }
      const isLast = i === names.length - 1;
      const contents = await fs.readFile(file);
      const scanned = scanSegment(contents, file, name.seq, isLast);
      let allocated = contents.length;
      nextSeq = name.seq + 1;
      if (scanned.torn) {
        logger.warn(
          { file, offset: scanned.validBytes, reason: scanned.torn.reason },
          'truncating torn write at the tail of the WAL (an unacknowledged batch was cut short by a crash)',
        );
        // A segment whose meta record itself is torn (and holds no valid record after it) was being
        // created: nothing in it was ever acknowledged. A torn batch may have been.
        if (scanned.validBytes > 0)
          repairs.push({ file, offset: scanned.validBytes, reason: scanned.torn.reason });
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
        allocated = scanned.validBytes;
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
      if (isLast) {
        active = { info, fh: await openForAppend(file, options.sync), size: scanned.validBytes, allocated };
      }
    }
    return { wal: new Wal(options, segments, active, nextSeq), recovery: { hardState, log, repairs } };
  }

  /**
   * Appends one batch durably. `firstIndex` names a new segment if one is needed; `hardState` (the
   * latest durable one) is repeated at the start of every new segment so deleting old segments never
   * loses term and vote.
   */
  async append(ops: readonly BatchOp[], firstIndex: number, hardState: HardState | null): Promise<void> {
    if (this.failed) throw this.failed;
    if (ops.length === 0) return;
    // The first append starts the first spare, so opening a WAL only to read it costs no disk writes.
    this.spares?.prepare();
    const payload = encodeBatch(ops);
    if (this.active === null || this.needsNewSegment(this.active, recordBytes(payload))) {
      const carry = hardState && !ops.some((op) => op.kind === 'hardState');
      await this.appendToNewSegment(carry ? [{ kind: 'hardState', hardState }, ...ops] : ops, firstIndex);
    } else {
      await this.appendToActive(this.active, payload);
    }
    this.stats.batches++;
    const info = this.active!.info;
    for (const op of ops) if (op.kind === 'entry') info.maxIndex = Math.max(info.maxIndex, op.entry.index);
  }

  /**
   * A full segment is followed by a new one; so is a segment the batch would have to grow when a
   * preallocated spare is ready (a segment left by a crash or an older version, or one made while no
   * spare was ready). Never waits for a spare: without one, a segment grows by appending.
   */
  private needsNewSegment(active: ActiveSegment, batchBytes: number): boolean {
    if (active.size >= this.options.segmentBytes) return true;
    return active.size + batchBytes > active.allocated && this.spares?.hasSpare === true;
  }

  private async appendToActive(active: ActiveSegment, payload: readonly Uint8Array[]): Promise<void> {
    const offset = active.size;
    const chunks = encodeRecord(RecordType.Batch, payload, { seq: active.info.seq, offset });
    const t0 = performance.now();
    let written: number;
    try {
      written = await writeFully(active.fh, chunks, offset);
    } catch (err) {
      throw await this.writeFailed(active, offset, err);
    }
    this.countSync(t0);
    active.size += written;
    active.allocated = Math.max(active.allocated, active.size);
    this.stats.bytesWritten += written;
  }

  /**
   * Out of space: cut the partial record off so the next append starts on a clean boundary. Anything
   * else may be a failed sync (see the top of this file): stop writing until a restart.
   */
  private async writeFailed(active: ActiveSegment, offset: number, err: unknown): Promise<StorageIOError> {
    const file = active.info.file;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (this.options.sync && !OUT_OF_SPACE.has(code)) {
      this.failed = new StorageIOError(
        `durable write to ${file} failed; restart to re-read the WAL from disk`,
        err,
      );
      return this.failed as StorageIOError;
    }
    try {
      await active.fh.truncate(offset);
      active.allocated = offset;
    } catch (truncErr) {
      this.failed = new StorageIOError(
        `WAL ${file} could not be restored to ${offset} bytes after a failed write; restart to recover`,
        truncErr,
      );
    }
    if (this.failed) return this.failed as StorageIOError;
    const message = `WAL write to ${file} failed; the batch was not persisted`;
    return OUT_OF_SPACE.has(code) ? new StorageFullError(message, err) : new StorageIOError(message, err);
  }

  private countSync(startedAt: number): void {
    if (!this.options.sync) return;
    this.stats.lastSyncMs = performance.now() - startedAt;
    this.stats.walSyncs++;
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
    let allocated = 0;
    try {
      const spare = this.spares?.hasSpare ? await this.spares.take() : null;
      if (spare !== null) {
        // A zero-filled spare becomes the segment; the directory fsync below makes the rename durable.
        await fs.rename(spare, file);
        allocated = this.options.segmentBytes;
      }
      fh = await openForAppend(file, this.options.sync, spare === null);
      const t0 = performance.now();
      written = await writeFully(fh, [...meta, ...batch], 0);
      this.countSync(t0);
      if (this.options.sync) await fsyncDir(this.options.dir);
      if (this.options.sync) this.stats.dirSyncs++;
    } catch (err) {
      // The old segment is untouched; drop the new file so recovery never sees a half-made segment.
      await fh?.close().catch(() => undefined);
      await removeIfExists(file).catch(() => undefined);
      const message = `creating WAL segment ${file} failed; the batch was not persisted`;
      throw OUT_OF_SPACE.has((err as NodeJS.ErrnoException).code ?? '')
        ? new StorageFullError(message, err)
        : new StorageIOError(message, err);
    }
    this.nextSeq++;
    const previous = this.active;
    const info: SegmentInfo = { seq, file, maxIndex: 0 };
    this.segments.push(info);
    this.active = { info, fh, size: written, allocated: Math.max(allocated, written) };
    this.stats.bytesWritten += written;
    this.stats.segmentsCreated++;
    if (allocated > 0) this.stats.segmentsPreallocated++;
    this.spares?.segmentStarted();
    await previous?.fh.close();
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
    await this.spares?.close();
  }
}

/**
 * Opens a segment for appending: read-write, and with O_DSYNC when syncing so each write returns only
 * once its data is on disk. `create` makes a new file and refuses to replace one.
 */
function openForAppend(file: string, sync: boolean, create = false): Promise<FileHandle> {
  const { O_RDWR, O_CREAT, O_EXCL, O_DSYNC } = fsConstants;
  return fs.open(file, O_RDWR | (create ? O_CREAT | O_EXCL : 0) | (sync ? O_DSYNC : 0));
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
