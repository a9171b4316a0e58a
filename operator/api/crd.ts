/**
 * The CustomResourceDefinition of SequencerCluster, built from the schema in this directory. This
 * object is what `generate.ts` prints into crds/ and the chart; nothing else defines the CRD.
 */
import { API_GROUP, API_VERSION, CRD_NAME, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR } from './names.js';
import type { JsonSchema } from './schema.js';
import { rootSchema } from './sequencer-cluster.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/**
 * Wire form of apiextensions.k8s.io/v1 CustomResourceDefinition (only the fields we set). Not the
 * client-node model: see schema.ts for why.
 */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchema };
      subresources: {
        status: Record<string, never>;
        scale: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

export const PRINTER_COLUMNS: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.ready',
    description: 'Ready members / desired members',
  },
  {
    name: 'Leader',
    type: 'string',
    jsonPath: '.status.leader.pod',
    description: 'Pod of the Raft leader (the active sequencer)',
  },
  {
    name: 'Head',
    type: 'integer',
    jsonPath: '.status.head',
    description: 'Committed unsafe head block number',
  },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Revision', type: 'string', jsonPath: '.status.updateRevision', priority: 1 },
];

export function buildCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { 'app.kubernetes.io/name': 'baton', 'app.kubernetes.io/part-of': 'baton' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: KIND,
        listKind: LIST_KIND,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [...SHORT_NAMES],
        categories: ['baton'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: rootSchema },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: PRINTER_COLUMNS,
        },
      ],
    },
  };
}
