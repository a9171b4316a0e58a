import fc from 'fast-check';

import {
  checkCommit,
  decodeEnvelope,
  encodeEnvelope,
  encodeSnapshot,
  encodeSnapshotInSteps,
  SnapshotError,
  UnsafeHeadFsm,
  type ExecutionPayloadEnvelope,
} from './index.js';
import { fakeBlockHash, fakeChain, fakeEnvelope } from './testing/fixtures.js';

const enc = (env: ExecutionPayloadEnvelope) => encodeEnvelope(env);

function fsmWith(from: bigint, to: bigint, windowSize?: number): UnsafeHeadFsm {
  const fsm = new UnsafeHeadFsm(windowSize === undefined ? {} : { windowSize });
  for (const env of fakeChain(from, to)) expect(fsm.apply(enc(env)).ok).toBe(true);
  return fsm;
}

describe('UnsafeHeadFsm.apply', () => {
  it('accepts any first block, then only children of the head', () => {
    const fsm = new UnsafeHeadFsm();
    expect(fsm.head()).toBeUndefined();
    const r1 = fsm.apply(enc(fakeEnvelope({ number: 100n })));
    expect(r1).toMatchObject({ ok: true, outcome: 'applied' });
    const r2 = fsm.apply(enc(fakeEnvelope({ number: 101n })));
    expect(r2).toMatchObject({ ok: true, outcome: 'applied' });
    expect(fsm.head()?.blockNumber).toBe(101n);
    expect(fsm.head()?.blockHash).toBe(fakeBlockHash(101n));
  });

  it('treats a duplicate of the head as an idempotent success', () => {
    const fsm = fsmWith(1n, 5n);
    const before = fsm.snapshot();
    expect(fsm.apply(enc(fakeEnvelope({ number: 5n })))).toMatchObject({ ok: true, outcome: 'duplicate' });
    expect(fsm.snapshot()).toEqual(before);
  });

  const rejections: [string, ExecutionPayloadEnvelope, RegExp][] = [
    [
      'a gap',
      fakeEnvelope({ number: 7n }),
      /unsafe payload 7 does not extend the committed head 5 .*expected block 6/,
    ],
    [
      'a wrong parent',
      fakeEnvelope({ number: 6n, parentHash: fakeBlockHash(5n, 'other') }),
      /unsafe payload 6 has parent hash 0x[0-9a-f]{64}, but the committed head 5 is 0x[0-9a-f]{64}/,
    ],
    [
      'a conflicting block at the head height',
      fakeEnvelope({ number: 5n, fork: 'other' }),
      /conflicting unsafe payload: block 5/,
    ],
    [
      'a stale block',
      fakeEnvelope({ number: 3n }),
      /stale unsafe payload: block 3 is behind the committed head 5/,
    ],
  ];
  it.each(rejections)('rejects %s and changes nothing', (_name, env, message) => {
    const fsm = fsmWith(1n, 5n);
    const before = fsm.snapshot();
    const result = fsm.apply(enc(env));
    expect(result).toMatchObject({ ok: false, reason: 'not-next-block' });
    if (!result.ok) expect(result.error).toMatch(message);
    expect(fsm.snapshot()).toEqual(before);
  });

  it('rejects empty and undecodable data without throwing', () => {
    const fsm = fsmWith(1n, 2n);
    expect(fsm.apply(new Uint8Array())).toEqual({
      ok: false,
      reason: 'empty',
      error: 'log data is nil or empty',
    });
    const garbage = fsm.apply(new Uint8Array(100).fill(7));
    expect(garbage).toMatchObject({ ok: false, reason: 'decode' });
    expect(fsm.head()?.blockNumber).toBe(2n);
  });

  it('copies the applied bytes, so a reused caller buffer cannot change the state', () => {
    const fsm = new UnsafeHeadFsm();
    const data = enc(fakeEnvelope({ number: 1n }));
    fsm.apply(data);
    data.fill(0);
    expect(fsm.head()?.blockHash).toBe(fakeBlockHash(1n));
    expect(fsm.head()?.data).toEqual(enc(fakeEnvelope({ number: 1n })));
  });
});

