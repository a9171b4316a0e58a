/**
 * Torn tails versus corruption, by damaging real files: cut the last record at every byte offset, zero
 * or flip bytes, and check that open() repairs what a crash can produce and refuses what it cannot,
 * naming the file and byte offset.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RaftStorage, RECOVERING_FILE, StorageCorruptionError } from './index.js';
import { entries, entry, recordingLogger, tempDir } from './testing/helpers.js';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  dirs = [];
});

interface Fixture {
  dir: string;
  /** Segment files, oldest first. */
  segments: string[];
  /** Byte offset where each batch's record starts in the last segment. */
  recordStarts: number[];
  size: number;
}

/** Batches of three entries (index 3k-2..3k), one per persist, with commit = 3k. */
async function fixture(batches: number, segmentBytes = 1 << 20): Promise<Fixture> {
  const dir = await tempDir();
  dirs.push(dir);
  // Segments that grow as they are written, so a file's size is where its next record starts (the
  // preallocated layout has its own tests below).
  const s = await RaftStorage.open({ dir, segmentBytes, preallocate: false, logger: recordingLogger() });
  const recordStarts: number[] = [];
  for (let k = 1; k <= batches; k++) {
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    const last = files.at(-1);
    recordStarts.push(last ? (await fs.stat(path.join(dir, last))).size : 0);
    await s.persist({
      snapshot: null,
      entries: entries(3 * k - 2, 3 * k, 1, 40),
      hardState: { term: k, vote: 'n1', commit: 3 * k },
    });
  }
  await s.close();
  const segments = (await fs.readdir(dir))
    .filter((f) => f.endsWith('.wal'))
    .sort()
    .map((f) => path.join(dir, f));
  const size = (await fs.stat(segments.at(-1)!)).size;
  return { dir, segments, recordStarts, size };
}

async function openExpectingTorn(
  dir: string,
  file: string,
  offset: number,
  lastIndex: number,
): Promise<void> {
  const logger = recordingLogger();
  const s = await RaftStorage.open({ dir, logger });
  const r = s.restored();
  await s.close();
  expect(r.entries.at(-1)?.index ?? 0).toBe(lastIndex);
  expect(r.hardState.commit).toBe(lastIndex);
  expect(logger.warnings).toHaveLength(2);
  expect(logger.warnings[0]!.obj).toMatchObject({ file, offset });
  expect((await fs.stat(file)).size).toBe(offset);
  // The cut-off record may have been acknowledged: the member starts recovering, and says so durably.
  expect(r.recovering).toContain(`from offset ${offset} was damaged`);
  expect(logger.warnings[1]!.msg).toMatch(/will not vote or campaign until a leader has caught it up/);
  expect(await fs.readFile(path.join(dir, RECOVERING_FILE), 'utf8')).toContain(r.recovering!);
}

