/**
 * Baton's conductor accepts op-conductor v1.19.6's whole command line: the flags, `OP_CONDUCTOR_*` variables
 * and defaults are read from the upstream binary's own `--help` (built by e2e/opstack/build.sh), not from a
 * copy, so a flag upstream adds, renames or re-defaults fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  CONDUCTOR_FLAGS,
  conductorFlagValues,
  envName,
  parseConductorConfig,
  registerConductorFlags,
} from '../../conductor/config/flags.js';
import { parseDuration } from '../../conductor/config/duration.js';

const bin = process.env.BATON_OPSTACK_BIN;
if (!bin) throw new Error('BATON_OPSTACK_BIN is not set: run this suite with `npm run test:opstack`');

interface UpstreamFlag {
  readonly name: string;
  readonly env: string | null;
  readonly default: string | null;
}

/** urfave/cli's help: `--name value   (default: x)   ($ENV)`, the usage text on the following lines. */
function upstreamFlags(): UpstreamFlag[] {
  const help = execFileSync(path.join(bin!, 'op-conductor'), ['--help'], { encoding: 'utf8' });
  const flags: UpstreamFlag[] = [];
  for (const line of help.split('\n')) {
    const match =
      /^\s+--([\w.-]+)(?:, -\w)?(?: value)?\s+(?:\(default: (.*?)\))?\s*(?:\(\$(\w+)\))?\s*$/.exec(line);
    if (!match) continue;
    flags.push({ name: match[1]!, default: match[2]?.replace(/^"|"$/g, '') ?? null, env: match[3] ?? null });
  }
  return flags.filter((flag) => !['help', 'version'].includes(flag.name));
}

/** One spelling per value: Go prints `2m0s`, `INFO`, `0` and `false` where Baton may say `2m`, `info` or nothing. */
function canonical(kind: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') {
    if (kind === 'bool') return 'false';
    if (kind === 'uint') return '0';
    return '';
  }
  if (kind === 'duration') return `${parseDuration(value)}ms`;
  return value.toLowerCase();
}

describe("op-conductor v1.19.6's command line", () => {
  const upstream = upstreamFlags();

  it('reads the upstream help (sanity: the parser found the flags)', () => {
    expect(upstream.length).toBeGreaterThan(50);
    expect(upstream.map((f) => f.name)).toEqual(expect.arrayContaining(['raft.server.id', 'rollup.config']));
  });

  it('every upstream flag is a Baton flag with the same variable and default', () => {
    const ours = new Map(CONDUCTOR_FLAGS.map((spec) => [spec.name, spec]));
    const differences = upstream.flatMap((flag) => {
      const spec = ours.get(flag.name);
      if (!spec) return [`--${flag.name}: missing`];
      const problems: string[] = [];
      if (flag.env !== envName(flag.name))
        problems.push(`--${flag.name}: variable ${flag.env} vs ${envName(flag.name)}`);
      if (canonical(spec.kind, flag.default) !== canonical(spec.kind, spec.default))
        problems.push(`--${flag.name}: default ${flag.default} upstream, ${spec.default} in Baton`);
      return problems;
    });
    expect(differences).toEqual([]);
  });

  it('a deployment that sets every upstream variable to its upstream default starts Baton', () => {
    const given: Record<string, string> = {
      'raft.server.id': 'seq-0',
      'raft.storage.dir': '/data/raft',
      'node.rpc': 'http://op-node:8545',
      'execution.rpc': 'http://op-geth:8545',
      'healthcheck.interval': '1',
      'healthcheck.unsafe-interval': '5',
      'healthcheck.min-peer-count': '1',
    };
    const env: Record<string, string> = {};
    for (const flag of upstream) if (flag.env) env[flag.env] = given[flag.name] ?? flag.default ?? '';
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const command = registerConductorFlags(new Command('conductor')).exitOverride();
      command.parse([], { from: 'user' });
      const { values, explicitlySet } = conductorFlagValues(command);
      const config = parseConductorConfig(values, explicitlySet);
      expect(config.raft.serverId).toBe('seq-0');
      expect(config.raft.heartbeatTimeoutMs).toBe(1000);
      expect(config.raft.leaseTimeoutMs).toBe(500);
    } finally {
      process.env = saved;
    }
  });
});