describe('window', () => {
  it('keeps the last windowSize payloads', () => {
    const fsm = fsmWith(1n, 10n, 4);
    expect(fsm.window().map((p) => p.blockNumber)).toEqual([7n, 8n, 9n, 10n]);
  });

  it('serves payloadByNumber within the window only', () => {
    const fsm = fsmWith(1n, 10n, 4);
    expect(fsm.payloadByNumber(8n)?.blockHash).toBe(fakeBlockHash(8n));
    expect(fsm.payloadByNumber(6n)).toBeUndefined();
    expect(fsm.payloadByNumber(11n)).toBeUndefined();
    expect(new UnsafeHeadFsm().payloadByNumber(1n)).toBeUndefined();
  });

  it('serves payloadsAfter for catch-up, undefined when the window does not reach back', () => {
    const fsm = fsmWith(1n, 10n, 4);
    expect(fsm.payloadsAfter(7n)?.map((p) => p.blockNumber)).toEqual([8n, 9n, 10n]);
    expect(fsm.payloadsAfter(6n)?.map((p) => p.blockNumber)).toEqual([7n, 8n, 9n, 10n]);
    expect(fsm.payloadsAfter(5n)).toBeUndefined();
    expect(fsm.payloadsAfter(10n)).toEqual([]);
    expect(fsm.payloadsAfter(12n)).toEqual([]);
    expect(new UnsafeHeadFsm().payloadsAfter(0n)).toEqual([]);
  });

  it('rejects a non-positive window size', () => {
    expect(() => new UnsafeHeadFsm({ windowSize: 0 })).toThrow(RangeError);
    expect(() => new UnsafeHeadFsm({ windowBytes: 0 })).toThrow(RangeError);
  });

  it('keeps at most windowBytes of payloads, oldest dropped first, never fewer than two', () => {
    const entries = fakeChain(1n, 10n).map(enc);
    const size = entries[0]!.byteLength;
    expect(entries.every((e) => e.byteLength === size)).toBe(true);
    const fsm = new UnsafeHeadFsm({ windowBytes: 3 * size });
    for (const entry of entries) expect(fsm.apply(entry).ok).toBe(true);
    expect(fsm.window().map((p) => p.blockNumber)).toEqual([8n, 9n, 10n]);
    expect(fsm.reach()).toBe(2);
    expect(fsm.payloadsAfter(6n)).toBeUndefined();
    const tiny = new UnsafeHeadFsm({ windowBytes: 1 });
    for (const entry of entries) tiny.apply(entry);
    expect(tiny.window().map((p) => p.blockNumber)).toEqual([9n, 10n]);
    // The snapshot carries the bounded window, and a restore applies the receiver's own bounds.
    expect(tiny.snapshot().byteLength).toBeLessThan(fsm.snapshot().byteLength);
    const restored = new UnsafeHeadFsm({ windowBytes: 2 * size });
    restored.restore(fsmWith(1n, 10n).snapshot());
    expect(restored.window().map((p) => p.blockNumber)).toEqual([9n, 10n]);
  });

  it('a snapshot carries the newest snapshotBytes of the window, at least two payloads', () => {
    const entries = fakeChain(1n, 10n).map(enc);
    const size = entries[0]!.byteLength;
    const fsm = new UnsafeHeadFsm({ snapshotBytes: 3 * size });
    for (const entry of entries) fsm.apply(entry);
    expect(fsm.window()).toHaveLength(10);
    const restored = new UnsafeHeadFsm();
    restored.restore(fsm.snapshot());
    expect(restored.window().map((p) => p.blockNumber)).toEqual([8n, 9n, 10n]);
    const tiny = new UnsafeHeadFsm({ snapshotBytes: 1 });
    for (const entry of entries) tiny.apply(entry);
    restored.restore(tiny.snapshot());
    expect(restored.window().map((p) => p.blockNumber)).toEqual([9n, 10n]);
    expect(() => new UnsafeHeadFsm({ snapshotBytes: 0 })).toThrow(RangeError);
  });

  it('reach is how far behind the head the window goes back', () => {
    expect(new UnsafeHeadFsm().reach()).toBe(0);
    expect(fsmWith(1n, 3n).reach()).toBe(2);
    expect(fsmWith(1n, 10n, 4).reach()).toBe(3);
  });
});

