/**
 * Property tests over random, partly chaotic observations: unreachable and unhealthy conductors, missing,
 * pending and terminating pods, lagging heads, stale configurations, extra leader claims, random memory.
 * Whatever the planner chooses must satisfy the safety properties, judged by an oracle written here
 * independently of health.ts/quorum.ts.
 */
import fc from 'fast-check';
import { plan } from './plan.js';
import type {
  ConductorObservation,
  Membership,
  Observed,
  OperationPhase,
  PodObservation,
  RaftServer,
} from './observed.js';
import { computeStatus } from './status.js';
import { DEFAULT_TUNING } from './tuning.js';
import { CLUSTER, NEW, NOW, NS, OLD, STRATEGY, addr, pod } from './testing/fixtures.js';

const MAX = 5;

/** true with probability p/10: chaos is frequent enough to matter, rare enough that healthy paths are reached. */
const mostly = (tenths: number) => fc.integer({ min: 0, max: 9 }).map((x) => x < tenths);

const podArb = (i: number) =>
  fc.record({
    exists: mostly(9),
    phase: fc.constantFrom<PodObservation['phase']>(
      ...Array<'Running'>(8).fill('Running'),
      'Pending',
      'Failed',
    ),
    ready: mostly(9),
    readyAgoMs: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant(3_600_000)),
    terminating: mostly(1),
    nodeCordoned: mostly(1),
    revision: fc.constantFrom(OLD, NEW, NEW),
    /** Mostly the correct label for the generated state; sometimes an arbitrary one. */
    correctRole: mostly(9),
    anyRole: fc.constantFrom<PodObservation['role']>('active', 'standby', null),
    uid: fc.constantFrom(`uid-${i}-a`, `uid-${i}-b`),
  });

const conductorArb = fc.record({
  reachable: mostly(9),
  claimsLeader: mostly(1),
  paused: mostly(1),
  stopped: mostly(1),
  active: mostly(9),
  sequencerHealthy: mostly(8),
  headLag: fc.option(fc.oneof(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 6 })), {
    nil: null,
    freq: 8,
  }),
  raftLag: fc.option(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 100 })), {
    nil: null,
  }),
  /** 0: leader's configuration; 1: one version behind; 2: empty (no Raft state). */
  config: fc.constantFrom(0, 0, 0, 0, 0, 1, 2),
});

