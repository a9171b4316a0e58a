/**
 * The example SequencerClusters shipped with the chart (charts/baton/examples/), loaded as typed
 * objects. Tests use them as fixtures, so the examples are exercised by every test layer: schema and
 * CEL on a real API server, defaulting, rendering.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KIND } from './names.js';
import { withDefaults, type SequencerCluster, type SequencerClusterInput } from './sequencer-cluster.js';

export const EXAMPLES_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'charts',
  'baton',
  'examples',
);
export const EXAMPLE_FILES = ['sequencercluster.yaml', 'sequencercluster-sim.yaml'] as const;
export type ExampleFile = (typeof EXAMPLE_FILES)[number];

/** Every document of an example file (ConfigMaps and Secrets included). */
export function exampleDocuments(file: ExampleFile): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(join(EXAMPLES_DIR, file), 'utf8')).map(
    (doc) => doc.toJS() as Record<string, unknown>,
  );
}

/** The SequencerCluster of an example file, as written (no defaults). */
export function exampleInput(file: ExampleFile): SequencerClusterInput {
  const doc = exampleDocuments(file).find((d) => d.kind === KIND);
  if (!doc) throw new Error(`${file} has no ${KIND}`);
  return doc as unknown as SequencerClusterInput;
}

/**
 * The example as the API server would return it from namespace `namespace`: defaults applied, a fixed
 * uid and creation metadata, so renders of it are stable (golden files).
 */
export function exampleCluster(file: ExampleFile, namespace = 'chains'): SequencerCluster {
  const input = exampleInput(file);
  return withDefaults({
    ...input,
    metadata: {
      ...input.metadata,
      namespace,
      uid: '00000000-0000-4000-8000-000000000001',
      generation: 1,
    },
  });
}
