/** withRaftLags: every member's Raft lag comes from the leader's report, and is unknown without one. */
import type { RaftStatusReport } from '../../conductor/rpc/backend.js';
import type { ConductorObservation } from '../plan/index.js';
import { withRaftLags, type MemberAnswers } from './observe.js';

const view = (pod: string, leader: boolean): ConductorObservation => ({
  pod,
  reachable: true,
  leader,
  leaderWithId: { id: 'm-0', addr: 'm-0:50050' },
  active: true,
  paused: false,
  stopped: false,
  sequencerHealthy: true,
  sequencerActive: leader,
  membership: { servers: [], version: 1 },
  unsafeHead: null,
  raftLag: null,
});

const report = (id: string, state: string, peers: RaftStatusReport['peers'] = []): RaftStatusReport => ({
  id,
  state,
  term: 3,
  leader: 'm-0',
  recovering: false,
  firstIndex: 1,
  lastIndex: 100,
  commitIndex: 100,
  appliedIndex: 100,
  peers,
});

const lags = (answers: MemberAnswers[]) =>
  withRaftLags(answers).map((o) => [o.pod, o.reachable ? o.raftLag : 'unreachable']);
const silences = (answers: MemberAnswers[]) =>
  withRaftLags(answers).map((o) => [o.pod, o.reachable ? (o.leaderSilenceMs ?? null) : 'unreachable']);

describe('withRaftLags', () => {
  it('takes each follower’s lag from the leader’s report; the leader’s own is 0', () => {
    expect(
      lags([
        {
          observation: view('m-0', true),
          raft: report('m-0', 'leader', [{ id: 'm-1', matchIndex: 93, lag: 7, lastContactMs: 40 }]),
        },
        { observation: view('m-1', false), raft: report('m-1', 'follower') },
        // Not in the leader's configuration yet: no progress, so unknown.
        { observation: view('m-2', false), raft: report('m-2', 'follower') },
        { observation: { pod: 'm-3', reachable: false, error: 'refused' }, raft: null },
      ]),
    ).toEqual([
      ['m-0', 0],
      ['m-1', 7],
      ['m-2', null],
      ['m-3', 'unreachable'],
    ]);
  });

  it('leaves every lag unknown without a leader report (no leader, or conductors without baton_raftStatus)', () => {
    expect(
      lags([
        { observation: view('m-0', true), raft: null },
        { observation: view('m-1', false), raft: report('m-1', 'follower') },
      ]),
    ).toEqual([
      ['m-0', null],
      ['m-1', null],
    ]);
  });

  it('ignores a report that is not the answering member’s own (a misrouted address)', () => {
    expect(
      lags([
        {
          observation: view('m-0', true),
          raft: report('m-9', 'leader', [{ id: 'm-1', matchIndex: 0, lag: 100, lastContactMs: 40 }]),
        },
        { observation: view('m-1', false), raft: null },
      ]),
    ).toEqual([
      ['m-0', null],
      ['m-1', null],
    ]);
  });

  it('carries how long ago the leader heard from each member (0 for the leader itself)', () => {
    expect(
      silences([
        {
          observation: view('m-0', true),
          raft: report('m-0', 'leader', [
            { id: 'm-1', matchIndex: 100, lag: 0, lastContactMs: 40 },
            { id: 'm-2', matchIndex: 95, lag: 5, lastContactMs: 24_000 },
          ]),
        },
        { observation: view('m-1', false), raft: null },
        { observation: view('m-2', false), raft: null },
      ]),
    ).toEqual([
      ['m-0', 0],
      ['m-1', 40],
      ['m-2', 24_000],
    ]);
  });
});
