/**
 * The op-node log reader against lines in op-node v1.19.6's exact JSON form (taken from a devnet run), including
 * the interleavings the real node produces: a gossiped block inserted between a seal and its failed commit, and
 * a deposed leader building the very block its successor committed.
 */
import { describe, expect, it } from '@jest/globals';
import { publishedWithoutCommit, readSealedBlocks } from './op-node-log.js';

const A = '0xaea3751e9575659e0f3419e1c823a9944ef36dab396dd88224a58ea8940c9da3';
const B = '0x5adf181d0779d411e4f3aa9c444042a6efccc587bcd7f358e5a4f132913e2b5d';
const C = '0x4bd1e86206ad46feb446a6f56c3e5202a627ba0dc611d249e9c6f0f08599d7cd';
const D = '0x0b3e4c41deda18e8c7a2bf9c0fd371d19969362bfdf67ed27f48a39f9c1c0b7d';

const sealed = (hash: string, n: number, t: string): string =>
  JSON.stringify({
    t,
    lvl: 'info',
    msg: 'Sequencer sealed block',
    payloadID: '0x03f136fcf116f3c6',
    block: `${hash}:${n}`,
    txs: 1,
  });
const inserted = (hash: string, n: number): string =>
  JSON.stringify({
    t: '2026-12-03T07:39:50.1Z',
    lvl: 'info',
    msg: 'Sequencer inserted block',
    block: `${hash}:${n}`,
  });
const gossipInserted = (hash: string, n: number): string =>
  JSON.stringify({
    t: '2026-12-03T07:39:50.2Z',
    lvl: 'info',
    msg: 'Inserted new L2 unsafe block (synchronous)',
    hash,
    number: n,
  });
const commitFailed = JSON.stringify({
  t: '2026-12-03T07:39:50.005Z',
  lvl: 'error',
  msg: 'Engine failed temporarily, backing off sequencer',
  err: 'failed to commit unsafe payload to conductor: operation failed permanently after 2 attempts: Post "http://127.0.0.1:20143": dial tcp 127.0.0.1:20143: connect: connection refused',
});

describe('readSealedBlocks', () => {
  it('pairs each sealed block with its outcome, through interleaved gossip and non-JSON lines', () => {
    const log = [
      'INFO [12-03|07:39:37.552] not json',
      sealed(A, 13, '2026-12-03T07:39:49.953Z'),
      commitFailed,
      gossipInserted(B, 13),
      sealed(C, 14, '2026-12-03T07:39:50.951Z'),
      gossipInserted(C, 14),
      commitFailed,
      sealed(D, 15, '2026-12-03T07:39:51.951Z'),
      inserted(D, 15),
      '{"truncated": ',
    ].join('\n');
    expect(readSealedBlocks('node-0', log)).toEqual([
      { node: 'node-0', number: 13, hash: A, atMs: Date.parse('2026-12-03T07:39:49.953Z'), committed: false },
      { node: 'node-0', number: 14, hash: C, atMs: Date.parse('2026-12-03T07:39:50.951Z'), committed: false },
      { node: 'node-0', number: 15, hash: D, atMs: Date.parse('2026-12-03T07:39:51.951Z'), committed: true },
    ]);
  });

  it('leaves out a last sealed block whose outcome was never logged (killed mid-commit)', () => {
    const log = [
      sealed(A, 13, '2026-12-03T07:39:49.953Z'),
      inserted(A, 13),
      sealed(C, 14, '2026-12-03T07:39:50.951Z'),
    ].join('\n');
    expect(readSealedBlocks('node-1', log).map((b) => b.number)).toEqual([13]);
  });

  it('leaves out a sealed block whose outcome was not logged before the next seal', () => {
    const log = [
      sealed(A, 13, '2026-12-03T07:39:49.953Z'),
      sealed(C, 14, '2026-12-03T07:39:50.951Z'),
      commitFailed,
    ].join('\n');
    expect(readSealedBlocks('node-1', log).map((b) => [b.number, b.committed])).toEqual([[14, false]]);
  });
});

describe('publishedWithoutCommit', () => {
  const deposed = readSealedBlocks(
    'node-0',
    [sealed(C, 14, '2026-12-03T07:39:50.951Z'), commitFailed].join('\n'),
  );
  const successor = readSealedBlocks(
    'node-1',
    [sealed(C, 14, '2026-12-03T07:39:50.950Z'), inserted(C, 14)].join('\n'),
  );

  it('flags a block whose only commit failed but which reached an op-geth', () => {
    expect(publishedWithoutCommit(deposed, new Set([C]))).toHaveLength(1);
  });

  it('accepts the same block committed by the successor (identical hash)', () => {
    expect(publishedWithoutCommit([...deposed, ...successor], new Set([C]))).toEqual([]);
  });

  it('ignores a failed block that no op-geth has', () => {
    expect(publishedWithoutCommit(deposed, new Set([B]))).toEqual([]);
  });
});
