/** Single-server membership changes (thesis §4.1) with hashicorp semantics. */
import { applyConfChange, decodeConfiguration, encodeConfiguration } from './configuration.js';
import { RaftError } from './errors.js';
import { TestCluster, text, voterConfig } from './testing/testkit.js';
import { EntryType, Suffrage } from './types.js';

const ids3 = ['a', 'b', 'c'];

function err(fn: () => unknown): RaftError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RaftError) return e;
    throw e;
  }
  throw new Error('expected a RaftError');
}

function suffrages(c: TestCluster, id: string): string {
  return c
    .core(id)
    .status()
    .configuration.servers.map((s) => `${s.id}:${s.suffrage === Suffrage.Voter ? 'v' : 'n'}`)
    .join(',');
}

describe('membership', () => {
  test('configuration codec round-trips and is deterministic', () => {
    const cfg = voterConfig(['x', 'y']);
    expect(decodeConfiguration(encodeConfiguration(cfg))).toEqual(cfg);
    expect(encodeConfiguration(cfg)).toEqual(
      encodeConfiguration(decodeConfiguration(encodeConfiguration(cfg))),
    );
    expect(() => decodeConfiguration(text('{"servers":[{"id":1}]}'))).toThrow(RaftError);
    expect(() => decodeConfiguration(text('nope'))).toThrow(RaftError);
  });

  test('add a non-voter, let it catch up, promote it, then it votes and counts', () => {
    const c = new TestCluster(['a', 'b', 'c', 'd'], {}, ids3);
    c.elect('a');
    c.propose('a', 'x');
    const v0 = c.core('a').status().configIndex;
    const { index } = c.core('a').proposeConfChange({ kind: 'addNonvoter', id: 'd', address: 'd:1' }, v0);
    c.drain();
    expect(c.core('a').status().committedConfigIndex).toBe(index);
    expect(suffrages(c, 'd')).toBe('a:v,b:v,c:v,d:n');
    expect(c.node('d').fsm).toEqual(['x']);
    // A non-voter never campaigns.
    c.isolate('a');
    c.tick(['d'], 100);
    expect(c.core('d').status().role).toBe('follower');
    c.heal();
    c.tick(undefined, 30);
    const [leader] = c.leaders();
    expect(leader).toBeDefined();
    const l = leader ?? 'a';
    c.core(l).proposeConfChange(
      { kind: 'addVoter', id: 'd', address: 'd:1' },
      c.core(l).status().configIndex,
    );
    c.drain();
    expect(suffrages(c, 'b')).toBe('a:v,b:v,c:v,d:v');
    // Four voters: a majority is three, so two unreachable voters stop commits.
    c.filter = (m) => m.to === 'b' || m.to === 'c' || m.from === 'b' || m.from === 'c';
    const before = c.core(l).status().commit;
    if (l !== 'b' && l !== 'c') {
      c.propose(l, 'y');
      expect(c.core(l).status().commit).toBe(before);
    }
  });

  test('a configuration takes effect when appended; only one uncommitted at a time', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.filter = (m) => m.type === 'Append';
    const a = c.core('a');
    const { index } = a.proposeConfChange({ kind: 'remove', id: 'c' }, 0);
    expect(a.status().configIndex).toBe(index);
    expect(a.status().configuration.servers.map((s) => s.id)).toEqual(['a', 'b']);
    expect(a.status().committedConfigIndex).toBe(1);
    const e = err(() => a.proposeConfChange({ kind: 'remove', id: 'b' }, 0));
    expect(e.code).toBe('ConfChangeInProgress');
    c.heal();
    c.tick(['a', 'b'], 2);
    expect(a.status().committedConfigIndex).toBe(index);
  });

  test('version check uses hashicorp text', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    const e = err(() => c.core('a').proposeConfChange({ kind: 'remove', id: 'c' }, 7));
    expect(e.code).toBe('ConfigurationChanged');
    expect(e.message).toBe('configuration changed since 7 (latest is 1)');
  });

  test('a new leader refuses conf changes until its Noop commits', () => {
    const c = new TestCluster(ids3);
    c.filter = (m) => m.type === 'Append';
    c.elect('a');
    expect(err(() => c.core('a').proposeConfChange({ kind: 'remove', id: 'c' }, 0)).code).toBe(
      'ConfChangeInProgress',
    );
  });

  test('invalid changes are refused', () => {
    const cfg = voterConfig(['a']);
    expect(() => applyConfChange(cfg, { kind: 'remove', id: 'a' })).toThrow(/no voters/);
    expect(() => applyConfChange(cfg, { kind: 'demote', id: 'a' })).toThrow(/no voters/);
    expect(() => applyConfChange(cfg, { kind: 'remove', id: 'q' })).toThrow(/unknown server/);
    expect(applyConfChange(cfg, { kind: 'addNonvoter', id: 'a', address: 'new' }).servers).toEqual([
      { id: 'a', address: 'new', suffrage: Suffrage.Voter },
    ]);
  });

  test('demoting a follower: it stops voting and counting', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.core('a').proposeConfChange({ kind: 'demote', id: 'c' }, 1);
    c.drain();
    expect(suffrages(c, 'c')).toBe('a:v,b:v,c:n');
    c.filter = (m) => m.to === 'b';
    const before = c.core('a').status().commit;
    c.propose('a', 'x');
    expect(c.core('a').status().commit).toBe(before); // needs b: voters are {a, b}
    c.heal();
    c.tick(['a'], 1);
    expect(c.core('a').status().commit).toBeGreaterThan(before);
  });

  test('the leader removes itself: leads until committed without counting itself, then hands over', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    const a = c.core('a');
    c.filter = (m) => m.to === 'c' || m.from === 'c';
    a.proposeConfChange({ kind: 'remove', id: 'a' }, 1);
    c.drain();
    // Voters are now {b, c}: b alone (plus a, which does not count) is not a majority.
    expect(a.status().role).toBe('leader');
    expect(a.status().committedConfigIndex).toBe(1);
    c.heal();
    c.tick(['a'], 1);
    c.tick(['a', 'b', 'c'], 3);
    expect(a.status().role).toBe('follower');
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    expect(['b', 'c']).toContain(leaders[0]);
    // The removed node never campaigns.
    c.tick(['a'], 100);
    expect(a.status().role).toBe('follower');
    c.propose(leaders[0] ?? 'b', 'after');
    expect(c.node('b').fsm).toEqual(['after']);
  });

  test('truncating an uncommitted configuration entry reverts to the previous configuration', () => {
    const c = new TestCluster(ids3, { checkQuorum: false });
    c.elect('a');
    // a appends a removal of c that never leaves a; b and c move on in a new term.
    c.isolate('a');
    c.core('a').proposeConfChange({ kind: 'remove', id: 'c' }, 1);
    c.drain();
    expect(
      c
        .core('a')
        .status()
        .configuration.servers.map((s) => s.id),
    ).toEqual(['a', 'b']);
    c.elect('b');
    c.propose('b', 'y');
    c.heal();
    c.tick(['b'], 1);
    c.drain();
    expect(c.core('a').status().leader).toBe('b');
    expect(
      c
        .core('a')
        .status()
        .configuration.servers.map((s) => s.id),
    ).toEqual(['a', 'b', 'c']);
    expect(c.core('a').status().configIndex).toBe(1);
    expect(
      c
        .node('a')
        .entries.filter((e) => e.type === EntryType.ConfChange)
        .map((e) => e.index),
    ).toEqual([1]);
    expect(c.node('a').fsm).toEqual(['y']);
  });

  test('a brand-new server with an empty log waits and is then caught up from index 1', () => {
    const c = new TestCluster(['a', 'b', 'c', 'n'], {}, ids3);
    c.elect('a');
    c.propose('a', 'x');
    c.tick(['n'], 50);
    expect(c.core('n').status()).toMatchObject({ role: 'follower', term: 0, lastIndex: 0 });
    c.core('a').proposeConfChange({ kind: 'addVoter', id: 'n', address: 'n:1' }, 1);
    c.drain();
    expect(c.node('n').fsm).toEqual(['x']);
    expect(c.core('n').status().configuration.servers).toHaveLength(4);
  });
});
