/**
 * The SequencerCluster resource: its root schema (spec + status + the rules that need metadata) and the
 * TypeScript types of the whole object, all derived from spec.ts and status.ts.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { API_GROUP_VERSION, KIND } from './names.js';
import { applyDefaults, type JsonSchema } from './schema.js';
import { specSchema, type SequencerClusterSpec, type SequencerClusterSpecInput } from './spec.js';
import { statusSchema, type SequencerClusterStatus } from './status.js';

/**
 * Longest cluster name: object names derived from it must stay valid. The tightest are the
 * StatefulSet's `controller-revision-hash` pod label (`<name>-<up to 10 chars>` ≤ 63) and Service
 * names, which are DNS-1035 labels (`<name>-sequencer` ≤ 63).
 */
export const MAX_CLUSTER_NAME_LENGTH = 52;

export const rootSchema: JsonSchema = {
  type: 'object',
  description:
    'A highly available OP Stack sequencer: op-node, op-geth and a Raft conductor per member; one member sequences at a time.',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: { description: 'Desired state of the sequencer cluster.', ...specSchema.json },
    status: { description: 'Observed state, written by the operator.', ...statusSchema.json },
  },
  'x-kubernetes-validations': [
    {
      rule: `size(self.metadata.name) <= ${MAX_CLUSTER_NAME_LENGTH} && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
      message: `metadata.name must be a DNS label of at most ${MAX_CLUSTER_NAME_LENGTH} characters starting with a letter: it prefixes pod, Service and volume names`,
    },
  ],
};

export interface SequencerCluster {
  apiVersion: typeof API_GROUP_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta;
  spec: SequencerClusterSpec;
  status?: SequencerClusterStatus;
}

/** A SequencerCluster as written by a user, before the API server applies defaults. */
export interface SequencerClusterInput {
  apiVersion: typeof API_GROUP_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta;
  spec: SequencerClusterSpecInput;
  status?: SequencerClusterStatus;
}

/** Applies the schema's defaults the way the API server does; for tests and pure callers. */
export function withDefaults(input: SequencerClusterInput): SequencerCluster {
  return {
    ...input,
    spec: applyDefaults(specSchema.json, input.spec) as SequencerClusterSpec,
  };
}

export type { SequencerClusterSpec, SequencerClusterSpecInput, SequencerClusterStatus };
