/** Small filesystem helpers shared by the WAL and the snapshot store. */
import fs from 'node:fs/promises';

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
