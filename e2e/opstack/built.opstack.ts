/**
 * The compiled output (`npm run build`, what `npx baton` runs) finds the OP Stack binaries too: build.sh stays
 * in the source tree, which dist/ does not copy, so `baton demo` and `baton bench … --opstack` from dist must
 * look for it there.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = process.env.BATON_OPSTACK_BIN;
if (!bin) throw new Error('BATON_OPSTACK_BIN is not set: run this suite with `npm run test:opstack`');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the built baton', () => {
  it('finds the binaries build.sh made', () => {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'pipe' });
    const found = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('./dist/e2e/opstack/binaries.js'); console.log(JSON.stringify(await m.findOpStackBinaries()));",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(JSON.parse(found)).toMatchObject({ dir: bin, opConductor: path.join(bin, 'op-conductor') });
  }, 120_000);
});
