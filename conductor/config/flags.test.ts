import { Command } from 'commander';
import { parseDuration } from './duration.js';
import {
  CONDUCTOR_FLAGS,
  conductorFlagValues,
  envName,
  parseConductorConfig,
  profileFilePath,
  registerConductorFlags,
} from './flags.js';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REQUIRED = [
  '--consensus.addr=127.0.0.1',
  '--consensus.port=50050',
  '--raft.server.id=seq-0',
  '--raft.storage.dir=/data/raft',
  '--node.rpc=http://op-node:8545',
  '--execution.rpc=http://op-geth:8545',
  '--healthcheck.interval=1',
  '--healthcheck.unsafe-interval=5',
  '--healthcheck.min-peer-count=2',
];

/** Parses argv and env exactly as `baton conductor` does. */
function parse(argv: string[], env: Record<string, string> = {}): ReturnType<typeof parseConductorConfig> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const command = registerConductorFlags(new Command('conductor')).exitOverride();
    command.parse(argv, { from: 'user' });
    const { values, explicitlySet } = conductorFlagValues(command);
    return parseConductorConfig(values, explicitlySet);
  } finally {
    process.env = saved;
  }
}

describe('conductor flags', () => {
  it('uses op-conductor names, env vars and defaults', () => {
    const config = parse(REQUIRED);
    expect(config.raft).toMatchObject({
      serverId: 'seq-0',
      heartbeatTimeoutMs: 1000,
      leaseTimeoutMs: 500,
      snapshotIntervalMs: 120_000,
      snapshotThreshold: 8192,
      trailingLogs: 10240,
      bootstrap: false,
      tls: null,
    });
    expect(config.rpc).toMatchObject({ addr: '0.0.0.0', port: 8545, enableProxy: true });
    expect(config.healthcheck).toMatchObject({
      intervalS: 1,
      unsafeIntervalS: 5,
      safeIntervalS: 1200,
      minPeerCount: 2,
    });
    expect(config.healthcheck.executionP2pRpcUrl).toBe('http://op-geth:8545');
    expect(config.raft.dialOverrides.size).toBe(0);
    const overridden = parse([
      ...REQUIRED,
      '--raft.dial-override=seq-1:50050=127.0.0.1:6000,seq-2:50050=127.0.0.1:6001',
    ]);
    expect([...overridden.raft.dialOverrides]).toEqual([
      ['seq-1:50050', '127.0.0.1:6000'],
      ['seq-2:50050', '127.0.0.1:6001'],
    ]);
    expect(envName('raft.server.id')).toBe('OP_CONDUCTOR_RAFT_SERVER_ID');
    expect(envName('healthcheck.execution-p2p-min-peer-count')).toBe(
      'OP_CONDUCTOR_HEALTHCHECK_EXECUTION_P2P_MIN_PEER_COUNT',
    );
  });

  it('reads OP_CONDUCTOR_* environment variables, flags winning over env', () => {
    const env: Record<string, string> = {};
    for (const arg of REQUIRED) {
      const [flag, value] = arg.slice(2).split('=') as [string, string];
      env[envName(flag)] = value;
    }
    env.OP_CONDUCTOR_RAFT_BOOTSTRAP = 'true';
    env.OP_CONDUCTOR_RAFT_HEARTBEAT_TIMEOUT = '300ms';
    env.OP_CONDUCTOR_RAFT_LEASE_TIMEOUT = '150ms';
    const config = parse(['--raft.server.id=from-flag'], env);
    expect(config.raft.serverId).toBe('from-flag');
    expect(config.raft.bootstrap).toBe(true);
    expect(config.raft.heartbeatTimeoutMs).toBe(300);
    expect(config.nodeRpc).toBe('http://op-node:8545');
  });

  it('requires the flags op-conductor requires, even those with defaults, and lists every problem', () => {
    expect(() => parse([])).toThrow(
      /missing required flag --consensus\.addr \(or OP_CONDUCTOR_CONSENSUS_ADDR\)[\s\S]*--healthcheck\.min-peer-count/,
    );
    const required = CONDUCTOR_FLAGS.filter((flag) => flag.required).map((flag) => flag.name);
    expect(required).toEqual([
      'consensus.addr',
      'consensus.port',
      'raft.server.id',
      'raft.storage.dir',
      'node.rpc',
      'execution.rpc',
      'healthcheck.interval',
      'healthcheck.unsafe-interval',
      'healthcheck.min-peer-count',
    ]);
  });

  it.each([
    [['--raft.heartbeat-timeout=fast'], 'invalid value for --raft.heartbeat-timeout'],
    [['--raft.lease-timeout=2s'], 'must not exceed --raft.heartbeat-timeout'],
    [['--consensus.port=70000'], 'is not a TCP port'],
    [['--consensus.advertised=no-port'], 'expected host:port'],
    [['--node.rpc=op-node:8545'], 'expected an http:// or https:// URL'],
    [['--healthcheck.interval=0'], 'missing health check interval'],
    [['--healthcheck.min-peer-count=0'], 'missing minimum peer count'],
    [
      ['--healthcheck.execution-p2p-enabled=true'],
      'missing minimum peer count for execution p2p health check',
    ],
    [['--healthcheck.execution-p2p-check-api=rpc'], 'use net or admin'],
    [['--raft.tls.ca=/ca.pem'], 'needs all of --raft.tls.ca'],
    [['--paused=maybe'], 'invalid boolean for --paused'],
    [['--raft.server.id=../escape'], 'no slashes'],
    [['--raft.dial-override=a:1'], 'expected address=address'],
    [
      ['--rollup-boost.enabled', '--rollup-boost.next-enabled'],
      'only one of rollup-boost or rollup-boost next healthchecks can be enabled',
    ],
    [['--rollup-boost.next-enabled'], 'missing rollup-boost next healthcheck URL'],
    [['--rollup-boost.next-healthcheck-url=localhost:8080/healthz'], 'expected an http:// or https:// URL'],
    [['--rollup-boost.healthcheck-timeout=soon'], 'invalid value for --rollup-boost.healthcheck-timeout'],
    [['--healthcheck.rollup-boost-partial-healthiness-tolerance-limit=3'], 'or neither'],
    [['--healthcheck.rollup-boost-partial-healthiness-tolerance-interval-seconds=60'], 'or neither'],
    [
      ['--rollupboost.ws-url=ws://rollup-boost:1111/ws'],
      '--rollupboost.ws-url (the flashblocks websocket fan-out) is not supported',
    ],
    [['--websocket.server-port=99999'], 'is not a TCP port'],
    [['--pprof.port=70000'], 'is not a TCP port'],
    [['--pprof.type=goroutine'], 'is a Go runtime profile'],
    [['--pprof.type=flame'], 'unknown profile type'],
    [['--pprof.enabled=perhaps'], 'invalid boolean for --pprof.enabled'],
    [['--override.ecotone=soon'], 'invalid value for --override.ecotone'],
  ])('rejects %j with a clear message', (args, message) => {
    expect(() => parse([...REQUIRED, ...args])).toThrow(message);
  });
});

