/**
 * The simulator's command lines against the real binaries' flags (real-flags.ts, read from op-node's and
 * op-geth's --help): what the real binary refuses, the simulator refuses the same way; every flag the
 * simulator declares is a real one (or its own --sim.*); and every flag the operator renders for a member
 * is one the real binary accepts, so a green simulator run is not hiding a command line op-node rejects.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { exampleCluster } from '../../../operator/api/examples.js';
import { renderCluster } from '../../../operator/render/cluster.js';
import { CONTAINER_NAMES } from '../../../operator/api/names.js';
import { registerSimCommand } from '../command.js';
import { byName, checkFlags, parseHelpFlags } from './help.js';
import { OP_GETH_FLAGS, OP_NODE_FLAGS } from './real-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const opNode = byName(OP_NODE_FLAGS);
const opGeth = byName(OP_GETH_FLAGS);

describe('urfave/cli help, parsed', () => {
  const help = [
    'GLOBAL OPTIONS:',
    '    --l1 value                          (default: "http://127.0.0.1:8545") ($OP_NODE_L1_ETH_RPC)',
    '          Address of L1 User JSON-RPC endpoint to use (eth namespace required)',
    '    --l1.trustrpc                       (default: false)                   ($OP_NODE_L1_TRUST_RPC)',
    '    --l1.beacon-fallbacks value, --l1.beacon-archiver value   ($OP_NODE_L1_BEACON_FALLBACKS)',
    '    --header value, -H value                                               ($GETH_HEADER)',
  ].join('\n');

  test('names, aliases and whether a flag takes a value', () => {
    expect(parseHelpFlags(help)).toEqual([
      { names: ['l1'], takesValue: true },
      { names: ['l1.trustrpc'], takesValue: false },
      { names: ['l1.beacon-fallbacks', 'l1.beacon-archiver'], takesValue: true },
      { names: ['header', 'H'], takesValue: true },
    ]);
  });

  test('a flag the binary does not define is refused; a value flag consumes its argument', () => {
    const known = byName(parseHelpFlags(help));
    expect(checkFlags(['--l1', 'http://x', '--l1.trustrpc', 'positional'], known)).toEqual({ ok: true });
    expect(checkFlags(['--l1=http://x', '--l1.trustrpc=false', '-H', 'a=b'], known)).toEqual({ ok: true });
    expect(checkFlags(['--l1', '--l2=x'], known)).toEqual({ ok: true }); // `--l2=x` is --l1's value
    expect(checkFlags(['--l1.trustrpc', '--l2=x'], known)).toEqual({ ok: false, unknown: 'l2' });
    expect(checkFlags(['--l1.beacon-archiver', 'u', '--nope'], known)).toEqual({
      ok: false,
      unknown: 'nope',
    });
  });

  test('the committed lists hold the flags the operator relies on', () => {
    for (const name of [
      'l2.enginekind',
      'rollup.l1-chain-config',
      'l1.beacon.ignore',
      'p2p.sequencer.key',
      'conductor.enabled',
    ])
      expect(opNode.has(name)).toBe(true);
    for (const name of ['datadir', 'state.scheme', 'nodekey', 'authrpc.jwtsecret', 'rollup.sequencerhttp'])
      expect(opGeth.has(name)).toBe(true);
    expect(opNode.has('sim.block-time')).toBe(false);
  });
});

describe('the simulator accepts no flag the real binaries refuse', () => {
  const program = new Command();
  registerSimCommand(program);
  const sim = program.commands.find((c) => c.name() === 'sim')!;

  test.each([
    ['op-node', opNode],
    ['op-geth', opGeth],
  ] as const)('every flag `baton sim %s` declares is a real flag or its own --sim.*', (binary, real) => {
    const command = sim.commands.find((c) => c.name() === binary)!;
    const declared = command.options.map((o) => o.long!.replace(/^--/, ''));
    expect(declared.length).toBeGreaterThan(5);
    expect(declared.filter((name) => !name.startsWith('sim.') && !real.has(name))).toEqual([]);
  });

  test.each(['sequencercluster.yaml', 'sequencercluster-sim.yaml'] as const)(
    'the operator renders for %s only flags the real op-node and op-geth define',
    (example) => {
      const cluster = exampleCluster(example);
      const { statefulSet } = renderCluster({ cluster, operatorVersion: '1.2.3', bootstrapMember: null });
      const containers = statefulSet.spec!.template.spec!.containers;
      // The user's own args (spec.*.args) are theirs: the sim example passes --sim.* there on purpose.
      const rendered = (name: string, extra: readonly string[] | undefined): string[] => {
        const args = containers.find((c) => c.name === name)!.args!;
        return extra?.length ? args.slice(0, args.length - extra.length) : args;
      };
      expect(checkFlags(rendered(CONTAINER_NAMES.opNode, cluster.spec.opNode.args), opNode)).toEqual({
        ok: true,
      });
      expect(checkFlags(rendered(CONTAINER_NAMES.opGeth, cluster.spec.opGeth.args), opGeth)).toEqual({
        ok: true,
      });
    },
  );

  test('an unknown flag stops the simulated op-node as urfave/cli stops op-node: exit 1, the same message', async () => {
    const result = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'cli/baton.ts'),
        'sim',
        'op-node',
        '--l2=http://127.0.0.1:1',
        '--l1.rpckind',
        'basic',
        '--no-such-flag',
      ],
      { cwd: root },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('flag provided but not defined: -no-such-flag');
  }, 30_000);
});
