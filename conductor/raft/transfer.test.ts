/** Leadership transfer (thesis §3.10, hashicorp LeadershipTransfer / LeadershipTransferToServer). */
import { RaftError } from './errors.js';
import { TestCluster, text } from './testing/testkit.js';

const ids3 = ['a', 'b', 'c'];

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof RaftError ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
}

describe('leadership transfer', () => {
  test('to a chosen voter: the target wins the next term at once, despite followers leases', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.propose('a', 'x');
    const term = c.core('a').status().term;
    c.core('a').transferLeadership('c');
    c.drain();
    expect(c.leaders()).toEqual(['c']);
    expect(c.core('c').status().term).toBe(term + 1);
    // The TimeoutNow-started election skipped pre-vote and carried transfer=true.
    const vote = c.sent.find((m) => m.type === 'Vote' && m.from === 'c');
    expect(vote).toMatchObject({ transfer: true });
    expect(c.sent.some((m) => m.type === 'PreVote' && m.from === 'c')).toBe(false);
  });

  test('without a target: the most caught-up voter', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.filter = (m) => m.to === 'b' && m.type === 'Append';
    c.propose('a', 'x');
    c.heal();
    c.core('a').transferLeadership();
    c.drain();
    expect(c.leaders()).toEqual(['c']);
  });

  test('brings a lagging target up to date first, and refuses proposals meanwhile', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.filter = (m) => m.to === 'b' && m.type === 'Append';
    c.propose('a', 'x');
    c.propose('a', 'y');
    const a = c.core('a');
    a.transferLeadership('b');
    expect(a.status().transferTarget).toBe('b');
    expect(c.queue.some((m) => m.type === 'TimeoutNow')).toBe(false);
    expect(code(() => a.propose(text('z')))).toBe(
      'LeadershipTransferInProgress: leadership transfer in progress',
    );
    expect(code(() => a.proposeConfChange({ kind: 'remove', id: 'c' }, 0))).toBe(
      'LeadershipTransferInProgress: leadership transfer in progress',
    );
    expect(code(() => a.transferLeadership('c'))).toMatch(/^LeadershipTransferInProgress/);
    c.heal();
    c.tick(['a'], 1);
    expect(c.leaders()).toEqual(['b']);
    expect(c.node('b').fsm).toEqual(['x', 'y']);
  });

  test('aborts after electionTicks if the target never takes over', () => {
    const c = new TestCluster(ids3, { electionTicks: 10 });
    c.elect('a');
    c.filter = (m) => m.to === 'b' || m.from === 'b';
    c.core('a').transferLeadership('b');
    c.tick(['a', 'c'], 9);
    expect(c.core('a').status().transferTarget).toBe('b');
    c.tick(['a', 'c'], 1);
    expect(c.core('a').status().transferTarget).toBeNull();
    expect(c.core('a').status().role).toBe('leader');
    expect(() => c.core('a').propose(text('ok'))).not.toThrow();
  });

  test('refuses unknown targets, non-voters and itself', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    expect(code(() => c.core('a').transferLeadership('zz'))).toMatch(/^UnknownServer/);
    expect(code(() => c.core('a').transferLeadership('a'))).toMatch(/^NoTransferTarget/);
    const single = new TestCluster(['a']);
    single.elect('a');
    expect(code(() => single.core('a').transferLeadership())).toBe('NoTransferTarget: cannot find peer');
  });
});
