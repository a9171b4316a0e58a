/**
 * Writes the SequencerCluster CRD into crds/ and into the Helm chart:
 *
 *   npm run gen:crds          (= npx tsx operator/api/generate.ts)
 *
 * crd.test.ts regenerates in memory and fails when a checked-in copy differs.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCrd } from './crd.js';
import { CRD_NAME } from './names.js';
import { toYaml } from './yaml.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fileName = `${CRD_NAME.split('.').slice(1).join('.')}_${CRD_NAME.split('.')[0]}.yaml`;

/** Where the CRD is checked in (repo-relative). */
export const CRD_OUTPUTS: readonly string[] = [
  join('crds', fileName),
  join('charts', 'baton', 'crds', fileName),
];

export function crdOutputPath(relative: string): string {
  return join(repoRoot, relative);
}

export async function renderCrdYaml(): Promise<string> {
  return toYaml(
    [buildCrd()],
    'Generated from operator/api/ by operator/api/generate.ts. Do not edit: run `npm run gen:crds`.',
  );
}

async function main(): Promise<void> {
  const text = await renderCrdYaml();
  for (const out of CRD_OUTPUTS) {
    await writeFile(crdOutputPath(out), text);
    console.log(`wrote ${out}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