async function openExpectingCorruption(dir: string, file: string, offset: number): Promise<void> {
  const err: unknown = await RaftStorage.open({ dir, logger: recordingLogger() }).then(
    async (s) => {
      await s.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageCorruptionError);
  const c = err as StorageCorruptionError;
  expect({ file: c.file, offset: c.offset }).toEqual({ file, offset });
  expect(c.message).toContain(file);
  expect(c.message).toContain(`byte offset ${offset}`);
  expect(c.message).toMatch(/remove the member/);
}

describe('WAL recovery', () => {
  it('repairs a tail cut at every byte offset of the last record', async () => {
    const f = await fixture(4);
    const file = f.segments.at(-1)!;
    const original = await fs.readFile(file);
    const lastStart = f.recordStarts.at(-1)!;
    for (let cut = lastStart + 1; cut < original.length; cut++) {
      await fs.writeFile(file, original.subarray(0, cut));
      await openExpectingTorn(f.dir, file, lastStart, 9);
    }
  });

  it('keeps a member recovering across restarts until markRecovered(), and a clean start is not recovering', async () => {
    const f = await fixture(4);
    const clean = await RaftStorage.open({ dir: f.dir, logger: recordingLogger() });
    expect(clean.restored().recovering).toBeNull();
    await clean.close();
    const file = f.segments.at(-1)!;
    const original = await fs.readFile(file);
    await fs.writeFile(file, original.subarray(0, original.length - 3));
    const damaged = await RaftStorage.open({ dir: f.dir, logger: recordingLogger() });
    const reason = damaged.restored().recovering;
    expect(reason).toMatch(/was damaged/);
    await damaged.close();
    // A crash before catching up: the next start, with nothing to repair, still knows.
    const again = await RaftStorage.open({ dir: f.dir, logger: recordingLogger() });
    expect(again.restored().recovering).toContain(reason!);
    await again.markRecovered();
    await again.close();
    const caughtUp = await RaftStorage.open({ dir: f.dir, logger: recordingLogger() });
    expect(caughtUp.restored().recovering).toBeNull();
    await caughtUp.close();
  });

  it('repairs a record whose end was zeroed (size extended, data never written)', async () => {
    const f = await fixture(3);
    const file = f.segments.at(-1)!;
    const original = await fs.readFile(file);
    const lastStart = f.recordStarts.at(-1)!;
    const zeroed = Buffer.from(original);
    zeroed.fill(0, lastStart + 5);
    await fs.writeFile(file, zeroed);
    await openExpectingTorn(f.dir, file, lastStart, 6);
  });

  it('reads zeros after the last record as the unused, preallocated rest of the segment', async () => {
    const f = await fixture(3);
    const file = f.segments.at(-1)!;
    const original = await fs.readFile(file);
    await fs.writeFile(file, Buffer.concat([original, Buffer.alloc(70_000)]));
    const logger = recordingLogger();
    const s = await RaftStorage.open({ dir: f.dir, logger });
    expect(s.restored().entries.at(-1)?.index).toBe(9);
    // The next batch overwrites the zeros where the records end; the file does not grow.
    await s.persist({ snapshot: null, entries: [entry(10, 1, 40)], hardState: null });
    await s.close();
    expect(logger.warnings).toEqual([]);
    expect((await fs.stat(file)).size).toBe(original.length + 70_000);
    const again = await RaftStorage.open({ dir: f.dir, logger });
    expect(again.restored().entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await again.close();
    expect(logger.warnings).toEqual([]);
  });

  it('treats a damaged last record with nothing valid after it as torn', async () => {
    const f = await fixture(3);
    const file = f.segments.at(-1)!;
    const original = await fs.readFile(file);
    const lastStart = f.recordStarts.at(-1)!;
    for (let at = lastStart; at < original.length; at += 7) {
      const damaged = Buffer.from(original);
      damaged[at]! ^= 0x10;
      await fs.writeFile(file, damaged);
      await openExpectingTorn(f.dir, file, lastStart, 6);
    }
  });

  it('refuses to open when any byte of a record before the tail is flipped, naming file and offset', async () => {
    const f = await fixture(4);
    const file = f.segments.at(-1)!;
    const original = await fs.readFile(file);
    const [, , start, end] = f.recordStarts; // the third batch: two valid records after it
    for (let at = start!; at < end!; at++) {
      const damaged = Buffer.from(original);
      damaged[at]! ^= 1 << (at % 8);
      await fs.writeFile(file, damaged);
      await openExpectingCorruption(f.dir, file, start!);
    }
    await fs.writeFile(file, original);
    const s = await RaftStorage.open({ dir: f.dir, logger: recordingLogger() });
    expect(s.restored().entries).toHaveLength(12);
    await s.close();
  });

  it('refuses damage to the last record of a segment that is not the last one', async () => {
    const f = await fixture(12, 300);
    expect(f.segments.length).toBeGreaterThan(2);
    const file = f.segments[0]!;
    const original = await fs.readFile(file);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 1]! ^= 1;
    await fs.writeFile(file, damaged);
    const err = await RaftStorage.open({ dir: f.dir, logger: recordingLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCorruptionError);
    expect((err as StorageCorruptionError).file).toBe(file);
    await fs.writeFile(file, original.subarray(0, original.length - 3));
    await expect(RaftStorage.open({ dir: f.dir, logger: recordingLogger() })).rejects.toThrow(
      /not the last one/,
    );
  });

  it('refuses a missing segment in the middle', async () => {
    const f = await fixture(12, 300);
    await fs.unlink(f.segments[1]!);
    await expect(RaftStorage.open({ dir: f.dir, logger: recordingLogger() })).rejects.toThrow(
      /segment 2 is missing/,
    );
  });

  it('falls back to an older snapshot when the newest is damaged, and refuses if the log cannot bridge the gap', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const s = await RaftStorage.open({ dir, segmentBytes: 500, logger: recordingLogger() });
    for (let i = 1; i <= 30; i++)
      await s.persist({
        snapshot: null,
        entries: [entry(i, 1, 100)],
        hardState: { term: 1, vote: null, commit: i },
      });
    const snap = (index: number) => ({
      meta: { index, term: 1, configuration: { servers: [] }, configIndex: 0 },
      data: Buffer.alloc(64, index),
    });
    await s.saveSnapshot(snap(10));
    await s.saveSnapshot(snap(20));
    await s.close();
    await fs.writeFile(path.join(dir, 'snap-0000000000000019-0000000000000001.snap.tmp'), 'half');
    const newest = path.join(dir, 'snap-0000000000000014-0000000000000001.snap');
    const bytes = await fs.readFile(newest);
    bytes[30]! ^= 0xff;
    await fs.writeFile(newest, bytes);

    const logger = recordingLogger();
    const s2 = await RaftStorage.open({ dir, segmentBytes: 500, logger });
    expect(s2.restored().snapshot?.meta.index).toBe(10);
    expect(s2.restored().entries[0]?.index).toBe(11);
    expect(logger.warnings.map((w) => w.msg).join('\n')).toMatch(/temp file[\s\S]*damaged snapshot/);
    expect((await fs.readdir(dir)).some((f) => f.endsWith('.tmp'))).toBe(false);
    // Compact through a snapshot at 25, then damage it (the one at 20 is damaged already, the one at 10
    // was pruned): no valid snapshot covers the compacted prefix any more.
    await s2.saveSnapshot(snap(25));
    await s2.compact(25);
    await s2.close();
    const latest = path.join(dir, 'snap-0000000000000019-0000000000000001.snap');
    await fs.writeFile(latest, 'garbage');
    await expect(RaftStorage.open({ dir, logger: recordingLogger() })).rejects.toThrow(
      /the log begins at index \d+ but the newest valid snapshot covers only up to 0/,
    );
  });
});
