import { selectTransferTarget, type PeerView } from './select-target.js';

const healthy = { healthy: true, paused: false, stopped: false, unsafeHeadNumber: 100 };

function peer(id: string, matchIndex: number, report: PeerView['report']): PeerView {
  return { id, address: `${id}:50050`, matchIndex, report };
}

describe('selectTransferTarget', () => {
  it('prefers the most caught-up healthy voter', () => {
    const choice = selectTransferTarget(
      [peer('a', 10, healthy), peer('b', 12, healthy), peer('c', 14, { ...healthy, healthy: false })],
      100,
      64,
    );
    expect(choice).toEqual({ kind: 'peer', id: 'b', address: 'b:50050' });
  });

  it('never hands off to a member that cannot sequence', () => {
    const choice = selectTransferTarget(
      [
        peer('a', 10, null),
        peer('b', 12, { ...healthy, paused: true }),
        peer('c', 14, { ...healthy, stopped: true }),
        peer('d', 14, { ...healthy, unsafeHeadNumber: 10 }),
        peer('e', 14, { ...healthy, healthy: false }),
      ],
      100,
      64,
    );
    expect(choice.kind).toBe('none');
    expect(choice.kind === 'none' && choice.reason).toBe(
      'no voter can take over sequencing (a: unreachable; b: paused; c: stopped; d: 90 blocks behind; e: unhealthy)',
    );
  });

  it('breaks ties by execution head, then id', () => {
    const choice = selectTransferTarget(
      [peer('b', 12, healthy), peer('a', 12, healthy), peer('c', 12, { ...healthy, unsafeHeadNumber: 101 })],
      101,
      64,
    );
    expect(choice).toEqual({ kind: 'peer', id: 'c', address: 'c:50050' });
    expect(selectTransferTarget([peer('b', 12, healthy), peer('a', 12, healthy)], 100, 64)).toMatchObject({
      id: 'a',
    });
  });

  it('round-robin takes the next usable id after the current leader, wrapping around', () => {
    const peers = [
      peer('seq-0', 1, healthy),
      peer('seq-2', 9, healthy),
      peer('seq-3', 9, { ...healthy, healthy: false }),
    ];
    expect(selectTransferTarget(peers, 100, 64, 'seq-1')).toMatchObject({ id: 'seq-2' });
    expect(selectTransferTarget(peers, 100, 64, 'seq-2')).toMatchObject({ id: 'seq-0' });
  });
});
