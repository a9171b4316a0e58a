/**
 * The purity rule in eslint.config.js, run through ESLint itself: each pure core refuses an I/O import
 * and an import of an I/O shell, and still accepts what cores do use (Kubernetes types, hashing, each
 * other). `npm test` lints every file with the same rule; this proves the rule would catch a violation.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

const CORE_FILES = [
  'conductor/raft/new-file.ts',
  'conductor/consensus/driver.ts',
  'conductor/control/decide.ts',
  'operator/plan/rules/new-rule.ts',
  'operator/render/new-object.ts',
];

describe('pure cores import no I/O (eslint.config.js)', () => {
  test.each(CORE_FILES)('%s is under the rule', async (file) => {
    const config = (await eslint.calculateConfigForFile(path.join(root, file))) as {
      rules?: Record<string, unknown>;
    };
    expect(config.rules?.['@typescript-eslint/no-restricted-imports']).toBeDefined();
  });

  test.each(CORE_FILES)(
    '%s: node:fs, the gRPC transport and the Kubernetes client are refused',
    async (file) => {
      const source = [
        "import { readFileSync } from 'node:fs';",
        "import * as grpc from '@grpc/grpc-js';",
        "import { KubeConfig } from '@kubernetes/client-node';",
        "import { RaftStorage } from '../storage/index.js';",
        "import { KubeClient } from '../../operator/kube/client.js';",
        'export const used = [readFileSync, grpc, KubeConfig, RaftStorage, KubeClient];',
        '',
      ].join('\n');
      const found = await problems(file, source);
      expect(found).toHaveLength(5);
      expect(found.join('\n')).toContain('a pure core does no I/O');
      expect(found.join('\n')).toContain('does not import an I/O shell');
    },
  );

  test('types, hashing and sibling modules stay allowed; tests and testing/ helpers are exempt', async () => {
    const allowed = [
      "import type { V1Pod } from '@kubernetes/client-node';",
      "import { createHash } from 'node:crypto';",
      "import { quorum } from './quorum.js';",
      'export type Pod = V1Pod;',
      'export const used = [createHash, quorum];',
      '',
    ].join('\n');
    expect(await problems('operator/plan/new-file.ts', allowed)).toEqual([]);
    const io = "import { readFileSync } from 'node:fs';\nexport const used = readFileSync;\n";
    expect(await problems('operator/plan/new-file.test.ts', io)).toEqual([]);
    expect(await problems('operator/plan/testing/helper.ts', io)).toEqual([]);
    expect(await problems('operator/reconcile/new-file.ts', io)).toEqual([]);
  });

  test('the simulator may not import the operator (it models op-node on its own)', async () => {
    const source =
      "import { p2pPeerId } from '../../../operator/render/p2p.js';\nexport const used = p2pPeerId;\n";
    const found = await problems('e2e/sim/op-node/new-file.ts', source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('the simulator models op-node and op-geth independently of the operator');
    expect(await problems('e2e/sim/op-node/new-file.test.ts', source)).toEqual([]);
  });
});
