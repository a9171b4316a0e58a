/** fast-check properties of the pure pieces: log matching, configuration history, quorum math, flow control. */
import fc from 'fast-check';
import {
  ConfigurationHistory,
  EMPTY_CONFIGURATION,
  applyConfChange,
  encodeConfiguration,
  voters,
} from './configuration.js';
import { RaftError } from './errors.js';
import { Inflights } from './inflights.js';
import { RaftLog } from './log.js';
import { majority, quorumIndex, voteResult } from './quorum.js';
import { TestCluster, text } from './testing/testkit.js';
import { EntryType } from './types.js';
import type { ConfChange, Configuration, Entry } from './types.js';

const normal = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: text(`${index}@${term}`),
});

/**
 * A Raft-like history of leader logs: leader k (term k+1) starts from a prefix of an earlier leader's
 * log and appends entries of its own term. (index, term) thus identifies one prefix, as in Raft.
 */
const leaderLogs = fc
  .array(fc.record({ parent: fc.nat(), keep: fc.nat(), add: fc.integer({ min: 0, max: 6 }) }), {
    minLength: 1,
    maxLength: 6,
  })
  .map((specs) => {
    const logs: Entry[][] = [];
    specs.forEach((s, k) => {
      const parent = k === 0 ? [] : (logs[s.parent % k] ?? []);
      const prefix = parent.slice(0, parent.length === 0 ? 0 : s.keep % (parent.length + 1));
      const own = Array.from({ length: s.add }, (_, i) => normal(prefix.length + i + 1, k + 1));
      logs.push([...prefix, ...own]);
    });
    return logs;
  });

