/**
 * Golden files: the full render of each example, checked in under testdata/ so a reviewer sees every
 * change to the generated objects. `UPDATE_GOLDEN=1` rewrites them; otherwise any difference fails.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleCluster, type ExampleFile } from '../api/examples.js';
import { toYaml } from '../api/yaml.js';
import { renderCluster, renderedObjects, type RenderInput } from './cluster.js';
import { gethNodeId, p2pPeerId, type MemberP2pIds } from './p2p.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

/** Identities of three fixed keys (see p2p.test.ts), as the controller passes them. */
const KEYS = [
  '0000000000000000000000000000000000000000000000000000000000000001',
  'e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35',
  'b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291',
];
const p2pIds = (cluster: string): Record<string, MemberP2pIds> =>
  Object.fromEntries(
    KEYS.map((k, i) => [`${cluster}-${i}`, { peerId: p2pPeerId(k), nodeId: gethNodeId(k) }]),
  );

const cases: [string, ExampleFile, Omit<RenderInput, 'cluster'>][] = [
  [
    'mychain.yaml',
    'sequencercluster.yaml',
    {
      operatorVersion: '0.1.0',
      bootstrapMember: null,
      configDigest: '0123456789abcdef',
      memberP2pIds: p2pIds('mychain'),
    },
  ],
  ['sim-forming.yaml', 'sequencercluster-sim.yaml', { operatorVersion: '0.1.0', bootstrapMember: 'sim-0' }],
];

describe('golden renders', () => {
  it.each(cases)('%s', async (golden, example, input) => {
    const rendered = renderCluster({ ...input, cluster: exampleCluster(example) });
    const text = await toYaml(
      renderedObjects(rendered),
      `Render of charts/baton/examples/${example} (${JSON.stringify(input)}).\nRegenerate: UPDATE_GOLDEN=1 npm run test:unit -- operator/render`,
    );
    const path = join(testdata, golden);
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(path, text);
      return;
    }
    if (!existsSync(path)) throw new Error(`${path} is missing: run with UPDATE_GOLDEN=1`);
    expect(text).toBe(readFileSync(path, 'utf8'));
  });
});
