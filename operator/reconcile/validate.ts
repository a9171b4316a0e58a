/**
 * References a SequencerCluster makes to objects the user provides — the rollup config and genesis
 * ConfigMaps, the L1 and sequencer-key Secrets — checked before anything is rendered. The schema can only
 * check their shape; whether they exist is only known at reconcile time. A missing object or key would
 * otherwise surface minutes later as a pod stuck in CreateContainerConfigError, far from its cause; here
 * it becomes a condition and an Event that name the object, the key and the spec field to fix.
 */
import { createHash } from 'node:crypto';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import type { KeyRef } from '../api/values.js';
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/client.js';
import { CONFIG_MAPS, pathOf, SECRETS } from '../kube/resources.js';

export interface ReferenceProblem {
  /** CamelCase: condition and Event reason. */
  readonly reason:
    | 'MissingSecret'
    | 'MissingSecretKey'
    | 'MissingConfigMap'
    | 'MissingConfigMapKey'
    | 'InvalidRollupConfig'
    | 'BeaconRequired';
  readonly message: string;
}

interface Reference {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly field: string;
  readonly ref: KeyRef;
  /**
   * Read by the members only when they start, so a new value must restart them (config digest).
   * False for the genesis: `geth init` uses it once, and a changed genesis on an initialised datadir
   * makes op-geth refuse to start — rolling the members onto it would take them down one by one.
   */
  readonly readAtStart: boolean;
}

export function referencesOf(cluster: SequencerCluster): Reference[] {
  const { spec } = cluster;
  const refs: (Reference | null)[] = [
    {
      kind: 'ConfigMap',
      field: 'spec.chain.rollupConfig',
      ref: spec.chain.rollupConfig,
      readAtStart: true,
    },
    spec.chain.genesis
      ? { kind: 'ConfigMap', field: 'spec.chain.genesis', ref: spec.chain.genesis, readAtStart: false }
      : null,
    { kind: 'Secret', field: 'spec.chain.l1.rpcUrl', ref: spec.chain.l1.rpcUrl, readAtStart: true },
    spec.chain.l1.beaconUrl
      ? {
          kind: 'Secret',
          field: 'spec.chain.l1.beaconUrl',
          ref: spec.chain.l1.beaconUrl,
          readAtStart: true,
        }
      : null,
    spec.chain.l1.chainConfig
      ? {
          kind: 'ConfigMap',
          field: 'spec.chain.l1.chainConfig',
          ref: spec.chain.l1.chainConfig,
          readAtStart: true,
        }
      : null,
    { kind: 'Secret', field: 'spec.sequencerKey', ref: spec.sequencerKey, readAtStart: true },
    spec.jwtSecret
      ? { kind: 'Secret', field: 'spec.jwtSecret', ref: spec.jwtSecret, readAtStart: true }
      : null,
  ];
  return refs.filter((r): r is Reference => r !== null);
}

interface DataObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** A referenced value, as stored (Secret data is base64; that is as good as the bytes for a digest). */
export interface ReferencedValue {
  readonly kind: Reference['kind'];
  readonly name: string;
  readonly key: string;
  readonly value: string;
}

/**
 * The config digest (CONFIG_DIGEST_ANNOTATION): sha256 over the values, in a canonical order, first 16
 * hex characters. Names and keys are included, so pointing a field at another object with the same
 * content also counts as a change; the order of the references does not.
 */
export function configDigest(values: readonly ReferencedValue[]): string {
  const lines = [...new Set(values.map((v) => JSON.stringify([v.kind, v.name, v.key, v.value])))].sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

export interface ReferenceCheck {
  /** Empty when every referenced object and key exists. */
  readonly problems: ReferenceProblem[];
  /** configDigest of the values read at start; meaningful only without problems. */
  readonly configDigest: string;
}

/** Every problem with the cluster's references, and the digest of their values; one GET per object. */
export async function checkReferences(
  client: KubeClient,
  cluster: SequencerCluster,
): Promise<ReferenceCheck> {
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
  const values: ReferencedValue[] = [];
  for (const { kind, field, ref, readAtStart } of refs) {
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
      continue;
    }
    if (readAtStart) {
      const value = object.data?.[ref.key] ?? object.binaryData?.[ref.key] ?? '';
      values.push({ kind, name: ref.name, key: ref.key, value });
    }
    if (field === 'spec.chain.rollupConfig') {
      const problem = rollupConfigProblem(cluster, object.data?.[ref.key], `${namespace}/${ref.name}`);
      if (problem) problems.push(problem);
    }
  }
  return { problems, configDigest: configDigest(values) };
}

/**
 * What op-node would refuse at start about the rollup config, found before a pod crash-loops on it:
 * not JSON (op-node: "failed to decode rollup config"), or Ecotone scheduled with no L1 beacon API
 * and no --l1.beacon.ignore (op-node config.Check: "expected L1 Beacon API endpoint, but got none").
 */
export function rollupConfigProblem(
  cluster: SequencerCluster,
  text: string | undefined,
  where: string,
): ReferenceProblem | null {
  let config: unknown;
  try {
    config = JSON.parse(text ?? '');
  } catch (error) {
    return {
      reason: 'InvalidRollupConfig',
      message: `ConfigMap ${where} key "${cluster.spec.chain.rollupConfig.key}" (spec.chain.rollupConfig) is not JSON (${(error as Error).message}): put the chain's rollup.json there as text`,
    };
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return {
      reason: 'InvalidRollupConfig',
      message: `ConfigMap ${where} key "${cluster.spec.chain.rollupConfig.key}" (spec.chain.rollupConfig) is not a rollup config (a JSON object)`,
    };
  }
  const ecotone = (config as Record<string, unknown>)['ecotone_time'];
  const { l1 } = cluster.spec.chain;
  if (ecotone !== undefined && ecotone !== null && !l1.beaconUrl && !l1.beaconIgnore) {
    return {
      reason: 'BeaconRequired',
      message: `the rollup config schedules Ecotone (ecotone_time ${JSON.stringify(ecotone)}), so op-node needs an L1 beacon API for blob batches: set spec.chain.l1.beaconUrl, or spec.chain.l1.beaconIgnore: true if every batch of this chain is calldata`,
    };
  }
  return null;
}
