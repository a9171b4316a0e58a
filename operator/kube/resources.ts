/**
 * REST paths of the kinds the operator reads and writes. Kept as a fixed table instead of API discovery:
 * the operator only ever touches these kinds, and a missing CRD should fail loudly at start-up rather
 * than be discovered lazily.
 */
import { API_GROUP, API_VERSION, PLURAL } from '../api/names.js';

export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

const r = (group: string, version: string, plural: string, kind: string): ResourceType => ({
  group,
  version,
  plural,
  kind,
});

export const SEQUENCER_CLUSTERS = r(API_GROUP, API_VERSION, PLURAL, 'SequencerCluster');
export const STATEFUL_SETS = r('apps', 'v1', 'statefulsets', 'StatefulSet');
export const PODS = r('', 'v1', 'pods', 'Pod');
export const SERVICES = r('', 'v1', 'services', 'Service');
export const CONFIG_MAPS = r('', 'v1', 'configmaps', 'ConfigMap');
export const SECRETS = r('', 'v1', 'secrets', 'Secret');
export const SERVICE_ACCOUNTS = r('', 'v1', 'serviceaccounts', 'ServiceAccount');
export const PDBS = r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget');
export const EVENTS = r('', 'v1', 'events', 'Event');
export const LEASES = r('coordination.k8s.io', 'v1', 'leases', 'Lease');

const BY_KIND = new Map(
  [STATEFUL_SETS, PODS, SERVICES, CONFIG_MAPS, SECRETS, SERVICE_ACCOUNTS, PDBS, EVENTS, LEASES].map((t) => [
    `${t.group ? `${t.group}/` : ''}${t.version}/${t.kind}`,
    t,
  ]),
);
BY_KIND.set(`${API_GROUP}/${API_VERSION}/SequencerCluster`, SEQUENCER_CLUSTERS);

/** The resource type of an object by its apiVersion and kind. */
export function resourceOf(apiVersion: string, kind: string): ResourceType {
  const t = BY_KIND.get(`${apiVersion}/${kind}`);
  if (!t) throw new Error(`the operator does not manage ${apiVersion} ${kind}`);
  return t;
}

/**
 * `/api/v1/namespaces/ns/pods/name/status`. An empty namespace means all namespaces (collections only).
 */
export function pathOf(t: ResourceType, namespace: string, name?: string, subresource?: string): string {
  const root = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name ? `/${encodeURIComponent(name)}` : '';
  const sub = subresource ? `/${subresource}` : '';
  return `${root}${ns}/${t.plural}${obj}${sub}`;
}