describe('properties', () => {
  test('log matching: after any sequence of appends from any leaders, the log is a prefix of the leader log of its last term', () => {
    fc.assert(
      fc.property(
        leaderLogs,
        fc.array(fc.record({ leader: fc.nat(), prev: fc.nat(), count: fc.nat(), commit: fc.nat() }), {
          maxLength: 30,
        }),
        (logs, ops) => {
          const log = new RaftLog({
            hardState: { term: 0, vote: null, commit: 0 },
            snapshot: null,
            entries: [],
          });
          let committed = 0;
          for (const op of ops) {
            const leader = logs[op.leader % logs.length] ?? [];
            const prevIndex = op.prev % (leader.length + 1);
            const prevTerm = prevIndex === 0 ? 0 : (leader[prevIndex - 1]?.term ?? 0);
            const entries = leader.slice(prevIndex, prevIndex + (op.count % 5));
            // Commits stay 0: these leader logs are arbitrary, not all of them could have committed.
            const matched = log.matchTerm(prevIndex, prevTerm);
            const r = log.maybeAppend(prevIndex, prevTerm, 0, entries);
            expect(r !== null).toBe(matched);
            if (r !== null) expect(r).toBe(prevIndex + entries.length);
            expect(log.committed).toBeGreaterThanOrEqual(committed);
            committed = log.committed;
            // Log matching: the whole log is the prefix of the leader log of its last term.
            const last = log.lastIndex();
            if (last > 0) {
              const owner = logs[log.lastTerm() - 1] ?? [];
              const ours = log.slice(1, last + 1);
              expect(ours.map((e) => `${e.index}@${e.term}`)).toEqual(
                owner.slice(0, last).map((e) => `${e.index}@${e.term}`),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('log: committed entries survive any conflicting append', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        (n, commitAt, conflictAt) => {
          const entries = Array.from({ length: n }, (_, i) => normal(i + 1, 1));
          const log = new RaftLog({ hardState: { term: 1, vote: null, commit: 0 }, snapshot: null, entries });
          log.commitTo(Math.min(commitAt, n));
          const c = log.committed;
          const at = Math.min(conflictAt, n - 1);
          log.maybeAppend(at, at === 0 ? 0 : 1, 0, [normal(at + 1, 2)]);
          for (let i = 1; i <= c; i++) expect(log.term(i)).toBe(1);
        },
      ),
    );
  });

  test('quorumIndex is the largest index a majority holds; voteResult is decided exactly at a majority', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 7 }), (matches) => {
        const ids = matches.map((_, i) => `n${i}`);
        const q = quorumIndex(ids, (id) => matches[Number(id.slice(1))] ?? 0);
        const holds = (v: number): boolean => matches.filter((m) => m >= v).length >= majority(ids.length);
        expect(holds(q)).toBe(true);
        expect(holds(q + 1)).toBe(false);
        const votes = new Map(ids.map((id, i) => [id, (matches[i] ?? 0) % 2 === 0] as const));
        const granted = [...votes.values()].filter(Boolean).length;
        const result = voteResult(ids, votes);
        expect(result).toBe(granted >= majority(ids.length) ? 'won' : 'lost');
      }),
    );
  });

  test('inflights: full exactly when count or bytes reach their bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(
          fc.oneof(fc.record({ add: fc.integer({ min: 1, max: 60 }) }), fc.record({ free: fc.nat(30) })),
          { maxLength: 40 },
        ),
        (maxCount, maxBytes, ops) => {
          const inf = new Inflights(maxCount, maxBytes);
          let model: Array<{ index: number; bytes: number }> = [];
          let next = 1;
          for (const op of ops) {
            if ('add' in op) {
              if (inf.full()) continue;
              inf.add(next, op.add);
              model.push({ index: next++, bytes: op.add });
            } else {
              inf.freeLE(op.free);
              model = model.filter((m) => m.index > op.free);
            }
            const bytes = model.reduce((s, m) => s + m.bytes, 0);
            expect(inf.count).toBe(model.length);
            expect(inf.bytes).toBe(bytes);
            expect(inf.full()).toBe(model.length >= maxCount || bytes >= maxBytes);
          }
        },
      ),
    );
  });

  const changeArb: fc.Arbitrary<ConfChange> = fc.oneof(
    fc.record({
      kind: fc.constant('addVoter' as const),
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      address: fc.constant('x:1'),
    }),
    fc.record({
      kind: fc.constant('addNonvoter' as const),
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      address: fc.constant('y:1'),
    }),
    fc.record({ kind: fc.constant('demote' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
  );

  test('configuration history follows appends and truncations exactly like a scan of the log', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ change: changeArb }),
            fc.record({ normal: fc.constant(true) }),
            fc.record({ truncate: fc.nat() }),
          ),
          {
            maxLength: 40,
          },
        ),
        (ops) => {
          const hist = new ConfigurationHistory({ index: 0, configuration: EMPTY_CONFIGURATION });
          const log: Array<{ index: number; config: Configuration | null }> = [];
          let current: Configuration = { servers: [{ id: 'a', address: 'a:1', suffrage: 0 }] };
          for (const op of ops) {
            if ('truncate' in op) {
              const from = log.length === 0 ? 1 : (op.truncate % log.length) + 1;
              log.length = from - 1;
              hist.truncatedFrom(from);
            } else {
              const index = log.length + 1;
              let config: Configuration | null = null;
              if ('change' in op) {
                try {
                  config = applyConfChange(current, op.change);
                } catch (e) {
                  expect(e).toBeInstanceOf(RaftError);
                }
              }
              log.push({ index, config });
              if (config) {
                hist.appended([
                  { index, term: 1, type: EntryType.ConfChange, data: encodeConfiguration(config) },
                ]);
                expect(voters(config).length).toBeGreaterThan(0);
              } else {
                hist.appended([normal(index, 1)]);
              }
            }
            const scan = [...log].reverse().find((e) => e.config !== null);
            expect(hist.latest().index).toBe(scan?.index ?? 0);
            current = scan?.config ?? { servers: [{ id: 'a', address: 'a:1', suffrage: 0 }] };
            if (scan?.config) expect(hist.latest().configuration).toEqual(scan.config);
          }
        },
      ),
    );
  });

  test('random membership changes through a live cluster: at most one uncommitted configuration, quorum math holds', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ change: changeArb }),
            fc.record({ deliver: fc.nat(20) }),
            fc.record({ tick: fc.constant(true) }),
          ),
          {
            maxLength: 40,
          },
        ),
        (ops) => {
          const c = new TestCluster(['a', 'b', 'c', 'd', 'e'], {}, ['a', 'b', 'c']);
          c.elect('a');
          for (const op of ops) {
            const [leader] = c.leaders();
            if ('change' in op && leader) {
              try {
                c.core(leader).proposeConfChange(op.change, 0);
              } catch (e) {
                expect(e).toBeInstanceOf(RaftError);
              }
            } else if ('deliver' in op) {
              for (let i = 0; i < op.deliver; i++) {
                for (const id of c.nodes.keys()) c.processReady(id);
                const m = c.queue.shift();
                if (m) c.nodes.get(m.to)?.core.step(m);
              }
            } else {
              c.tick(undefined, 1);
            }
            for (const id of c.leaders()) {
              const st = c.core(id).status();
              const uncommitted = c
                .node(id)
                .entries.filter((e) => e.type === EntryType.ConfChange && e.index > st.commit);
              expect(uncommitted.length).toBeLessThanOrEqual(1);
              expect(voters(st.configuration).length).toBeGreaterThan(0);
              // A commit this leader made (an entry of its term) is held by a majority of the voters.
              const vs = voters(st.configuration);
              const holders = vs.filter((v) =>
                v === id ? true : (st.progress.find((p) => p.id === v)?.match ?? 0) >= st.commit,
              );
              if (st.commit >= st.configIndex && c.core(id).logTerm(st.commit) === st.term) {
                expect(holders.length).toBeGreaterThanOrEqual(majority(vs.length));
              }
            }
          }
          c.heal();
          c.tick(undefined, 40);
          expect(c.leaders().length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