describe('snapshot / restore', () => {
  it('round-trips the window', () => {
    const fsm = fsmWith(1n, 10n, 5);
    const copy = new UnsafeHeadFsm({ windowSize: 5 });
    copy.restore(fsm.snapshot());
    expect(copy.window()).toEqual(fsm.window());
    expect(copy.apply(enc(fakeEnvelope({ number: 11n })))).toMatchObject({ ok: true, outcome: 'applied' });
  });

  it('snapshotInSteps: the same bytes, cut when called, the event loop free between steps', async () => {
    const fsm = fsmWith(1n, 10n);
    const expected = fsm.snapshot();
    const pending = fsm.snapshotInSteps();
    // Applied after the cut: not in it.
    expect(fsm.apply(enc(fakeEnvelope({ number: 11n })))).toMatchObject({ ok: true, outcome: 'applied' });
    expect(await pending).toEqual(expected);
    const entries = fakeChain(1n, 20n).map(enc);
    let turns = 0;
    const spin = (): void => {
      turns++;
      if (turns < 1000) setImmediate(spin);
    };
    setImmediate(spin);
    const before = turns;
    const stepped = await encodeSnapshotInSteps(entries, 1);
    expect(turns - before).toBeGreaterThanOrEqual(entries.length - 1);
    expect(stepped).toEqual(encodeSnapshot(entries));
  });

  it('round-trips the empty state', () => {
    const fsm = fsmWith(1n, 3n);
    fsm.restore(new UnsafeHeadFsm().snapshot());
    expect(fsm.head()).toBeUndefined();
  });

  it('keeps only the newest windowSize entries of a larger snapshot', () => {
    const small = new UnsafeHeadFsm({ windowSize: 2 });
    small.restore(fsmWith(1n, 6n).snapshot());
    expect(small.window().map((p) => p.blockNumber)).toEqual([5n, 6n]);
  });

  it('reads op-conductor snapshots: empty, or one raw SSZ envelope', () => {
    const fsm = fsmWith(1n, 3n);
    fsm.restore(new Uint8Array());
    expect(fsm.head()).toBeUndefined();
    fsm.restore(enc(fakeEnvelope({ number: 42n })));
    expect(fsm.head()?.blockNumber).toBe(42n);
    expect(fsm.window()).toHaveLength(1);
  });

  it('rejects any single corrupted byte and leaves the state untouched', () => {
    const snap = fsmWith(1n, 3n).snapshot();
    const target = fsmWith(100n, 101n);
    const before = target.snapshot();
    for (let i = 4; i < snap.length; i++) {
      const bad = snap.slice();
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(() => target.restore(bad)).toThrow(SnapshotError);
    }
    expect(target.snapshot()).toEqual(before);
  });

  it('rejects truncated snapshots', () => {
    const snap = fsmWith(1n, 3n).snapshot();
    for (const len of [5, 20, snap.length - 1, snap.length - 33]) {
      expect(() => new UnsafeHeadFsm().restore(snap.subarray(0, len))).toThrow(SnapshotError);
    }
  });

  it('rejects a well-formed snapshot whose entries are not a chain', () => {
    const entries = [enc(fakeEnvelope({ number: 1n })), enc(fakeEnvelope({ number: 3n }))];
    expect(() => new UnsafeHeadFsm().restore(encodeSnapshot(entries))).toThrow(
      /snapshot entry 1: .*expected block 2/,
    );
    const garbage = [new Uint8Array(40)];
    expect(() => new UnsafeHeadFsm().restore(encodeSnapshot(garbage))).toThrow(/snapshot entry 0: /);
  });
});

describe('checkCommit', () => {
  it('accepts the next block and returns the bytes to propose', () => {
    const fsm = fsmWith(1n, 5n);
    const env = fakeEnvelope({ number: 6n });
    const check = checkCommit(fsm, env);
    expect(check).toMatchObject({ ok: true, duplicate: false });
    if (check.ok) {
      expect(check.data).toEqual(enc(env));
      expect(fsm.apply(check.data)).toMatchObject({ ok: true, outcome: 'applied' });
    }
  });

  it('reports a retried commit of the head as a duplicate', () => {
    expect(checkCommit(fsmWith(1n, 5n), fakeEnvelope({ number: 5n }))).toMatchObject({
      ok: true,
      duplicate: true,
    });
  });

  it('accepts any first block on an empty FSM', () => {
    expect(checkCommit(new UnsafeHeadFsm(), fakeEnvelope({ number: 77n }))).toMatchObject({ ok: true });
  });

  it('rejects what apply would reject, with the same message', () => {
    const fsm = fsmWith(1n, 5n);
    const env = fakeEnvelope({ number: 8n });
    const check = checkCommit(fsm, env);
    const applied = fsm.apply(enc(env));
    expect(check).toMatchObject({ ok: false, reason: 'not-next-block' });
    expect(applied.ok).toBe(false);
    if (!check.ok && !applied.ok) expect(check.error).toBe(applied.error);
  });

  it('returns op-service’s bare ErrMissingData text for an envelope without parentBeaconBlockRoot', () => {
    const { parentBeaconBlockRoot: _r, ...env } = fakeEnvelope({ number: 6n });
    expect(checkCommit(fsmWith(1n, 5n), env)).toEqual({
      ok: false,
      reason: 'invalid-envelope',
      error: 'execution payload envelope is missing data',
    });
  });
});

