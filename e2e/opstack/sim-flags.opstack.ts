/**
 * The simulator refuses the flags the real binaries refuse by a committed list (e2e/sim/flags/real-flags.ts).
 * This reads the pinned op-node's and op-geth's --help again and fails when the list has drifted from them:
 * regenerate with `npx tsx e2e/sim/flags/generate.ts`.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseHelpFlags } from '../sim/flags/help.js';
import { OP_GETH_FLAGS, OP_NODE_FLAGS } from '../sim/flags/real-flags.js';

const bin = process.env.BATON_OPSTACK_BIN;
if (!bin) throw new Error('BATON_OPSTACK_BIN is not set: run this suite with `npm run test:opstack`');

const help = (binary: string): string =>
  execFileSync(path.join(bin, binary), ['--help'], { encoding: 'utf8' });

describe("the simulator's list of real flags", () => {
  it('is exactly what the pinned op-node accepts', () => {
    expect(OP_NODE_FLAGS).toEqual(parseHelpFlags(help('op-node')));
  });

  it('is exactly what the pinned op-geth accepts', () => {
    expect(OP_GETH_FLAGS).toEqual(parseHelpFlags(help('geth')));
  });
});
