/** Compaction, InstallSnapshot and restart from a snapshot. */
import { RaftError } from './errors.js';
import { TestCluster, text } from './testing/testkit.js';
import type { SnapshotMeta } from './types.js';

const ids3 = ['a', 'b', 'c'];

/** The shell side of taking a snapshot: FSM state + the configuration at the applied index. */
function takeSnapshot(c: TestCluster, id: string, trailing = 0): SnapshotMeta {
  const n = c.node(id);
  const st = n.core.status();
  const index = st.applied;
  const term = n.entries.find((e) => e.index === index)?.term ?? n.snapshot?.term ?? 0;
  const meta: SnapshotMeta = { index, term, ...n.core.configurationAt(index) };
  n.snapshot = meta;
  n.snapshotData = text(JSON.stringify(n.fsm));
  n.core.compact(meta, trailing, 1 << 20);
  n.entries = n.entries.filter((e) => e.index >= n.core.status().firstIndex - 1 && e.index > 0);
  return meta;
}

describe('snapshots', () => {
  test('compact keeps trailing entries bounded by count and bytes', () => {
    const c = new TestCluster(['a']);
    c.elect('a');
    for (let i = 0; i < 10; i++) c.propose('a', `x${i}`);
    const meta = takeSnapshot(c, 'a', 3);
    expect(meta.index).toBe(12);
    expect(c.core('a').status().firstIndex).toBe(10);
    const n = c.node('a');
    n.core.compact({ ...meta }, 3, 1 << 20); // same index again: a no-op
    expect(() => n.core.compact({ ...meta, index: 99, term: 2 }, 0, 0)).toThrow(RaftError);
  });

  test('a follower whose next index was compacted receives a snapshot, installs it and catches up', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.isolate('c');
    for (let i = 0; i < 20; i++) c.propose('a', `x${i}`);
    takeSnapshot(c, 'a', 2);
    c.propose('a', 'after');
    c.heal();
    c.sent = [];
    c.tick(['a'], 1);
    const snap = c.sent.find((m) => m.type === 'Snapshot');
    expect(snap).toBeDefined();
    if (snap?.type === 'Snapshot') expect(snap.snapshot.data.length).toBe(0); // the shell attaches the bytes
    c.core('a').reportSnapshot('c', true);
    c.tick(['a', 'b', 'c'], 3);
    expect(c.node('c').fsm).toEqual(c.node('a').fsm);
    expect(c.node('c').snapshot?.index).toBeGreaterThan(0);
    expect(c.core('c').status().commit).toBe(c.core('a').status().commit);
    // And it restarts from that snapshot.
    c.start('c');
    c.drain();
    expect(c.node('c').fsm).toEqual(c.node('a').fsm);
  });

  test('a failed snapshot is retried after a heartbeat', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.isolate('c');
    for (let i = 0; i < 5; i++) c.propose('a', `x${i}`);
    takeSnapshot(c, 'a');
    c.filter = (m) => m.type === 'Snapshot';
    c.tick(['a'], 1);
    expect(
      c
        .core('a')
        .status()
        .progress.find((p) => p.id === 'c')?.state,
    ).toBe('snapshot');
    c.core('a').reportSnapshot('c', false);
    c.heal();
    c.tick(['a', 'b', 'c'], 3);
    c.core('a').reportSnapshot('c', true);
    c.tick(['a', 'b', 'c'], 3);
    expect(c.node('c').fsm).toEqual(c.node('a').fsm);
  });

  test('a snapshot older than the follower commit is acknowledged without being installed', () => {
    const c = new TestCluster(ids3);
    c.elect('a');
    c.propose('a', 'x');
    const b = c.core('b');
    const { commit } = b.status();
    b.step({
      type: 'Snapshot',
      from: 'a',
      to: 'b',
      term: b.status().term,
      snapshot: {
        meta: { index: 1, term: 1, configIndex: 1, configuration: b.status().configuration },
        data: text('[]'),
      },
    });
    const rd = b.ready();
    expect(rd.snapshot).toBeNull();
    expect(rd.messages).toMatchObject([{ type: 'AppendResp', success: true, index: commit }]);
    b.advance(rd);
  });
});
