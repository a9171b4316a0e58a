/**
 * References a SequencerCluster makes to objects the user provides — the rollup config and genesis
 * ConfigMaps, the L1 and sequencer-key Secrets — checked before anything is rendered. The schema can only
 * check their shape; whether they exist is only known at reconcile time. A missing object or key would
 * otherwise surface minutes later as a pod stuck in CreateContainerConfigError, far from its cause; here
 * it becomes a condition and an Event that name the object, the key and the spec field to fix.
 */
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import type { KeyRef } from '../api/values.js';
import type { KubeClient } from './client.js';
import { isNotFound } from './client.js';
import { CONFIG_MAPS, pathOf, SECRETS } from './resources.js';

export interface ReferenceProblem {
  /** CamelCase: condition and Event reason. */
  readonly reason: 'MissingSecret' | 'MissingSecretKey' | 'MissingConfigMap' | 'MissingConfigMapKey';
  readonly message: string;
}

interface Reference {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly field: string;
  readonly ref: KeyRef;
}

export function referencesOf(cluster: SequencerCluster): Reference[] {
  const { spec } = cluster;
  const refs: (Reference | null)[] = [
    { kind: 'ConfigMap', field: 'spec.chain.rollupConfig', ref: spec.chain.rollupConfig },
    spec.chain.genesis ? { kind: 'ConfigMap', field: 'spec.chain.genesis', ref: spec.chain.genesis } : null,
    { kind: 'Secret', field: 'spec.chain.l1.rpcUrl', ref: spec.chain.l1.rpcUrl },
    spec.chain.l1.beaconUrl
      ? { kind: 'Secret', field: 'spec.chain.l1.beaconUrl', ref: spec.chain.l1.beaconUrl }
      : null,
    { kind: 'Secret', field: 'spec.sequencerKey', ref: spec.sequencerKey },
    spec.jwtSecret ? { kind: 'Secret', field: 'spec.jwtSecret', ref: spec.jwtSecret } : null,
  ];
  return refs.filter((r): r is Reference => r !== null);
}

interface DataObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** Every problem with the cluster's references (empty when all exist); one GET per distinct object. */
export async function checkReferences(
  client: KubeClient,
  cluster: SequencerCluster,
): Promise<ReferenceProblem[]> {
  const namespace = cluster.metadata.namespace ?? '';
  const refs = referencesOf(cluster);
  const fetched = new Map<string, Promise<DataObject | null>>();
  const read = (kind: Reference['kind'], name: string): Promise<DataObject | null> => {
    const id = `${kind}/${name}`;
    let p = fetched.get(id);
    if (!p) {
      p = client
        .request<DataObject>('GET', pathOf(kind === 'Secret' ? SECRETS : CONFIG_MAPS, namespace, name))
        .catch((e: unknown) => {
          if (isNotFound(e)) return null;
          throw e;
        });
      fetched.set(id, p);
    }
    return p;
  };
  const problems: ReferenceProblem[] = [];
  for (const { kind, field, ref } of refs) {
    const object = await read(kind, ref.name);
    if (object === null) {
      problems.push({
        reason: kind === 'Secret' ? 'MissingSecret' : 'MissingConfigMap',
        message: `${kind} ${namespace}/${ref.name} (${field}) does not exist: create it with key "${ref.key}", or point ${field}.name at an existing ${kind}`,
      });
      continue;
    }
    const keys = [...Object.keys(object.data ?? {}), ...Object.keys(object.binaryData ?? {})];
    if (!keys.includes(ref.key)) {
      problems.push({
        reason: kind === 'Secret' ? 'MissingSecretKey' : 'MissingConfigMapKey',
        message: `${kind} ${namespace}/${ref.name} (${field}) has no key "${ref.key}": add it, or set ${field}.key to one of its keys (${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'it has none'})`,
      });
    }
  }
  return problems;
}
