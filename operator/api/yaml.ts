/**
 * Prints Kubernetes objects as YAML documents in the repository's prettier style, so generated files
 * (CRDs, golden files) pass `npm run format:check` unchanged and regenerate byte for byte.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { stringify } from 'yaml';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function toYaml(docs: readonly unknown[], header?: string): Promise<string> {
  const body = docs
    .map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: false }))
    .join('---\n');
  const text = (header ? `${header.replace(/^/gm, '# ')}\n` : '') + body;
  // resolveConfig wants a file path: ask for a (hypothetical) YAML file at the repository root.
  const options = (await prettier.resolveConfig(join(repoRoot, 'generated.yaml'))) ?? {};
  return prettier.format(text, { ...options, parser: 'yaml' });
}
