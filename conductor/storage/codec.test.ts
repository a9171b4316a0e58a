/** Property tests of the record frame and the batch payload codec. */
import fc from 'fast-check';
import { decodeBatch, encodeBatch } from './batch.js';
import type { BatchOp } from './batch.js';
import { crc32, crc32Portable } from './crc32.js';
import { decodeRecord, encodeRecord, RecordType } from './record.js';

const chunksArb = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 });
const positionArb = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  offset: fc.nat({ max: 2 ** 31 }),
});

/** Places an encoded record at `offset` of a buffer (decode binds the header to its position). */
function layout(chunks: Uint8Array[], offset: number): Buffer {
  return Buffer.concat([Buffer.alloc(offset), ...chunks]);
}

describe('crc32', () => {
  it('matches the standard check value and the native implementation', () => {
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat({ max: 2000 }), (data, split) => {
        const cut = Math.min(split, data.length);
        const whole = crc32(data);
        expect(crc32Portable(data)).toBe(whole);
        expect(crc32Portable(data.subarray(cut), crc32Portable(data.subarray(0, cut)))).toBe(whole);
      }),
    );
  });
});

describe('record frame', () => {
  it('round-trips any payload split into any chunks', () => {
    fc.assert(
      fc.property(
        chunksArb,
        positionArb.map((p) => ({ ...p, offset: p.offset % 64 })),
        (payload, pos) => {
          const buf = layout(encodeRecord(RecordType.Batch, payload, pos), pos.offset);
          const r = decodeRecord(buf, pos.offset, pos.seq);
          expect(r.kind).toBe('ok');
          if (r.kind !== 'ok') return;
          expect(r.type).toBe(RecordType.Batch);
          expect(r.end).toBe(buf.length);
          expect(Buffer.compare(r.payload, Buffer.concat(payload))).toBe(0);
        },
      ),
    );
  });

  it('detects any single bit flip anywhere in the record', () => {
    fc.assert(
      fc.property(chunksArb, fc.nat(), fc.nat({ max: 7 }), (payload, at, bit) => {
        const pos = { seq: 3, offset: 0 };
        const buf = layout(encodeRecord(RecordType.Batch, payload, pos), 0);
        buf[at % buf.length]! ^= 1 << bit;
        expect(decodeRecord(buf, 0, 3).kind).not.toBe('ok');
      }),
    );
  });

  it('detects every truncation', () => {
    fc.assert(
      fc.property(chunksArb, fc.nat(), (payload, cut) => {
        const buf = layout(encodeRecord(RecordType.Batch, payload, { seq: 1, offset: 0 }), 0);
        const short = buf.subarray(0, cut % buf.length);
        expect(decodeRecord(short, 0, 1).kind).toBe('short');
      }),
    );
  });

  it('does not validate at another offset or in another segment', () => {
    fc.assert(
      fc.property(chunksArb, (payload) => {
        const buf = layout(encodeRecord(RecordType.Batch, payload, { seq: 5, offset: 8 }), 8);
        expect(decodeRecord(buf, 8, 6).kind).toBe('badHeader');
        expect(decodeRecord(buf.subarray(8), 0, 5).kind).toBe('badHeader');
      }),
    );
  });

  it('never mistakes zeroed bytes for a record', () => {
    expect(decodeRecord(Buffer.alloc(64), 0, 1).kind).toBe('badHeader');
  });
});

const u53 = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const opArb: fc.Arbitrary<BatchOp> = fc.oneof(
  fc.record({
    kind: fc.constant('entry' as const),
    entry: fc.record({
      term: u53,
      index: u53,
      type: fc.constantFrom(0, 1, 2),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 16_000, max: 40_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)),
      ),
    }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), from: u53 }),
  fc.record({ kind: fc.constant('snapMark' as const), index: u53, term: u53 }),
  fc.record({
    kind: fc.constant('hardState' as const),
    hardState: fc.record({
      term: u53,
      commit: u53,
      vote: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
    }),
  }),
);

describe('batch payload', () => {
  it('round-trips any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (ops) => {
        const decoded = decodeBatch(Buffer.concat(encodeBatch(ops)));
        const norm = (o: BatchOp): unknown =>
          o.kind === 'entry'
            ? { ...o, entry: { ...o.entry, data: Buffer.from(o.entry.data).toString('hex') } }
            : o;
        expect(decoded.map(norm)).toEqual(ops.map(norm));
      }),
      { numRuns: 200 },
    );
  });

  it('passes large entry data by reference instead of copying it', () => {
    const data = new Uint8Array(1 << 20);
    const chunks = encodeBatch([{ kind: 'entry', entry: { term: 1, index: 1, type: 0, data } }]);
    expect(chunks).toContain(data);
  });
});
