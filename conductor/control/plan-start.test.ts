import { planStart, MAX_CATCH_UP_BLOCKS, type CommittedBlock, type CommittedWindow } from './plan-start.js';

/** A committed chain of blocks 0..n with deterministic hashes, as the FSM window would hold it. */
function chain(length: number, fork = ''): CommittedBlock[] {
  const blocks: CommittedBlock[] = [];
  for (let number = 0; number < length; number++) {
    blocks.push({
      number,
      hash: `0x${fork}${number.toString(16).padStart(8, '0')}`,
      parentHash: number === 0 ? '0x00' : blocks[number - 1]!.hash,
    });
  }
  return blocks;
}

function windowOf(blocks: CommittedBlock[], from = 0): CommittedWindow<string> {
  return {
    payloadAt: (number) => {
      const block = blocks[number];
      return block && number >= from ? { block, payload: `payload-${number}` } : null;
    },
  };
}

describe('planStart', () => {
  const committed = chain(20);
  const head = committed[19]!;

  it('starts on the committed head when the local head is it', () => {
    expect(
      planStart(head, { number: 19, hash: head.hash.toUpperCase().replace('0X', '0x') }, windowOf(committed)),
    ).toEqual({ kind: 'start', hash: head.hash, fresh: false });
  });

  it('starts a brand-new cluster on the local head', () => {
    expect(planStart(null, { number: 0, hash: '0xgenesis' }, windowOf([]))).toEqual({
      kind: 'start',
      hash: '0xgenesis',
      fresh: true,
    });
  });

  it('catches up a node one block behind (what op-conductor also does)', () => {
    expect(planStart(head, committed[18]!, windowOf(committed))).toEqual({
      kind: 'catchUp',
      payloads: ['payload-19'],
    });
  });

  it('catches up a node many blocks behind from the window, in order (op-conductor wedges here)', () => {
    const plan = planStart(head, committed[10]!, windowOf(committed));
    expect(plan).toEqual({
      kind: 'catchUp',
      payloads: Array.from({ length: 9 }, (_, i) => `payload-${11 + i}`),
    });
  });

  it('bounds one round of catch-up', () => {
    const long = chain(200);
    const plan = planStart(long[199]!, long[0]!, windowOf(long));
    expect(plan.kind).toBe('catchUp');
    expect(plan.kind === 'catchUp' && plan.payloads.length).toBe(MAX_CATCH_UP_BLOCKS);
  });

  it('refuses when the missing blocks left the window', () => {
    const plan = planStart(head, committed[2]!, windowOf(committed, 10));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.error).toContain('no longer in the committed payload window');
  });

  it('refuses a local head ahead of the committed head', () => {
    const longer = chain(25);
    const plan = planStart(head, longer[22]!, windowOf(committed));
    expect(plan.kind === 'refuse' && plan.error).toMatch(/^unsafe head mismatch/);
  });

  it('refuses a local chain that diverged from the committed one (never reorgs)', () => {
    const forked = chain(15, 'f');
    const plan = planStart(head, forked[14]!, windowOf(committed));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.error).toContain('diverged');
  });
});
