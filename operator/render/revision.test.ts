/**
 * The revision must change exactly when the pod template changes: a spurious change would restart
 * every member for nothing; a missed change would leave members on an old configuration forever.
 */
import fc from 'fast-check';
import { exampleCluster } from '../api/examples.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import { renderCluster } from './cluster.js';
import { canonicalJson } from './revision.js';

const base = exampleCluster('sequencercluster.yaml');

function render(
  cluster: SequencerCluster,
  extra: { bootstrapMember?: string | null; jwt?: string; replicas?: number } = {},
) {
  const r = renderCluster({
    cluster,
    operatorVersion: '1.0.0',
    bootstrapMember: extra.bootstrapMember ?? null,
    ...(extra.jwt ? { jwtSecretName: extra.jwt } : {}),
    ...(extra.replicas !== undefined ? { statefulSetReplicas: extra.replicas } : {}),
  });
  const { annotations = {}, ...metadata } = r.statefulSet.spec?.template.metadata ?? {};
  const { 'baton.dev/revision': _revision, ...otherAnnotations } = annotations;
  return {
    revision: r.revision,
    template: canonicalJson({
      ...r.statefulSet.spec?.template,
      metadata: { ...metadata, annotations: otherAnnotations },
    }),
  };
}

/** Spec edits that may or may not touch the pod template. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('replicas' as const), value: fc.constantFrom(1, 3, 5, 7) }),
  fc.record({ kind: fc.constant('paused' as const), value: fc.boolean() }),
  fc.record({ kind: fc.constant('opNodeImage' as const), value: fc.constantFrom('op-node:a', 'op-node:b') }),
  fc.record({
    kind: fc.constant('gethArgs' as const),
    value: fc.array(fc.constantFrom('--cache=1024', '--gcmode=archive'), { maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), value: fc.constantFrom('1000ms', '2s') }),
  fc.record({ kind: fc.constant('minReady' as const), value: fc.constantFrom(10, 30) }),
  fc.record({
    kind: fc.constant('leaderUpdate' as const),
    value: fc.constantFrom('Unsupervised', 'Supervised'),
  }),
  fc.record({ kind: fc.constant('annotation' as const), value: fc.constantFrom('a', 'b') }),
  fc.record({ kind: fc.constant('bootstrap' as const), value: fc.constantFrom(null, 'mychain-0') }),
  fc.record({ kind: fc.constant('jwt' as const), value: fc.constantFrom('mychain-jwt', 'other-jwt') }),
  fc.record({ kind: fc.constant('stsReplicas' as const), value: fc.integer({ min: 0, max: 7 }) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(cluster: SequencerCluster, edits: Edit[]) {
  let spec = structuredClone(cluster.spec);
  const extra: { bootstrapMember?: string | null; jwt?: string; replicas?: number } = {};
  for (const e of edits) {
    switch (e.kind) {
      case 'replicas':
        spec = { ...spec, replicas: e.value };
        break;
      case 'paused':
        spec = { ...spec, paused: e.value };
        break;
      case 'opNodeImage':
        spec = { ...spec, opNode: { ...spec.opNode, image: e.value } };
        break;
      case 'gethArgs':
        spec = { ...spec, opGeth: { ...spec.opGeth, args: e.value } };
        break;
      case 'heartbeat':
        spec = {
          ...spec,
          conductor: { ...spec.conductor, raft: { ...spec.conductor.raft, heartbeatTimeout: e.value } },
        };
        break;
      case 'minReady':
        spec = { ...spec, updateStrategy: { ...spec.updateStrategy, minReadySeconds: e.value } };
        break;
      case 'leaderUpdate':
        spec = { ...spec, updateStrategy: { ...spec.updateStrategy, leaderUpdate: e.value } };
        break;
      case 'annotation':
        spec = { ...spec, podTemplate: { ...spec.podTemplate, annotations: { note: e.value } } };
        break;
      case 'bootstrap':
        extra.bootstrapMember = e.value;
        break;
      case 'jwt':
        extra.jwt = e.value;
        break;
      case 'stsReplicas':
        extra.replicas = e.value;
        break;
    }
  }
  return render({ ...cluster, spec }, extra);
}

describe('revision', () => {
  it('changes if and only if the pod template changes', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 4 }), fc.array(edit, { maxLength: 4 }), (a, b) => {
        const ra = apply(base, a);
        const rb = apply(base, b);
        expect(ra.revision === rb.revision).toBe(ra.template === rb.template);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores what is not in the template: replicas, paused, update strategy timings, bootstrap member', () => {
    const r0 = render(base).revision;
    expect(apply(base, [{ kind: 'replicas', value: 5 }]).revision).toBe(r0);
    expect(apply(base, [{ kind: 'paused', value: true }]).revision).toBe(r0);
    expect(apply(base, [{ kind: 'leaderUpdate', value: 'Supervised' }]).revision).toBe(r0);
    expect(apply(base, [{ kind: 'bootstrap', value: 'mychain-0' }]).revision).toBe(r0);
    expect(apply(base, [{ kind: 'stsReplicas', value: 1 }]).revision).toBe(r0);
    expect(apply(base, [{ kind: 'opNodeImage', value: 'op-node:b' }]).revision).not.toBe(r0);
    expect(apply(base, [{ kind: 'heartbeat', value: '2s' }]).revision).not.toBe(r0);
  });

  it('does not depend on key order', () => {
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    expect(render(reverseKeys(base) as SequencerCluster).revision).toBe(render(base).revision);
  });
});
