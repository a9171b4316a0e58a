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

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

/** Peer ids of three fixed keys (see p2p.test.ts), as the controller passes them. */
const peerIds = (cluster: string): Record<string, string> => ({
  [`${cluster}-0`]: '16Uiu2HAm3cuhhRL2msUuLF62KRSfneFDx94RsuouyW25Ho42cFMq',
  [`${cluster}-1`]: '16Uiu2HAmGXz5Z9Nbh7mCjyeJqeJa9AbXXu9bAHdanvJC7MKTki2m',
  [`${cluster}-2`]: '16Uiu2HAmSH2XVgZqYHWucap5kuPzLnt2TsNQkoppVxB5eJGvaXwm',
});

const cases: [string, ExampleFile, Omit<RenderInput, 'cluster'>][] = [
  [
    'mychain.yaml',
    'sequencercluster.yaml',
    {
      operatorVersion: '0.1.0',
      bootstrapMember: null,
      configDigest: '0123456789abcdef',
      memberPeerIds: peerIds('mychain'),
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