describe('determinism', () => {
  it('replicas fed the same entries end in identical states, whatever the entries are', () => {
    const entryArb = fc.oneof(
      fc.bigInt({ min: 1n, max: 12n }).map((n) => enc(fakeEnvelope({ number: n }))),
      fc.bigInt({ min: 1n, max: 12n }).map((n) => enc(fakeEnvelope({ number: n, fork: 'b' }))),
      fc.uint8Array({ maxLength: 64 }),
    );
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        (entries, windowSize) => {
          const a = new UnsafeHeadFsm({ windowSize });
          const b = new UnsafeHeadFsm({ windowSize });
          for (const e of entries) expect(a.apply(e)).toEqual(b.apply(e));
          expect(a.snapshot()).toEqual(b.snapshot());
          // The window is always a contiguous chain ending at the head.
          const w = a.window();
          for (let i = 1; i < w.length; i++) {
            expect(w[i]?.blockNumber).toBe((w[i - 1]?.blockNumber ?? 0n) + 1n);
            expect(w[i]?.parentHash).toBe(w[i - 1]?.blockHash);
          }
          // A restored replica is indistinguishable.
          const c = new UnsafeHeadFsm({ windowSize });
          c.restore(a.snapshot());
          expect(c.snapshot()).toEqual(a.snapshot());
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('hint (the proposer already decoded the entry)', () => {
  it('is used only for that very buffer, and gives the same result as decoding', () => {
    const [first, second] = fakeChain(1n, 2n);
    const withHint = new UnsafeHeadFsm();
    const without = new UnsafeHeadFsm();
    const checked = checkCommit(withHint, first!);
    if (!checked.ok) throw new Error(checked.error);
    withHint.hint(checked.data, checked.decoded);
    const hinted = withHint.apply(checked.data);
    const decoded = without.apply(encodeEnvelope(first!));
    expect(hinted.ok && hinted.head).toEqual(decoded.ok && decoded.head);
    expect(withHint.snapshot()).toEqual(without.snapshot());
    // The shortcut is taken: a hinted buffer is not decoded at all (these bytes would not decode).
    const next = checkCommit(withHint, second!);
    if (!next.ok) throw new Error(next.error);
    const vouched = new Uint8Array([1, 2, 3]);
    const probe = new UnsafeHeadFsm();
    probe.restore(withHint.snapshot());
    probe.hint(vouched, next.decoded);
    expect(probe.apply(vouched)).toMatchObject({ ok: true, outcome: 'applied' });
    // Used once and forgotten: the log keeps the buffer long after apply, the hint must not stay with it.
    probe.restore(withHint.snapshot());
    expect(probe.apply(vouched)).toMatchObject({ ok: false, reason: 'decode' });
    // Equal bytes in another buffer (from disk, from the network) are decoded afresh.
    withHint.hint(vouched, next.decoded);
    expect(withHint.apply(vouched.slice())).toMatchObject({ ok: false, reason: 'decode' });
    withHint.hint(next.data, next.decoded);
    const copy = withHint.apply(next.data.slice());
    expect(copy.ok && copy.head.blockHash).toBe(next.decoded.blockHash);
  });

  it('keeps no decoded JSON in the window: the envelope is decoded from the log bytes when asked for', () => {
    const fsm = fsmWith(1n, 3n);
    const head = fsm.head()!;
    expect(Object.getOwnPropertyDescriptor(head, 'envelope')?.get).toBeDefined();
    expect(head.envelope).toEqual(decodeEnvelope(head.data).envelope);
    expect(head.envelope.executionPayload.blockHash).toBe(fakeBlockHash(3n));
  });
});
