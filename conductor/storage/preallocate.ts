/**
 * Keeps one zero-filled, synced spare file ready to become the next WAL segment.
 *
 * Why: an append that grows a file makes fdatasync commit the new file size through the filesystem
 * journal as well as the data; an overwrite inside a file whose blocks are already allocated and
 * written flushes the data alone. Measured here on 100 KB batches: 0.25 → 0.19 ms alone, 0.48 → 0.30
 * ms with three writers on the disk, 0.70 → 0.36 ms at 1 MB. The zeros have to be written for real:
 * ftruncate leaves a hole and fallocate leaves "unwritten" extents, and the first write into either
 * still needs a journal commit. (etcd preallocates its segments too; PostgreSQL zero-fills its WAL files.)
 *
 * The fill runs in the background while the current segment takes appends, in chunks with a
 * fdatasync every few MiB so the disk never has a large dirty backlog in front of a commit's flush.
 * Any file of zeros is a valid spare — recovery reads zeros after the last record as the end of the
 * log — so a spare left by a crash mid-fill is reused as it is. If filling fails (a full disk), the
 * WAL falls back to growing segments by appending, and tries again at the next segment.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { removeIfExists, writeFully } from './fsutil.js';
import type { StorageLogger } from './logger.js';

export const SPARE_FILE = 'next-segment.spare';

const CHUNK_BYTES = 1024 * 1024;
const SYNC_EVERY_BYTES = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);

export interface PreallocatorOptions {
  readonly dir: string;
  /** Size of each spare: the WAL's segment size. */
  readonly bytes: number;
  readonly sync: boolean;
  readonly logger: StorageLogger;
}

export class Preallocator {
  private filling: Promise<boolean> | null = null;
  private ready = false;
  private closed = false;
  /** A fill failed or was skipped: no new attempt until the WAL starts another segment. */
  private blocked = false;
  readonly file: string;

  constructor(private readonly options: PreallocatorOptions) {
    this.file = path.join(options.dir, SPARE_FILE);
  }

  /** True when a complete spare is waiting (taking it will not wait for the disk). */
  get hasSpare(): boolean {
    return this.ready;
  }

  /** Starts preparing a spare unless one is ready or being prepared. */
  prepare(): void {
    if (this.closed || this.ready || this.blocked || this.filling !== null) return;
    this.filling = this.fill().then(
      (ok) => {
        this.filling = null;
        this.ready = ok && !this.closed;
        this.blocked = !ok;
        return this.ready;
      },
      () => {
        this.filling = null;
        this.blocked = true;
        return false;
      },
    );
  }

  /**
   * Hands over the spare's path (the caller renames it into place) after waiting for a fill in
   * progress; null if there is none or it failed. The next spare starts filling right away.
   */
  async take(): Promise<string | null> {
    if (!this.ready && this.filling !== null) await this.filling;
    if (!this.ready) return null;
    this.ready = false;
    return this.file;
  }

  /** The WAL started a new segment (from the spare or not): prepare the next spare. */
  segmentStarted(): void {
    this.blocked = false;
    this.prepare();
  }

  /** Stops filling; the spare (complete or not) stays for the next open to reuse. */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
  }

  private async fill(): Promise<boolean> {
    const { bytes, sync, logger } = this.options;
    let size = 0;
    try {
      size = (await fs.stat(this.file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (size >= bytes) return true;
    // Never take the last of the disk: what is left after the spare must still hold a segment.
    const { bavail, bsize } = await fs.statfs(this.options.dir);
    if (bavail * bsize < 2 * (bytes - size)) {
      logger.warn(
        { dir: this.options.dir, freeBytes: bavail * bsize, segmentBytes: bytes },
        'disk nearly full: not preallocating the next WAL segment; free space or grow the volume',
      );
      return false;
    }
    const fh = await fs.open(this.file, size === 0 ? 'w' : 'r+');
    try {
      let unsynced = 0;
      for (let offset = size; offset < bytes && !this.closed;) {
        const n = Math.min(CHUNK_BYTES, bytes - offset);
        offset += await writeFully(fh, [ZEROS.subarray(0, n)], offset);
        unsynced += n;
        if (sync && unsynced >= SYNC_EVERY_BYTES) {
          await fh.datasync();
          unsynced = 0;
        }
      }
      if (this.closed) return false;
      if (sync) await fh.sync();
      return true;
    } catch (err) {
      logger.warn(
        { file: this.file, bytes, err: (err as Error).message },
        'could not preallocate the next WAL segment (is the disk nearly full?); segments will grow as they are written',
      );
      await removeIfExists(this.file).catch(() => undefined);
      return false;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
}
