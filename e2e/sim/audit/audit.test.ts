import type { Hex } from 'viem';
import { auditChain, type AuditBlockEvent } from './audit.js';

const h = (tag: string): Hex => `0x${tag.padStart(64, '0')}` as Hex;
const ev = (number: number, hash: string, parent: string, atMs: number): AuditBlockEvent => ({
  number,
  hash: h(hash),
  parentHash: h(parent),
  atMs,
});

describe('chain auditor', () => {
  const linear = [ev(1, 'a1', 'a0', 1000), ev(2, 'a2', 'a1', 2000), ev(3, 'a3', 'a2', 3000)];

  test('a clean history has no violations', () => {
    const r = auditChain([
      { id: 'n0', inserted: linear, published: linear },
      { id: 'n1', inserted: linear.map((e) => ({ ...e, atMs: e.atMs + 40 })), published: [] },
    ]);
    expect(r).toMatchObject({ blocks: 3, reorgs: 0, doubleSequenced: 0, maxGapMs: 1000, issues: [] });
    expect(r.heads).toEqual({ n0: { number: 3, hash: h('a3') }, n1: { number: 3, hash: h('a3') } });
  });

  test('the longest gap is located: the height before it and when that height first appeared', () => {
    const slow = [
      ev(1, 'a1', 'a0', 1000),
      ev(2, 'a2', 'a1', 2000),
      ev(3, 'a3', 'a2', 6500),
      ev(4, 'a4', 'a3', 7500),
    ];
    const r = auditChain([
      { id: 'n0', inserted: slow, published: [] },
      // Another node saw height 2 earlier: first appearance counts.
      { id: 'n1', inserted: [ev(2, 'a2', 'a1', 1800)], published: [] },
    ]);
    expect(r.maxGapMs).toBe(4700);
    expect(r.maxGapAfter).toEqual({ number: 2, atMs: 1800 });
  });

  test('two publishers at one height is double sequencing', () => {
    const r = auditChain([
      { id: 'n0', inserted: linear, published: linear },
      { id: 'n1', inserted: [], published: [ev(2, 'b2', 'a1', 2100)] },
    ]);
    expect(r.doubleSequenced).toBe(1);
    expect(r.issues[0]).toMatchObject({ kind: 'doubleSequenced', number: 2 });
  });

  test('a replaced canonical block is a reorg (and also a double-sequenced height)', () => {
    const r = auditChain([{ id: 'n0', inserted: [...linear, ev(3, 'b3', 'a2', 3500)], published: [] }]);
    expect(r.reorgs).toBe(1);
    expect(r.doubleSequenced).toBe(1);
    expect(r.issues.find((i) => i.kind === 'reorg')).toMatchObject({ node: 'n0', number: 3 });
  });

  test('inserting a block that does not extend the canonical parent is a reorg', () => {
    const r = auditChain([
      { id: 'n0', inserted: [ev(1, 'a1', 'a0', 1), ev(2, 'x2', 'zz', 2)], published: [] },
    ]);
    expect(r.reorgs).toBe(1);
  });

  test('maxGapMs measures the longest wait for a new height across all nodes', () => {
    const r = auditChain([
      { id: 'n0', inserted: [ev(1, 'a1', 'a0', 1000), ev(2, 'a2', 'a1', 2000)], published: [] },
      {
        id: 'n1',
        inserted: [ev(1, 'a1', 'a0', 1100), ev(2, 'a2', 'a1', 2050), ev(3, 'a3', 'a2', 6000)],
        published: [],
      },
    ]);
    expect(r.maxGapMs).toBe(4000);
  });
});
