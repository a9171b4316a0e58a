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

const cases: [string, ExampleFile, Omit<RenderInput, 'cluster'>][] = [
  ['mychain.yaml', 'sequencercluster.yaml', { operatorVersion: '0.1.0', bootstrapMember: null }],
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
