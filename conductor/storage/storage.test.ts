/** RaftStorage on real files: round trips, the Ready contract, segments, snapshots, compaction, locking. */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entry, Snapshot } from '../raft/types.js';
import { RaftStorage, StorageIOError } from './index.js';
import type { StorageOptions } from './index.js';
import { entries, entry, recordingLogger, tempDir } from './testing/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let dirs: string[] = [];

async function fresh(): Promise<string> {
  const dir = await tempDir();
  dirs.push(dir);
  return dir;
}

async function reopen(dir: string, options: Partial<StorageOptions> = {}): Promise<RaftStorage> {
  return RaftStorage.open({ dir, logger: recordingLogger(), ...options });
}

function ids(list: readonly Entry[]): string[] {
  return list.map((e) => `${e.index}@${e.term}`);
}

function snapshot(index: number, term: number, size = 100): Snapshot {
  return {
    meta: {
      index,
      term,
      configuration: { servers: [{ id: 'n1', address: 'a:1', suffrage: 0 }] },
      configIndex: 1,
    },
    data: Buffer.alloc(size, index & 0xff),
  };
}

async function walFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
}

afterEach(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  dirs = [];
});

describe('RaftStorage', () => {
  it('starts empty and round-trips entries and hard state', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    expect(s.restored()).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      snapshot: null,
      entries: [],
      recovering: null,
    });
    await s.persist({
      snapshot: null,
      entries: entries(1, 3, 1, 1000),
      hardState: { term: 1, vote: 'n1', commit: 0 },
    });
    await s.persist({
      snapshot: null,
      entries: [entry(4, 1, 5)],
      hardState: { term: 1, vote: 'n1', commit: 3 },
    });
    await s.persist({ snapshot: null, entries: [], hardState: { term: 2, vote: null, commit: 3 } });
    await s.close();

    const r = (await reopen(dir)).restored();
    expect(r.hardState).toEqual({ term: 2, vote: null, commit: 3 });
    expect(r.snapshot).toBeNull();
    expect(r.entries.map((e) => ({ ...e, data: Buffer.from(e.data) }))).toEqual(
      [...entries(1, 3, 1, 1000), entry(4, 1, 5)].map((e) => ({ ...e, data: Buffer.from(e.data) })),
    );
  });

  it('makes each persist durable with exactly one fdatasync, plus a directory fsync per new segment', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    await s.persist({
      snapshot: null,
      entries: entries(1, 200, 1, 100),
      hardState: { term: 1, vote: 'n1', commit: 0 },
    });
    expect(s.stats()).toMatchObject({ walSyncs: 1, dirSyncs: 1, batches: 1, segmentsCreated: 1 });
    for (let i = 0; i < 5; i++) {
      await s.persist({
        snapshot: null,
        entries: [entry(201 + i, 1, 5_000_000 * (i === 0 ? 1 : 0) + 10)],
        hardState: { term: 1, vote: 'n1', commit: 200 + i },
      });
    }
    expect(s.stats()).toMatchObject({ walSyncs: 6, dirSyncs: 1, batches: 6 });
    await s.close();
  });

  it('replaces a conflicting suffix (Raft truncation) and rejects gaps', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    await s.persist({
      snapshot: null,
      entries: entries(1, 10, 1),
      hardState: { term: 1, vote: 'n1', commit: 4 },
    });
    await s.persist({
      snapshot: null,
      entries: entries(6, 7, 2),
      hardState: { term: 2, vote: 'n2', commit: 4 },
    });
    await expect(s.persist({ snapshot: null, entries: [entry(9, 2)], hardState: null })).rejects.toThrow(
      /gap/,
    );
    await expect(
      s.persist({ snapshot: null, entries: [entry(8, 2), entry(10, 2)], hardState: null }),
    ).rejects.toThrow(/contiguous/);
    await s.persist({ snapshot: null, entries: [entry(8, 2)], hardState: null });
    await s.close();
    const r = (await reopen(dir)).restored();
    expect(ids(r.entries)).toEqual(['1@1', '2@1', '3@1', '4@1', '5@1', '6@2', '7@2', '8@2']);
    expect(r.hardState).toEqual({ term: 2, vote: 'n2', commit: 4 });
  });

  it('spreads the log over segments and truncates across a segment boundary', async () => {
    const dir = await fresh();
    const s = await reopen(dir, { segmentBytes: 4096 });
    for (let i = 1; i <= 60; i++) {
      await s.persist({
        snapshot: null,
        entries: [entry(i, 1, 500)],
        hardState: { term: 1, vote: 'n1', commit: i - 1 },
      });
    }
    expect((await walFiles(dir)).length).toBeGreaterThan(5);
    await s.persist({
      snapshot: null,
      entries: entries(5, 6, 3, 10),
      hardState: { term: 3, vote: 'n3', commit: 4 },
    });
    await s.close();
    const s2 = await reopen(dir, { segmentBytes: 4096 });
    const r = s2.restored();
    expect(ids(r.entries)).toEqual(['1@1', '2@1', '3@1', '4@1', '5@3', '6@3']);
    expect(r.hardState).toEqual({ term: 3, vote: 'n3', commit: 4 });
    // Appending continues after the truncated log, in the reopened last segment.
    await s2.persist({ snapshot: null, entries: [entry(7, 3)], hardState: null });
    await s2.close();
    expect(ids((await reopen(dir)).restored().entries).at(-1)).toBe('7@3');
  });

  it('keeps snapshots, compacts whole segments covered by the latest one and restores a contiguous log', async () => {
    const dir = await fresh();
    const s = await reopen(dir, { segmentBytes: 4096, retainSnapshots: 2 });
    for (let i = 1; i <= 100; i++) {
      await s.persist({
        snapshot: null,
        entries: [entry(i, 1, 400)],
        hardState: { term: 1, vote: 'n1', commit: i },
      });
    }
    const before = await walFiles(dir);
    await s.saveSnapshot(snapshot(30, 1));
    await s.saveSnapshot(snapshot(50, 1));
    await s.saveSnapshot(snapshot(60, 1));
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.snap'))).toHaveLength(2);
    await s.compact(1000); // clamped to the snapshot at 60
    const after = await walFiles(dir);
    expect(after.length).toBeLessThan(before.length);
    expect(s.latestSnapshot()?.meta.index).toBe(60);
    await expect(s.saveSnapshot(snapshot(40, 1))).rejects.toThrow(/not newer/);
    await s.close();

    const r = (await reopen(dir)).restored();
    expect(r.snapshot?.meta).toEqual(snapshot(60, 1).meta);
    expect(Buffer.from(r.snapshot!.data)).toEqual(snapshot(60, 1).data);
    expect(r.entries[0]?.index).toBe(61);
    expect(r.entries.at(-1)?.index).toBe(100);
    r.entries.forEach((e, i) => expect(e.index).toBe(61 + i));
  });

  it('writes a local snapshot beside the WAL: commits queued behind a big snapshot do not wait for it', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    for (let i = 1; i <= 10; i++)
      await s.persist({
        snapshot: null,
        entries: [entry(i, 1, 100)],
        hardState: { term: 1, vote: 'n1', commit: i },
      });
    const order: string[] = [];
    // 64 MiB: the conductor's window of 2 MB blocks is twice that. One small durable write is far quicker.
    const saving = s.saveSnapshot(snapshot(10, 1, 64 * 1024 * 1024)).then(() => order.push('snapshot'));
    const persisting = s
      .persist({
        snapshot: null,
        entries: [entry(11, 1, 100)],
        hardState: { term: 1, vote: 'n1', commit: 11 },
      })
      .then(() => order.push('persist'));
    await Promise.all([saving, persisting]);
    expect(order).toEqual(['persist', 'snapshot']);
    // Both are durable, and compaction after the snapshot still sees it.
    await s.compact(10);
    expect(s.latestSnapshot()?.meta.index).toBe(10);
    await s.close();
    const r = (await reopen(dir)).restored();
    expect(r.snapshot?.meta.index).toBe(10);
    expect(r.entries.at(-1)?.index).toBe(11);
  });

  it('close waits for a snapshot being written', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    await s.persist({
      snapshot: null,
      entries: [entry(1, 1, 100)],
      hardState: { term: 1, vote: 'n1', commit: 1 },
    });
    const saving = s.saveSnapshot(snapshot(1, 1, 8 * 1024 * 1024));
    await s.close();
    await saving;
    expect((await reopen(dir)).restored().snapshot?.meta.index).toBe(1);
  });

  it('installs a received snapshot: discards the covered log and a conflicting suffix', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    await s.persist({
      snapshot: null,
      entries: entries(1, 10, 1),
      hardState: { term: 1, vote: 'n1', commit: 2 },
    });
    // Far behind: the leader's snapshot is past our log.
    await s.persist({
      snapshot: snapshot(20, 2),
      entries: entries(21, 22, 2),
      hardState: { term: 2, vote: null, commit: 20 },
    });
    await s.close();
    let r = (await reopen(dir)).restored();
    expect(r.snapshot?.meta.index).toBe(20);
    expect(ids(r.entries)).toEqual(['21@2', '22@2']);

    // Matching entry at the snapshot index: the suffix after it is kept.
    const dir2 = await fresh();
    const a = await reopen(dir2);
    await a.persist({ snapshot: null, entries: entries(1, 10, 1), hardState: null });
    await a.persist({ snapshot: snapshot(5, 1), entries: [], hardState: null });
    await a.persist({ snapshot: null, entries: [entry(11, 1)], hardState: null });
    await a.close();
    r = (await reopen(dir2)).restored();
    expect(ids(r.entries)).toEqual(['6@1', '7@1', '8@1', '9@1', '10@1', '11@1']);

    // Conflicting term at the snapshot index: everything goes.
    const dir3 = await fresh();
    const b = await reopen(dir3);
    await b.persist({ snapshot: null, entries: entries(1, 10, 1), hardState: null });
    await b.persist({ snapshot: snapshot(5, 2), entries: [entry(6, 2)], hardState: null });
    await b.close();
    r = (await reopen(dir3)).restored();
    expect(ids(r.entries)).toEqual(['6@2']);
  });

  it('serializes concurrent persist() calls in call order', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s
          .persist({ snapshot: null, entries: [entry(i + 1, 1, 3000)], hardState: null })
          .then(() => done.push(i)),
      ),
    );
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await s.close();
    await expect(s.persist({ snapshot: null, entries: [], hardState: null })).rejects.toThrow(/closed/);
    expect((await reopen(dir)).restored().entries).toHaveLength(20);
  });

  it('locks the directory against a second open, in this process and in another one', async () => {
    const dir = await fresh();
    const s = await reopen(dir);
    await expect(reopen(dir)).rejects.toThrow(/already open/);
    await s.close();
    await (await reopen(dir)).close();

    const dir2 = await fresh();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'testing', 'crash-child.ts'), dir2, '7'],
      {
        cwd: path.resolve(here, '../..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await expect(reopen(dir2)).rejects.toThrow(/locked by pid \d+/);
    const exited = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGKILL');
    await exited;
    // The owner is dead: its lock is stale and taken over.
    const again = await reopen(dir2);
    await again.close();
  });
});

