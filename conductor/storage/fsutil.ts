/** Small filesystem helpers shared by the WAL and the snapshot store. */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * fsync a directory so that file creations, renames and deletions in it survive a crash (on Linux a
 * new file's data can be durable while its directory entry is not).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Removes a file, ignoring "already gone". */
export async function removeIfExists(file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Writes all chunks at `position`. A short write (the kernel stopped partway, e.g. the disk filled) is
 * retried for the remainder so the caller sees the real errno (ENOSPC) instead of a silent shortfall.
 */
export async function writeFully(
  fh: FileHandle,
  chunks: readonly Uint8Array[],
  position: number,
): Promise<number> {
  let expected = 0;
  for (const c of chunks) expected += c.length;
  let done = 0;
  let pending = chunks;
  while (done < expected) {
    const { bytesWritten } = await fh.writev(pending as Uint8Array[], position + done);
    if (bytesWritten === 0) {
      throw Object.assign(new Error(`write made no progress at ${position + done}`), { code: 'EIO' });
    }
    done += bytesWritten;
    pending = skipBytes(pending, bytesWritten);
  }
  return done;
}

function skipBytes(chunks: readonly Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = n;
  for (const c of chunks) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    out.push(skip > 0 ? c.subarray(skip) : c);
    skip = 0;
  }
  return out;
}
