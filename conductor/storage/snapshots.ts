/**
 * Snapshot files: `snap-<index>-<term>.snap` (16 hex digits each), one per snapshot, written to a
 * `.tmp` file, fsynced, renamed into place and made durable with a directory fsync, so a crash leaves
 * either the old set of snapshots or the new one — never a half-written file under a real name.
 *
 *   [magic "BTNSNAP1"][metaLen u32][dataLen u64][meta JSON][data][CRC-32 of everything before, u32]
 *
 * On open the newest file whose checksum verifies wins; damaged ones are reported and skipped, stale
 * temp files (a crash mid-write) are deleted.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Snapshot, SnapshotMeta } from '../raft/types.js';
import { crc32, crc32Chunks } from './crc32.js';
import { fsyncDir, removeIfExists, writeFully } from './fsutil.js';
import { readU64, writeU64 } from './record.js';
import type { StorageLogger } from './logger.js';

const MAGIC = Buffer.from('BTNSNAP1', 'ascii');
const HEAD_BYTES = 8 + 4 + 8;
const NAME = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const TMP_SUFFIX = '.tmp';

export interface SnapshotStoreOptions {
  readonly dir: string;
  readonly retain: number;
  readonly sync: boolean;
  readonly logger: StorageLogger;
}

export class SnapshotStore {
  private latestSnapshot: Snapshot | null = null;

  constructor(private readonly options: SnapshotStoreOptions) {}

  get latest(): Snapshot | null {
    return this.latestSnapshot;
  }

  /** Loads the newest valid snapshot and removes leftovers of interrupted writes. */
  async recover(): Promise<Snapshot | null> {
    const { dir, logger } = this.options;
    const files = await fs.readdir(dir);
    for (const f of files) {
      if (f.startsWith('snap-') && f.endsWith(TMP_SUFFIX)) {
        logger.warn({ file: path.join(dir, f) }, 'removing snapshot temp file left by an interrupted write');
        await removeIfExists(path.join(dir, f));
      }
    }
    for (const name of listSnapshots(files)) {
      const file = path.join(dir, name.file);
      try {
        const snapshot = decodeSnapshot(await fs.readFile(file));
        if (snapshot.meta.index !== name.index || snapshot.meta.term !== name.term) {
          throw new Error('metadata does not match the file name');
        }
        this.latestSnapshot = snapshot;
        return snapshot;
      } catch (err) {
        logger.warn(
          { file, err: err instanceof Error ? err.message : String(err) },
          'skipping damaged snapshot file; falling back to an older one',
        );
      }
    }
    return null;
  }

  /** Writes `snapshot` durably and atomically, then prunes all but the newest `retain` files. */
  async save(snapshot: Snapshot): Promise<void> {
    const { dir, sync } = this.options;
    const final = path.join(dir, snapshotFileName(snapshot.meta));
    const tmp = final + TMP_SUFFIX;
    const chunks = encodeSnapshot(snapshot);
    const fh = await fs.open(tmp, 'w');
    try {
      await writeFully(fh, chunks, 0);
      if (sync) await fh.sync();
      await fh.close();
      await fs.rename(tmp, final);
      if (sync) await fsyncDir(dir);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await removeIfExists(tmp).catch(() => undefined);
      throw err;
    }
    this.latestSnapshot = snapshot;
    await this.prune();
  }

  /** Deletes all but the newest `retain` snapshots (never the latest). Losing a deletion is harmless. */
  private async prune(): Promise<void> {
    const { dir, retain } = this.options;
    const names = listSnapshots(await fs.readdir(dir));
    for (const name of names.slice(Math.max(1, retain))) await removeIfExists(path.join(dir, name.file));
  }
}

export function snapshotFileName(meta: Pick<SnapshotMeta, 'index' | 'term'>): string {
  return `snap-${meta.index.toString(16).padStart(16, '0')}-${meta.term.toString(16).padStart(16, '0')}.snap`;
}

/** Snapshot files in `files`, newest (highest index, then term) first. */
function listSnapshots(files: readonly string[]): { file: string; index: number; term: number }[] {
  const out: { file: string; index: number; term: number }[] = [];
  for (const file of files) {
    const m = NAME.exec(file);
    if (m) out.push({ file, index: parseInt(m[1]!, 16), term: parseInt(m[2]!, 16) });
  }
  return out.sort((a, b) => b.index - a.index || b.term - a.term);
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array[] {
  const meta = Buffer.from(JSON.stringify(snapshot.meta), 'utf8');
  const head = Buffer.alloc(HEAD_BYTES);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(meta.length, 8);
  writeU64(head, 12, snapshot.data.length);
  const body = [head, meta, snapshot.data];
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(crc32Chunks(body), 0);
  return [...body, trailer];
}

export function decodeSnapshot(buf: Buffer): Snapshot {
  if (buf.length < HEAD_BYTES + 4 || !buf.subarray(0, 8).equals(MAGIC))
    throw new Error('not a snapshot file');
  const metaLen = buf.readUInt32LE(8);
  const dataLen = readU64(buf, 12);
  if (HEAD_BYTES + metaLen + dataLen + 4 !== buf.length)
    throw new Error('snapshot file has the wrong length');
  const end = buf.length - 4;
  if (crc32(buf.subarray(0, end)) !== buf.readUInt32LE(end)) throw new Error('snapshot checksum mismatch');
  const meta = JSON.parse(buf.toString('utf8', HEAD_BYTES, HEAD_BYTES + metaLen)) as SnapshotMeta;
  return { meta, data: buf.subarray(HEAD_BYTES + metaLen, end) };
}
