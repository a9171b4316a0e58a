/** Shared test helpers: temp directories, deterministic entries, a logger that records warnings. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EntryType } from '../../raft/types.js';
import type { Entry } from '../../raft/types.js';
import type { StorageLogger } from '../logger.js';

export async function tempDir(prefix = 'baton-storage-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Entry data is a pure function of (index, term, size), so a checker can verify content without a copy. */
export function entryData(index: number, term: number, size: number): Buffer {
  const data = Buffer.alloc(size, (index * 7 + term * 13) & 0xff);
  if (size >= 8) {
    data.writeUInt32LE(index, 0);
    data.writeUInt32LE(term, 4);
  }
  return data;
}

export function entry(index: number, term: number, size = 16): Entry {
  return { index, term, type: EntryType.Normal, data: entryData(index, term, size) };
}

export function entries(from: number, to: number, term: number, size = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size));
  return out;
}

export interface RecordingLogger extends StorageLogger {
  readonly warnings: { obj: object; msg: string }[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: { obj: object; msg: string }[] = [];
  return {
    warnings,
    warn(obj, msg) {
      warnings.push({ obj, msg });
    },
    info() {},
  };
}

/** Seeded PRNG (mulberry32): the crash tests must replay the same workload in parent and child. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