const observedArb: fc.Arbitrary<Observed> = fc
  .record({
    members: fc.integer({ min: 1, max: MAX }),
    nonvoters: fc.integer({ min: 0, max: 2 }),
    replicas: fc.integer({ min: 1, max: MAX }),
    leader: fc.option(fc.integer({ min: 0, max: MAX - 1 }), { nil: null, freq: 6 }),
    pods: fc.tuple(...Array.from({ length: MAX + 1 }, (_, i) => podArb(i))),
    conductors: fc.array(conductorArb, { minLength: MAX + 1, maxLength: MAX + 1 }),
    stsReplicas: fc.option(fc.integer({ min: 1, max: MAX + 1 }), { nil: null, freq: 10 }),
    formed: fc.boolean(),
    bootstrapMember: fc.constantFrom(null, pod(0)),
    rollout: fc.option(
      fc.record({
        phase: fc.constantFrom<OperationPhase>(
          'Bootstrapping',
          'AddingMember',
          'RemovingMember',
          'TransferringLeadership',
          'RestartingMember',
          'AwaitingApproval',
        ),
        pod: fc.integer({ min: 0, max: MAX }).map(pod),
        podUid: fc.constantFrom(null, 'uid-0-a', 'uid-1-a', 'uid-2-a'),
        startedAgo: fc.integer({ min: 0, max: 1_000_000 }),
        attemptedAgo: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
      }),
      { nil: null, freq: 2 },
    ),
    leaderUpdate: fc.constantFrom<'Supervised' | 'Unsupervised'>('Supervised', 'Unsupervised'),
    approval: fc.constantFrom(null, NEW),
    /** calm: healthy except at most one sick member; chaos: everything random; fresh: no Raft state anywhere. */
    mode: fc.constantFrom('calm', 'calm', 'chaos', 'fresh'),
    sick: fc.integer({ min: 0, max: MAX + 3 }),
  })
  .map((raw): Observed => {
    const calmish = raw.mode !== 'chaos';
    const members = raw.members;
    const r = {
      ...raw,
      leader: raw.mode === 'fresh' ? null : calmish ? Math.min(raw.leader ?? 0, members - 1) : raw.leader,
      bootstrapMember: calmish ? null : raw.bootstrapMember,
      // A third of calm states are already at the right size, so the upgrade rows are reached often.
      ...(raw.mode === 'calm' && raw.nonvoters === 0 ? { replicas: members, stsReplicas: members } : {}),
      formed: raw.mode === 'fresh' ? raw.formed && raw.sick === 0 : raw.formed,
      pods: raw.pods.map((p, i) =>
        calmish
          ? {
              ...p,
              exists: p.exists || i < members,
              phase: 'Running' as const,
              ready: true,
              terminating: false,
              nodeCordoned: false,
              correctRole: true,
            }
          : p,
      ),
      conductors: raw.conductors.map((c, i) =>
        calmish
          ? {
              ...c,
              reachable: true,
              claimsLeader: false,
              paused: false,
              stopped: false,
              active: true,
              sequencerHealthy: i !== raw.sick,
              headLag: 0,
              raftLag: 1,
              config: raw.mode === 'fresh' || i >= members + raw.nonvoters ? 2 : 0,
            }
          : c,
      ),
    };
    const total = Math.min(MAX, r.members + r.nonvoters);
    const servers: RaftServer[] = Array.from({ length: total }, (_, i) => ({
      id: pod(i),
      addr: addr(i),
      suffrage: i < r.members ? 0 : 1,
    }));
    const current: Membership = { servers, version: 20 };
    const older: Membership = { servers: servers.slice(0, Math.max(1, total - 1)), version: 19 };
    const empty: Membership = { servers: [], version: 0 };
    const leaderHead = 5000;
    const pods: PodObservation[] = [];
    const conductors: ConductorObservation[] = [];
    for (let i = 0; i <= MAX; i++) {
      const p = r.pods[i]!;
      if (!p.exists) continue;
      pods.push({
        name: pod(i),
        phase: p.phase,
        ready: p.ready,
        readySince: p.ready ? NOW - p.readyAgoMs : null,
        conductorStartedAt: p.phase === 'Running' ? NOW - p.readyAgoMs : null,
        terminating: p.terminating,
        nodeCordoned: p.nodeCordoned,
        revision: p.revision,
        role: p.correctRole
          ? r.leader === i && r.conductors[i]!.reachable && r.conductors[i]!.sequencerHealthy
            ? 'active'
            : 'standby'
          : p.anyRole,
        restartCount: 0,
        uid: p.uid,
      });
      const c = r.conductors[i]!;
      if (!c.reachable) {
        conductors.push({ pod: pod(i), reachable: false, error: 'timeout' });
        continue;
      }
      const isLeader = r.leader === i || (c.claimsLeader && i === MAX);
      const membership = isLeader ? current : c.config === 0 ? current : c.config === 1 ? older : empty;
      conductors.push({
        pod: pod(i),
        reachable: true,
        leader: isLeader && membership.servers.length > 0,
        leaderWithId: r.leader === null ? { id: '', addr: '' } : { id: pod(r.leader), addr: addr(r.leader) },
        active: c.active,
        paused: c.paused,
        stopped: c.stopped,
        sequencerHealthy: c.sequencerHealthy,
        sequencerActive: isLeader ? c.sequencerHealthy : false,
        membership,
        unsafeHead:
          c.headLag === null ? null : { number: leaderHead - (isLeader ? 0 : c.headLag), hash: '0x' },
        raftLag: isLeader ? 0 : c.raftLag,
      });
    }
    return {
      cluster: { name: CLUSTER, namespace: NS },
      desired: {
        replicas: r.replicas,
        updateRevision: NEW,
        paused: false,
        updateStrategy: { ...STRATEGY, leaderUpdate: r.leaderUpdate },
        generation: 3,
      },
      approvals: { leaderUpdate: r.approval },
      statefulSet:
        r.stsReplicas === null ? null : { replicas: r.stsReplicas, readyReplicas: 0, observedCurrent: true },
      pods,
      conductors,
      memory: {
        raft: { formed: r.formed, bootstrapMember: r.bootstrapMember },
        rollout: r.rollout
          ? {
              phase: r.rollout.phase,
              pod: r.rollout.pod,
              target: null,
              podUid: r.rollout.podUid,
              startedAt: NOW - r.rollout.startedAgo,
              attemptedAt: r.rollout.attemptedAgo === null ? null : NOW - r.rollout.attemptedAgo,
            }
          : null,
      },
      now: NOW,
    };
  });

// ---------------------------------------------------------------------------------------------------
// The oracle

type Up = Extract<ConductorObservation, { reachable: true }>;
const reachable = (o: Observed): Up[] => o.conductors.filter((c): c is Up => c.reachable);
const claimants = (o: Observed) => reachable(o).filter((c) => c.leader);

function oracleHealthy(o: Observed, id: string): boolean {
  const p = o.pods.find((x) => x.name === id);
  const c = reachable(o).find((x) => x.pod === id);
  const leader = claimants(o)[0];
  if (!p || p.phase !== 'Running' || !p.ready || p.terminating || !c || c.stopped || !c.sequencerHealthy)
    return false;
  if (leader?.pod === id) return true;
  const ref = leader?.unsafeHead?.number ?? null;
  const headLag = c.unsafeHead && ref !== null ? ref - c.unsafeHead.number : null;
  if (headLag === null && c.raftLag === null) return false;
  if (headLag !== null && headLag > DEFAULT_TUNING.maxHeadLagBlocks) return false;
  if (c.raftLag !== null && c.raftLag > DEFAULT_TUNING.maxRaftLagEntries) return false;
  return true;
}