describe('RaftStorage with preallocated segments', () => {
  const SEGMENT = 256 * 1024;

  /** Persists 10 KB batches until a new segment began as a spare; returns the next free index. */
  async function fillUntilPreallocated(s: RaftStorage, from: number): Promise<number> {
    let index = from;
    const deadline = Date.now() + 10_000;
    while (s.stats().segmentsPreallocated === 0) {
      if (Date.now() > deadline) throw new Error('no spare segment was ever used');
      await s.persist({ snapshot: null, entries: [entry(index, 1, 10_000)], hardState: null });
      index++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return index;
  }

  it('moves to a zero-filled spare, then overwrites it in place: the file never grows', async () => {
    const dir = await fresh();
    const s = await reopen(dir, { segmentBytes: SEGMENT });
    let next = await fillUntilPreallocated(s, 1);
    const newest = async (): Promise<string> =>
      path.join(
        dir,
        (await fs.readdir(dir))
          .filter((f) => f.endsWith('.wal'))
          .sort()
          .at(-1)!,
      );
    const file = await newest();
    expect((await fs.stat(file)).size).toBe(SEGMENT);
    const before = s.stats();
    for (let i = 0; i < 10; i++) {
      await s.persist({ snapshot: null, entries: [entry(next++, 1, 10_000)], hardState: null });
    }
    expect(await newest()).toBe(file);
    expect((await fs.stat(file)).size).toBe(SEGMENT);
    // One durable write per batch, no directory fsync while the segment has room.
    expect(s.stats().walSyncs - before.walSyncs).toBe(10);
    expect(s.stats().dirSyncs).toBe(before.dirSyncs);
    await s.close();

    const logger = recordingLogger();
    const again = await RaftStorage.open({ dir, segmentBytes: SEGMENT, logger });
    const restored = again.restored().entries;
    expect(restored.map((e) => e.index)).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
    expect(
      restored.every((e) => e.data.length === 10_000 && Buffer.from(e.data).readUInt32LE(0) === e.index),
    ).toBe(true);
    expect(logger.warnings).toEqual([]);
    await again.close();
  });

  it('rolls over full preallocated segments and truncates across them', async () => {
    const dir = await fresh();
    const s = await reopen(dir, { segmentBytes: SEGMENT });
    let next = await fillUntilPreallocated(s, 1);
    // Fill well past several segments (each batch gives the filler time to prepare the next spare).
    while (s.stats().segmentsPreallocated < 3 || next <= 40) {
      await s.persist({ snapshot: null, entries: [entry(next++, 1, 50_000)], hardState: null });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // A leader change rewrites the last 12 entries (50 KB each: they span segment boundaries).
    const from = next - 12;
    await s.persist({
      snapshot: null,
      entries: entries(from, from + 1, 2, 100),
      hardState: { term: 2, vote: 'n2', commit: 1 },
    });
    await s.close();
    const again = await reopen(dir, { segmentBytes: SEGMENT });
    const restored = again.restored();
    expect(restored.entries.at(-1)).toMatchObject({ index: from + 1, term: 2 });
    expect(restored.entries).toHaveLength(from + 1);
    expect(restored.hardState).toEqual({ term: 2, vote: 'n2', commit: 1 });
    await again.close();
  });

  it('reuses a spare left by a crash mid-fill (any file of zeros is a valid spare)', async () => {
    const dir = await fresh();
    await fs.writeFile(path.join(dir, 'next-segment.spare'), Buffer.alloc(SEGMENT / 4));
    const s = await reopen(dir, { segmentBytes: SEGMENT });
    await fillUntilPreallocated(s, 1);
    await s.close();
    const sizes = await Promise.all(
      (await fs.readdir(dir))
        .filter((f) => f.endsWith('.wal'))
        .map(async (f) => (await fs.stat(path.join(dir, f))).size),
    );
    expect(sizes).toContain(SEGMENT);
  });

  it('recovers a batch torn inside the preallocated space: cut back, later batches land there', async () => {
    const dir = await fresh();
    const s = await reopen(dir, { segmentBytes: SEGMENT });
    const next = await fillUntilPreallocated(s, 1);
    await s.close();
    const file = path.join(
      dir,
      (await fs.readdir(dir))
        .filter((f) => f.endsWith('.wal'))
        .sort()
        .at(-1)!,
    );
    const bytes = await fs.readFile(file);
    // The last batch's record: find its end (first zero run) and tear its second half.
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    const torn = Buffer.from(bytes);
    torn.fill(0, end - 5_000, end);
    await fs.writeFile(file, torn);
    const logger = recordingLogger();
    const again = await RaftStorage.open({ dir, segmentBytes: SEGMENT, logger });
    expect(again.restored().entries.at(-1)?.index).toBe(next - 2);
    expect(logger.warnings.map((w) => w.msg).join('\n')).toMatch(/torn write/);
    await again.persist({ snapshot: null, entries: [entry(next - 1, 1, 10)], hardState: null });
    await again.close();
    const third = await reopen(dir, { segmentBytes: SEGMENT });
    expect(third.restored().entries.at(-1)).toMatchObject({ index: next - 1 });
    await third.close();
  });
});

describe('RaftStorage on a full disk', () => {
  const mnt = path.join('/tmp', `baton-enospc-${process.pid}`);
  let mounted = false;

  beforeAll(async () => {
    await fs.mkdir(mnt, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
      mounted = true;
    } catch {
      console.warn('cannot mount a tmpfs (not root?): skipping the ENOSPC tests');
    }
  });

  afterAll(async () => {
    if (mounted) execFileSync('umount', ['-l', mnt]);
    await fs.rm(mnt, { recursive: true, force: true });
  });

  it.each([
    ['while creating a segment', 64 * 1024],
    ['while appending to the open segment', 64 * 1024 * 1024],
  ])(
    'rejects a persist that runs out of space %s and keeps everything durable before it',
    async (_, segmentBytes) => {
      if (!mounted) return;
      const dir = path.join(mnt, `wal-${segmentBytes}`);
      const s = await reopen(dir, { segmentBytes });
      for (let i = 1; i <= 4; i++) {
        await s.persist({
          snapshot: null,
          entries: [entry(i, 1, 100_000)],
          hardState: { term: 1, vote: 'n1', commit: i - 1 },
        });
      }
      // Too big for what is left: the write fails midway.
      const failed = s.persist({
        snapshot: null,
        entries: [entry(5, 1, 900_000)],
        hardState: { term: 1, vote: 'n1', commit: 4 },
      });
      await expect(failed).rejects.toThrow(StorageIOError);
      await expect(failed).rejects.toMatchObject({ code: 'ENOSPC', name: 'StorageFullError' });
      // A received snapshot that does not fit either.
      await expect(
        s.persist({ snapshot: snapshot(9, 2, 900_000), entries: [], hardState: null }),
      ).rejects.toMatchObject({ code: 'ENOSPC' });
      // The storage stays usable: a batch that fits goes where the failed one began.
      await s.persist({
        snapshot: null,
        entries: [entry(5, 1, 10)],
        hardState: { term: 1, vote: 'n1', commit: 4 },
      });
      await s.close();

      const s2 = await reopen(dir);
      const r = s2.restored();
      await s2.close();
      const leftovers = (await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'));
      await fs.rm(dir, { recursive: true });
      expect(ids(r.entries)).toEqual(['1@1', '2@1', '3@1', '4@1', '5@1']);
      expect(r.entries[4]?.data.length).toBe(10);
      expect(r.hardState).toEqual({ term: 1, vote: 'n1', commit: 4 });
      expect(r.snapshot).toBeNull();
      expect(leftovers).toEqual([]);
    },
  );
});