describe('rollup-boost, pprof and override flags', () => {
  it('are off by default, as in op-conductor', () => {
    const config = parse(REQUIRED);
    expect(config.rollupBoost).toEqual({ mode: 'off' });
    expect(config.healthcheck.rollupBoostPartialTolerance).toBeUndefined();
    expect(config.pprof).toEqual({ enabled: false, addr: '0.0.0.0', port: 6060, file: null });
    expect(config.overrides.size).toBe(0);
  });

  it('read the rollup-boost health check and its tolerance from flags and OP_CONDUCTOR_* variables', () => {
    expect(parse([...REQUIRED, '--rollup-boost.enabled']).rollupBoost).toEqual({
      mode: 'legacy',
      timeoutMs: 5000,
    });
    const config = parse(REQUIRED, {
      OP_CONDUCTOR_ROLLUP_BOOST_NEXT_ENABLED: 'true',
      OP_CONDUCTOR_ROLLUP_BOOST_NEXT_HEALTHCHECK_URL: 'http://rollup-boost:8080/healthz',
      OP_CONDUCTOR_ROLLUP_BOOST_HEALTHCHECK_TIMEOUT: '750ms',
      OP_CONDUCTOR_HEALTHCHECK_ROLLUP_BOOST_PARTIAL_HEALTHINESS_TOLERANCE_LIMIT: '3',
      OP_CONDUCTOR_HEALTHCHECK_ROLLUP_BOOST_PARTIAL_HEALTHINESS_TOLERANCE_INTERVAL_SECONDS: '60',
    });
    expect(config.rollupBoost).toEqual({
      mode: 'next',
      timeoutMs: 750,
      url: 'http://rollup-boost:8080/healthz',
    });
    expect(config.healthcheck.rollupBoostPartialTolerance).toEqual({ limit: 3, intervalS: 60 });
  });

  it('name a profile file as op-service does: a directory gets {type}.prof', () => {
    const dir = parse([...REQUIRED, '--pprof.type=CPU', `--pprof.path=${tmpdir()}`]);
    expect(dir.pprof.file).toEqual({ type: 'cpu', path: path.join(tmpdir(), 'cpu.prof') });
    const file = parse([...REQUIRED, '--pprof.type=heap', '--pprof.path=/var/tmp/conductor.heapsnapshot']);
    expect(file.pprof.file).toEqual({ type: 'heap', path: '/var/tmp/conductor.heapsnapshot' });
    expect(parse([...REQUIRED, '--pprof.type=heap']).pprof.file).toEqual({ type: 'heap', path: 'heap.prof' });
    expect(profileFilePath('', 'cpu', () => true)).toBe('cpu.prof');
  });

  it('keep the overrides that were set, and only those', () => {
    const config = parse(
      [...REQUIRED, '--override.isthmus=1700000000', '--override.keep-karst-upgrade-gas'],
      {
        OP_CONDUCTOR_OVERRIDE_JOVIAN: '1800000000',
      },
    );
    expect(Object.fromEntries(config.overrides)).toEqual({
      'override.isthmus': 1_700_000_000,
      'override.jovian': 1_800_000_000,
      'override.keep-karst-upgrade-gas': true,
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['1000ms', 1000],
    ['1s', 1000],
    ['1m30s', 90_000],
    ['250us', 0.25],
    ['1.5s', 1500],
    ['0', 0],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'fast', '1x', '1s garbage'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});
