/**
 * Schemas for the Kubernetes types a SequencerCluster embeds in its pod template (env, resources,
 * tolerations, affinity, topology spread constraints, image pull secrets), typed with the
 * @kubernetes/client-node models so the renderer can pass them through without conversion.
 *
 * They are deliberately shallow: the fields the operator itself reads are declared, the rest of deep
 * types such as affinity is preserved as given and validated by the API server when the StatefulSet is
 * applied (the controller reports that error on the SequencerCluster). Inlining the full upstream
 * schemas (as controller-gen does) would add thousands of lines to the CRD for no behaviour of ours.
 */
import type {
  V1Affinity,
  V1EnvVar,
  V1LocalObjectReference,
  V1ResourceRequirements,
  V1Toleration,
  V1TopologySpreadConstraint,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { array, custom, map, string, type JsonSchema, type Schema } from './schema.js';
import { QUANTITY_PATTERN } from './values.js';

const quantityNode: JsonSchema = {
  'x-kubernetes-int-or-string': true,
  pattern: QUANTITY_PATTERN,
};

export function resources(): Schema<V1ResourceRequirements> {
  return custom<V1ResourceRequirements>({
    type: 'object',
    properties: {
      limits: {
        description: 'Maximum compute resources (e.g. memory: 4Gi).',
        type: 'object',
        additionalProperties: quantityNode,
        maxProperties: 16,
      },
      requests: {
        description: 'Compute resources the scheduler reserves (e.g. cpu: 500m).',
        type: 'object',
        additionalProperties: quantityNode,
        maxProperties: 16,
      },
    },
  });
}

/** Container environment variables, merged by name; `valueFrom` is passed through as given. */
export function envVars(): Schema<V1EnvVar[]> {
  return custom<V1EnvVar[]>({
    type: 'array',
    maxItems: 64,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
    items: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 256 },
        value: { type: 'string', maxLength: 32768 },
        valueFrom: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  });
}

/** Extra arguments appended after the ones the operator wires; later flags override earlier ones. */
export function args(): Schema<string[]> {
  return array(string({ maxLength: 4096 }), { maxItems: 128 });
}

/** Replaces the image's entrypoint (e.g. `["baton", "sim", "op-node"]` for the simulator). */
export function command(): Schema<string[]> {
  return array(string({ maxLength: 4096 }), { maxItems: 16, minItems: 1 });
}

export function stringMap(maxProperties: number): Schema<Record<string, string>> {
  return map(string({ maxLength: 63 * 1024 }), { maxProperties });
}

export function tolerations(): Schema<V1Toleration[]> {
  return custom<V1Toleration[]>({
    type: 'array',
    maxItems: 32,
    items: {
      type: 'object',
      properties: {
        key: { type: 'string', maxLength: 316 },
        operator: { type: 'string', enum: ['Exists', 'Equal'] },
        value: { type: 'string', maxLength: 63 },
        effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
        tolerationSeconds: { type: 'integer', format: 'int64' },
      },
    },
  });
}

export function affinity(): Schema<V1Affinity> {
  return custom<V1Affinity>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
}

export function topologySpreadConstraints(): Schema<V1TopologySpreadConstraint[]> {
  return custom<V1TopologySpreadConstraint[]>({
    type: 'array',
    maxItems: 8,
    items: {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
      properties: {
        maxSkew: { type: 'integer', format: 'int32', minimum: 1 },
        topologyKey: { type: 'string', minLength: 1, maxLength: 316 },
        whenUnsatisfiable: { type: 'string', enum: ['DoNotSchedule', 'ScheduleAnyway'] },
      },
    },
  });
}

export function imagePullSecrets(): Schema<V1LocalObjectReference[]> {
  return custom<V1LocalObjectReference[]>({
    type: 'array',
    maxItems: 16,
    items: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 253 } },
    },
  });
}

export function imagePullPolicy(): Schema<'Always' | 'IfNotPresent' | 'Never'> {
  return custom<'Always' | 'IfNotPresent' | 'Never'>({
    type: 'string',
    enum: ['Always', 'IfNotPresent', 'Never'],
  });
}

/** Volume names the operator renders itself (render/volumes.ts and the claim templates). */
export const RESERVED_VOLUME_NAMES = [
  'tmp',
  'chain',
  'jwt',
  'p2p-keys',
  'geth-p2p',
  'geth-data',
  'raft-data',
];
const reservedList = RESERVED_VOLUME_NAMES.map((n) => `'${n}'`).join(', ');

/** Extra pod volumes: the name is checked here (it must not shadow ours), the source by the API server. */
export function volumes(): Schema<V1Volume[]> {
  return custom<V1Volume[]>({
    type: 'array',
    maxItems: 16,
    items: {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 63 } },
      'x-kubernetes-validations': [
        {
          rule: `!(self.name in [${reservedList}])`,
          message: `podTemplate.volumes: the names ${RESERVED_VOLUME_NAMES.join(', ')} are the operator's`,
        },
      ],
    },
    // A map-list: the API server itself rejects two volumes of one name.
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  });
}

/** Extra mounts of podTemplate.volumes into one container. */
export function volumeMounts(): Schema<V1VolumeMount[]> {
  return custom<V1VolumeMount[]>({
    type: 'array',
    maxItems: 16,
    items: {
      type: 'object',
      required: ['name', 'mountPath'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 63 },
        mountPath: { type: 'string', minLength: 1, maxLength: 1024 },
        subPath: { type: 'string', maxLength: 1024 },
        readOnly: { type: 'boolean' },
      },
      'x-kubernetes-validations': [
        {
          rule: "self.mountPath.startsWith('/') && !(self.mountPath in ['/data', '/raft', '/tmp']) && !self.mountPath.startsWith('/etc/baton')",
          message:
            'mountPath must be absolute and outside /data, /raft, /tmp and /etc/baton (the operator mounts those)',
        },
      ],
    },
  });
}