const majority = (n: number) => Math.floor(n / 2) + 1;

function violations(o: Observed): string[] {
  const step = plan(o);
  const out: string[] = [];
  const leaders = claimants(o);
  const config = leaders.length === 1 ? leaders[0]!.membership : null;
  const voters = (config?.servers ?? []).filter((s) => s.suffrage === 0).map((s) => s.id);

  if (step.kind === 'deletePod') {
    if (leaders.some((c) => c.pod === step.pod))
      out.push('deleted the pod of a conductor that claims leadership');
    if (voters.includes(step.pod)) {
      const left = voters.filter((v) => v !== step.pod && oracleHealthy(o, v)).length;
      if (left < majority(voters.length))
        out.push(`deletePod leaves ${left}/${voters.length} healthy voters`);
    }
  }
  if (step.kind === 'removeMember' || step.kind === 'demoteVoter') {
    if (voters.includes(step.id)) {
      const rest = voters.filter((v) => v !== step.id);
      const left = rest.filter((v) => oracleHealthy(o, v)).length;
      if (left < majority(rest.length)) out.push(`removeMember leaves ${left}/${rest.length} healthy voters`);
    }
  }
  if (step.kind === 'setBootstrapMember') {
    if (o.memory.raft.formed) out.push('bootstrap after the cluster was formed');
    if (reachable(o).some((c) => c.membership.servers.length > 0))
      out.push('bootstrap while a configuration exists');
    if (o.conductors.some((c) => !c.reachable)) out.push('bootstrap while a conductor is silent');
  }
  if (step.kind === 'transferLeadership') {
    const t = reachable(o).find((c) => c.pod === step.to);
    const p = o.pods.find((x) => x.name === step.to);
    if (!t || t.paused || t.stopped || !t.active || !oracleHealthy(o, step.to))
      out.push(`transfer to unusable ${step.to}`);
    if (!voters.includes(step.to)) out.push(`transfer to non-voter ${step.to}`);
    if (!p || p.readySince === null || NOW - p.readySince < STRATEGY.minReadySeconds * 1000)
      out.push('transfer to unsettled pod');
  }
  if (
    step.kind === 'addNonvoter' ||
    step.kind === 'promoteVoter' ||
    step.kind === 'removeMember' ||
    step.kind === 'demoteVoter'
  ) {
    if (!config || step.version !== config.version) out.push(`membership change on version ${step.version}`);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const RUNS = { numRuns: 3000, seed: 4242 };

describe('planner properties on chaotic observations', () => {
  it('never spends quorum, never restarts a leader, never bootstraps over state, never hands off to a member that cannot lead', () => {
    fc.assert(
      fc.property(observedArb, (o) => {
        expect(violations(o)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('reaches the interesting steps (generator coverage)', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(observedArb, (o) => {
        const s = plan(o);
        const k = s.kind === 'wait' || s.kind === 'stalled' ? s.kind + ':' + s.code : s.kind;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }),
      RUNS,
    );
    const kinds = new Set([...seen.keys()].map((k) => k.split(':')[0]));
    const wanted = [
      'deletePod',
      'removeMember',
      'transferLeadership',
      'setBootstrapMember',
      'addNonvoter',
      'promoteVoter',
      'stalled',
      'wait',
    ];
    const missing = wanted.filter((k) => !kinds.has(k));
    expect({ missing, seen: Object.fromEntries(seen) }).toMatchObject({ missing: [] });
  });

  it('is pure: same input, same step; the input is not mutated', () => {
    fc.assert(
      fc.property(observedArb, (o) => {
        const frozen = deepFreeze(structuredClone(o));
        expect(plan(frozen)).toEqual(plan(o));
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('paused → none; leader override or same-version conflict → stalled', () => {
    fc.assert(
      fc.property(observedArb, (o) => {
        expect(plan({ ...o, desired: { ...o.desired, paused: true } }).kind).toBe('none');
        const up = reachable(o);
        if (up.length > 0) {
          const overridden: Observed = {
            ...o,
            conductors: o.conductors.map((c) =>
              c.pod === up[0]!.pod && c.reachable
                ? { ...c, leaderWithId: { id: 'N/A (Leader overridden)', addr: 'N/A' } }
                : c,
            ),
          };
          expect(plan(overridden).kind).toBe('stalled');
        }
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('status is total: four conditions with observedGeneration, "x/y" ready, no clock reads', () => {
    fc.assert(
      fc.property(observedArb, (o) => {
        const step = plan(o);
        const status = computeStatus(o, step, null);
        expect(status.conditions.map((c) => c.type)).toEqual(['Ready', 'Progressing', 'Degraded', 'Stalled']);
        expect(status.conditions.every((c) => c.observedGeneration === 3)).toBe(true);
        expect(status.ready).toMatch(/^\d+\/\d+$/);
        expect(computeStatus(o, step, status)).toEqual(status);
        expect(status.conditions.find((c) => c.type === 'Stalled')?.status).toBe(
          step.kind === 'stalled' ? 'True' : 'False',
        );
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});
