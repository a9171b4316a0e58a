/**
 * The conditions' one home: metav1 transition semantics shared by a reconciled and a blocked cluster, and
 * what a blocked cluster says (the controller writes exactly this; the planner's status uses the same
 * withTransitions).
 */
import { blockedConditions, CONDITION_TYPES, withTransitions, type PreviousCondition } from './conditions.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('conditions', () => {
  const previous: PreviousCondition[] = [
    { type: 'Ready', status: 'True', reason: 'ClusterReady', message: 'ok', lastTransitionTime: iso(T0) },
    {
      type: 'Degraded',
      status: 'True',
      reason: 'MembersUnhealthy',
      message: 'seq-2: down',
      lastTransitionTime: iso(T0),
    },
    { type: 'Stalled', status: 'False', reason: 'NotStalled', message: '', lastTransitionTime: iso(T0) },
  ];

  test('a blocked cluster: not Ready, not Progressing, Stalled with the reason; Degraded as last observed', () => {
    const values = blockedConditions(previous, 'MissingSecret', 'Secret seq-key not found');
    const conditions = withTransitions(previous, values, 7, T0 + 60_000);
    expect(conditions.map((c) => c.type)).toEqual([...CONDITION_TYPES]);
    const by = Object.fromEntries(conditions.map((c) => [c.type, c]));
    expect(by.Ready).toMatchObject({ status: 'False', reason: 'MissingSecret', observedGeneration: 7 });
    expect(by.Stalled).toMatchObject({
      status: 'True',
      reason: 'MissingSecret',
      message: 'Secret seq-key not found',
    });
    expect(by.Progressing).toMatchObject({ status: 'False', reason: 'MissingSecret' });
    expect(by.Degraded).toMatchObject({ status: 'True', reason: 'MembersUnhealthy', message: 'seq-2: down' });
    // Flipped conditions move their transition time; the unchanged one keeps it.
    expect(by.Ready?.lastTransitionTime).toBe(iso(T0 + 60_000));
    expect(by.Stalled?.lastTransitionTime).toBe(iso(T0 + 60_000));
    expect(by.Degraded?.lastTransitionTime).toBe(iso(T0));
    // Never observed: Progressing had no previous entry.
    expect(by.Progressing?.lastTransitionTime).toBe(iso(T0 + 60_000));
  });

  test('without any previous status, Degraded is Unknown (the members were never looked at)', () => {
    const by = Object.fromEntries(
      withTransitions(undefined, blockedConditions(undefined, 'InvalidSpec', 'bad'), 1, T0).map((c) => [
        c.type,
        c,
      ]),
    );
    expect(by.Degraded).toMatchObject({ status: 'Unknown', reason: 'NotObserved' });
    expect(by.Ready?.lastTransitionTime).toBe(iso(T0));
  });
});
