/**
 * The CRD is generated from operator/api and checked in twice (crds/ and the chart): these tests fail
 * when either copy drifts from the source, and check that the schema is structural (the API server
 * refuses non-structural schemas) and bounded (CEL cost estimation needs maxLength/maxItems).
 */
import { readFileSync } from 'node:fs';
import { buildCrd, PRINTER_COLUMNS } from './crd.js';
import { exampleCluster, exampleInput } from './examples.js';
import { CRD_OUTPUTS, crdOutputPath, renderCrdYaml } from './generate.js';
import { rootSchema, withDefaults, type SequencerClusterInput } from './sequencer-cluster.js';
import type { JsonSchema } from './schema.js';

describe('generated CRD files', () => {
  it.each(CRD_OUTPUTS)('%s matches operator/api byte for byte', async (file) => {
    const expected = await renderCrdYaml();
    const actual = readFileSync(crdOutputPath(file), 'utf8');
    if (actual !== expected) {
      throw new Error(
        `${file} is out of date with operator/api: run \`npm run gen:crds\` and commit the result`,
      );
    }
  });
});

/** Problems that make a schema non-structural or unbounded; empty when fine. */
function schemaProblems(node: JsonSchema, path: string, underPreserve = false): string[] {
  const problems: string[] = [];
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!node.type && !intOrString && !(preserve && underPreserve)) problems.push(`${path}: no type`);
  if (node.properties && node.additionalProperties)
    problems.push(`${path}: both properties and additionalProperties`);
  if (node.type === 'array' && !node.items) problems.push(`${path}: array without items`);
  if (node.type === 'array' && node.maxItems === undefined) problems.push(`${path}: array without maxItems`);
  if (node.type === 'string' && node.maxLength === undefined && !node.enum && node.format !== 'date-time') {
    problems.push(`${path}: string without maxLength`);
  }
  if (node.type === 'object' && node.additionalProperties && node.maxProperties === undefined) {
    problems.push(`${path}: map without maxProperties`);
  }
  if (node.required) {
    for (const key of node.required) {
      if (!node.properties?.[key]) problems.push(`${path}: required ${key} is not a property`);
    }
  }
  if (node['x-kubernetes-list-type'] === 'map' && !node['x-kubernetes-list-map-keys']?.length) {
    problems.push(`${path}: map list without keys`);
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    problems.push(...schemaProblems(child, `${path}.${key}`, preserve));
  }
  if (node.items) problems.push(...schemaProblems(node.items, `${path}[]`, preserve));
  if (node.additionalProperties)
    problems.push(...schemaProblems(node.additionalProperties, `${path}{}`, preserve));
  return problems;
}

/** Every property node, with its path. */
function walk(node: JsonSchema, path = ''): [string, JsonSchema][] {
  return [
    [path, node],
    ...Object.entries(node.properties ?? {}).flatMap(([k, v]) => walk(v, `${path}.${k}`)),
    ...(node.items ? walk(node.items, `${path}[]`) : []),
    ...(node.additionalProperties ? walk(node.additionalProperties, `${path}{}`) : []),
  ];
}

describe('schema', () => {
  it('is structural and bounded everywhere below spec and status', () => {
    // apiVersion, kind and metadata are the API server's own (metadata may only constrain name).
    const { spec, status, ...standard } = rootSchema.properties ?? {};
    expect(Object.keys(standard).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(rootSchema.properties?.metadata).toEqual({ type: 'object' });
    expect(
      schemaProblems({ ...rootSchema, properties: { spec: spec ?? {}, status: status ?? {} } }, ''),
    ).toEqual([]);
  });

  it('documents every field (kubectl explain)', () => {
    const undocumented = walk(rootSchema)
      .filter(([path]) => /^\.(spec|status)\./.test(path) && !/(\[\]|\{\})/.test(path.split('.').pop() ?? ''))
      .filter(([path, node]) => !node.description && !/\[\]|\{\}/.test(path))
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('defaults validate against their own rules (objects defaulted to {} have no required fields)', () => {
    for (const [path, node] of walk(rootSchema)) {
      if (node.default !== undefined && node.type === 'object') {
        expect([path, node.required ?? []]).toEqual([path, []]);
      }
    }
  });

  it('has the printer columns and subresources kubectl and the scale API rely on', () => {
    const version = buildCrd().spec.versions[0];
    expect(PRINTER_COLUMNS.filter((c) => !c.priority).map((c) => c.name.toUpperCase())).toEqual([
      'READY',
      'LEADER',
      'HEAD',
      'PHASE',
      'AGE',
    ]);
    expect(version?.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
    expect(buildCrd().spec.names.shortNames).toEqual(['seqc']);
  });
});

describe('withDefaults', () => {
  it('fills every documented default, nested ones included', () => {
    const input: SequencerClusterInput = {
      apiVersion: 'baton.dev/v1alpha1',
      kind: 'SequencerCluster',
      metadata: { name: 'c', namespace: 'n' },
      spec: {
        chain: {
          rollupConfig: { name: 'r', key: 'rollup.json' },
          genesis: { name: 'g', key: 'genesis.json' },
          l1: { rpcUrl: { name: 'l1', key: 'rpc' } },
        },
        sequencerKey: { name: 'k', key: 'key' },
        opNode: { image: 'op-node:1' },
        opGeth: { image: 'op-geth:1' },
      },
    };
    const { spec } = withDefaults(input);
    expect(spec.replicas).toBe(3);
    expect(spec.paused).toBe(false);
    expect(spec.conductor.raft).toEqual({
      heartbeatTimeout: '1000ms',
      leaseTimeout: '500ms',
      snapshotInterval: '120s',
      snapshotThreshold: 8192,
      trailingLogs: 10240,
    });
    expect(spec.conductor.healthCheck).toEqual({
      interval: 1,
      unsafeInterval: 5,
      minPeerCount: 1,
      safeEnabled: false,
      safeInterval: 1200,
    });
    expect(spec.updateStrategy).toEqual({
      leaderUpdate: 'Unsupervised',
      minReadySeconds: 10,
      leaderTransferTimeout: '30s',
      memberRestartTimeout: '10m',
    });
    expect(spec.opGeth.storage.size).toBe('100Gi');
    expect(spec.conductor.storage.size).toBe('1Gi');
    expect(spec.opGeth.initGenesis).toBe(true);
    expect(spec.opNode.conductorRpcTimeout).toBe('1s');
    expect(spec.clusterDomain).toBe('cluster.local');
    expect(spec.podTemplate.terminationGracePeriodSeconds).toBe(300);
    expect(spec.opGeth.stateScheme).toBe('path');
    expect(spec.opNode.engineKind).toBe('geth');
    expect(spec.chain.l1.beaconIgnore).toBe(false);
  });

  it('keeps values that were given', () => {
    const input = exampleInput('sequencercluster.yaml');
    const cluster = exampleCluster('sequencercluster.yaml');
    expect(cluster.spec.conductor.healthCheck.minPeerCount).toBe(
      input.spec.conductor?.healthCheck?.minPeerCount,
    );
    expect(cluster.spec.updateStrategy.minReadySeconds).toBe(30);
    expect(cluster.spec.opGeth.storage.size).toBe('500Gi');
  });
});
