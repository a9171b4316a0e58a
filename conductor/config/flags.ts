/**
 * op-conductor's command-line surface (reference §5 and §8): the same flag names, `OP_CONDUCTOR_*`
 * environment variables, defaults and required-ness, so existing deployments (Helm values, systemd
 * units, kurtosis packages) can swap the binary without rewriting their configuration.
 *
 * The table below is the single source of truth; `registerConductorFlags` turns it into commander
 * options and `parseConductorConfig` validates what was given into a typed config.
 */
import { Option, type Command } from 'commander';
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from './duration.js';

type Kind = 'string' | 'bool' | 'uint' | 'duration';

interface FlagSpec {
  readonly name: string;
  readonly kind: Kind;
  readonly help: string;
  readonly default?: string;
  /** op-conductor's `CheckRequired`: the flag must be set explicitly (flag or env). */
  readonly required?: boolean;
}

export const CONDUCTOR_FLAGS: readonly FlagSpec[] = [
  { name: 'consensus.addr', kind: 'string', default: '127.0.0.1', required: true, help: 'Raft bind host' },
  {
    name: 'consensus.port',
    kind: 'uint',
    default: '50050',
    required: true,
    help: 'Raft bind port (0 = random)',
  },
  {
    name: 'consensus.advertised',
    kind: 'string',
    default: '',
    help: 'host:port peers use to reach this server',
  },
  {
    name: 'raft.bootstrap',
    kind: 'bool',
    help: 'bootstrap a new cluster with this server as its only voter',
  },
  {
    name: 'raft.server.id',
    kind: 'string',
    required: true,
    help: 'unique server id (also its storage subdirectory)',
  },
  {
    name: 'raft.storage.dir',
    kind: 'string',
    required: true,
    help: 'directory for the Raft log and snapshots',
  },
  {
    name: 'raft.snapshot-interval',
    kind: 'duration',
    default: '120s',
    help: 'how often to check for a snapshot',
  },
  { name: 'raft.snapshot-threshold', kind: 'uint', default: '8192', help: 'log entries between snapshots' },
  { name: 'raft.trailing-logs', kind: 'uint', default: '10240', help: 'log entries kept behind a snapshot' },
  {
    name: 'raft.heartbeat-timeout',
    kind: 'duration',
    default: '1000ms',
    help: 'follower timeout before an election',
  },
  {
    name: 'raft.lease-timeout',
    kind: 'duration',
    default: '500ms',
    help: 'leader lease without quorum contact',
  },
  {
    name: 'raft.round-robin-leader-transfer',
    kind: 'bool',
    help: 'transfer leadership to the next voter by id (must match on every member)',
  },
  { name: 'node.rpc', kind: 'string', required: true, help: 'op-node HTTP RPC URL' },
  { name: 'execution.rpc', kind: 'string', required: true, help: 'execution client HTTP RPC URL' },
  { name: 'paused', kind: 'bool', help: 'start with the control loop paused' },
  {
    name: 'rpc.enable-proxy',
    kind: 'bool',
    default: 'true',
    help: 'serve the leader-gated eth/optimism proxies',
  },
  { name: 'rpc.addr', kind: 'string', default: '0.0.0.0', help: 'JSON-RPC bind address' },
  { name: 'rpc.port', kind: 'uint', default: '8545', help: 'JSON-RPC port' },
  { name: 'rpc.enable-admin', kind: 'bool', help: 'accepted for compatibility; op-conductor never reads it' },
  { name: 'healthcheck.interval', kind: 'uint', required: true, help: 'seconds between health checks' },
  {
    name: 'healthcheck.unsafe-interval',
    kind: 'uint',
    required: true,
    help: 'max unsafe head age in seconds',
  },
  { name: 'healthcheck.safe-enabled', kind: 'bool', help: 'also check the safe head age' },
  { name: 'healthcheck.safe-interval', kind: 'uint', default: '1200', help: 'max safe head age in seconds' },
  { name: 'healthcheck.min-peer-count', kind: 'uint', required: true, help: 'minimum op-node peers' },
  { name: 'healthcheck.execution-p2p-enabled', kind: 'bool', help: 'also check execution client peers' },
  { name: 'healthcheck.execution-p2p-min-peer-count', kind: 'uint', help: 'minimum execution client peers' },
  {
    name: 'healthcheck.execution-p2p-rpc-url',
    kind: 'string',
    help: 'execution client RPC for the peer check',
  },
  { name: 'healthcheck.execution-p2p-check-api', kind: 'string', default: 'net', help: 'net or admin' },
  { name: 'log.level', kind: 'string', default: 'info', help: 'trace, debug, info, warn, error, crit' },
  { name: 'log.format', kind: 'string', default: 'text', help: 'text, terminal, logfmt or json' },
  { name: 'log.color', kind: 'bool', help: 'color the terminal output' },
  { name: 'log.pid', kind: 'bool', help: 'show the process id' },
  { name: 'metrics.enabled', kind: 'bool', help: 'serve Prometheus metrics' },
  { name: 'metrics.addr', kind: 'string', default: '0.0.0.0', help: 'metrics bind address' },
  { name: 'metrics.port', kind: 'uint', default: '7300', help: 'metrics port' },
  {
    name: 'network',
    kind: 'string',
    help: 'predefined network (accepted; the rollup config is what counts)',
  },
  { name: 'rollup.config', kind: 'string', help: 'rollup config JSON file' },
  // Fork-time overrides op-conductor feeds into its rollup config. Validated and accepted; they change
  // nothing here because Baton reads no fork schedule (a payload's own fields say which fork built it).
  ...[
    'canyon',
    'delta',
    'ecotone',
    'fjord',
    'granite',
    'holocene',
    'isthmus',
    'jovian',
    'karst',
    'lagoon',
    'pectrablobschedule',
  ].map((fork): FlagSpec => ({
    name: `override.${fork}`,
    kind: 'uint',
    default: '0',
    help: `manually override the ${fork} activation time (accepted; no effect, see docs/conductor.md)`,
  })),
  {
    name: 'override.keep-karst-upgrade-gas',
    kind: 'bool',
    help: 'keep the Karst upgrade gas (accepted; no effect, see docs/conductor.md)',
  },
  {
    name: 'rollup-boost.enabled',
    kind: 'bool',
    help: 'health-check rollup-boost at <execution.rpc>/healthz (200/206/503); excludes --rollup-boost.next-enabled',
  },
  {
    name: 'rollup-boost.healthcheck-timeout',
    kind: 'duration',
    default: '5s',
    help: 'timeout for rollup-boost health checks (both kinds)',
  },
  {
    name: 'rollup-boost.next-enabled',
    kind: 'bool',
    help: 'health-check rollup-boost by its JSON health endpoint; needs --rollup-boost.next-healthcheck-url',
  },
  {
    name: 'rollup-boost.next-healthcheck-url',
    kind: 'string',
    help: 'full URL of the rollup-boost health endpoint, e.g. http://localhost:8080/healthz',
  },
  {
    name: 'healthcheck.rollup-boost-partial-healthiness-tolerance-limit',
    kind: 'uint',
    default: '0',
    help: 'rollup-boost partial results tolerated per tolerance interval before the sequencer counts unhealthy',
  },
  {
    name: 'healthcheck.rollup-boost-partial-healthiness-tolerance-interval-seconds',
    kind: 'uint',
    default: '0',
    help: 'length in seconds of the window the partial-healthiness tolerance limit counts over',
  },
  {
    name: 'rollupboost.ws-url',
    kind: 'string',
    help: 'flashblocks fan-out from rollup-boost: not supported by Baton (a startup error names it)',
  },
  {
    name: 'websocket.server-port',
    kind: 'uint',
    default: '8546',
    help: 'flashblocks websocket port (only with --rollupboost.ws-url, which Baton does not support)',
  },
  { name: 'pprof.enabled', kind: 'bool', help: 'serve V8 CPU profiles and heap snapshots over HTTP' },
  { name: 'pprof.addr', kind: 'string', default: '0.0.0.0', help: 'profiling server address' },
  { name: 'pprof.port', kind: 'uint', default: '6060', help: 'profiling server port' },
  {
    name: 'pprof.path',
    kind: 'string',
    help: 'profile file written at shutdown; a directory means {dir}/{type}.prof',
  },
  {
    name: 'pprof.type',
    kind: 'string',
    help: 'profile recorded to --pprof.path: cpu or heap (Go-only types are refused)',
  },
  // Baton additions (docs/design.md §6); off by default so op-conductor configurations behave the same.
  {
    name: 'raft.bootstrap-member',
    kind: 'string',
    help: 'bootstrap a one-voter cluster only if this equals --raft.server.id and there is no Raft state (set by the operator)',
  },
  {
    name: 'raft.dial-override',
    kind: 'string',
    help: 'address=address,… rewrites of peer Raft addresses before dialling (port forwards, NAT, test proxies)',
  },
  { name: 'raft.tls.ca', kind: 'string', help: 'CA certificate for mutual TLS between Raft peers' },
  { name: 'raft.tls.cert', kind: 'string', help: 'this server’s certificate for Raft mutual TLS' },
  { name: 'raft.tls.key', kind: 'string', help: 'this server’s private key for Raft mutual TLS' },
  {
    name: 'rpc.admin-token-file',
    kind: 'string',
    help: 'file with a bearer token required by admin RPC methods, and by commits from other hosts than loopback',
  },
  {
    name: 'rpc.commit-loopback-only',
    kind: 'bool',
    default: 'false',
    help: 'accept conductor_commitUnsafePayload only from loopback (op-node in the same pod or host) or with the admin token',
  },
  { name: 'fsm.payload-window', kind: 'uint', default: '64', help: 'committed payloads kept for catch-up' },
  {
    name: 'fsm.payload-window-bytes',
    kind: 'uint',
    default: '33554432',
    help: 'at most this many bytes of them (never fewer than two payloads), all held in memory',
  },
];

/** `raft.server.id` → `OP_CONDUCTOR_RAFT_SERVER_ID`. */
export function envName(flag: string): string {
  return `OP_CONDUCTOR_${flag.replace(/[.-]/g, '_').toUpperCase()}`;
}

export function registerConductorFlags(command: Command): Command {
  for (const spec of CONDUCTOR_FLAGS) {
    const placeholder = spec.kind === 'bool' ? '[bool]' : '<value>';
    const option = new Option(`--${spec.name} ${placeholder}`, spec.help).env(envName(spec.name));
    if (spec.default !== undefined) option.default(spec.default);
    command.addOption(option);
  }
  return command;
}

/**
 * Reads what commander collected for every conductor flag (flag, then env, then default), keyed by
 * flag name, and which flags the user set explicitly (op-conductor's required check counts only those).
 */
export function conductorFlagValues(command: Command): {
  values: Record<string, unknown>;
  explicitlySet: (flag: string) => boolean;
} {
  const values: Record<string, unknown> = {};
  const explicit = new Set<string>();
  const opts = command.opts<Record<string, unknown>>();
  for (const option of command.options) {
    const flag = option.long?.slice(2);
    if (!flag) continue;
    const attribute = option.attributeName();
    values[flag] = opts[attribute];
    const source = command.getOptionValueSource(attribute);
    if (source === 'cli' || source === 'env') explicit.add(flag);
  }
  return { values, explicitlySet: (flag) => explicit.has(flag) };
}

export interface ConductorConfig {
  readonly consensus: { readonly addr: string; readonly port: number; readonly advertised: string };
  readonly raft: {
    readonly bootstrap: boolean;
    readonly serverId: string;
    readonly storageDir: string;
    readonly snapshotIntervalMs: number;
    readonly snapshotThreshold: number;
    readonly trailingLogs: number;
    readonly heartbeatTimeoutMs: number;
    readonly leaseTimeoutMs: number;
    readonly roundRobinLeaderTransfer: boolean;
    readonly bootstrapMember: string | null;
    /** Peer Raft address → the address actually dialled. */
    readonly dialOverrides: ReadonlyMap<string, string>;
    readonly tls: { readonly caFile: string; readonly certFile: string; readonly keyFile: string } | null;
  };
  readonly nodeRpc: string;
  readonly executionRpc: string;
  readonly paused: boolean;
  readonly rpc: {
    readonly addr: string;
    readonly port: number;
    readonly enableProxy: boolean;
    readonly adminTokenFile: string | null;
    readonly commitLoopbackOnly: boolean;
  };
  readonly healthcheck: {
    readonly intervalS: number;
    readonly unsafeIntervalS: number;
    readonly safeEnabled: boolean;
    readonly safeIntervalS: number;
    readonly minPeerCount: number;
    readonly executionP2pEnabled: boolean;
    readonly executionP2pMinPeerCount: number;
    readonly executionP2pRpcUrl: string;
    readonly executionP2pCheckApi: 'net' | 'admin';
    /** Absent unless both tolerance flags are set (op-conductor: both or neither). */
    readonly rollupBoostPartialTolerance?: { readonly limit: number; readonly intervalS: number };
  };
  /** rollup-boost health check: off, legacy (/healthz status codes) or next (JSON endpoint). */
  readonly rollupBoost:
    | { readonly mode: 'off' }
    | { readonly mode: 'legacy'; readonly timeoutMs: number }
    | { readonly mode: 'next'; readonly timeoutMs: number; readonly url: string };
  /** op-service/oppprof, with V8's profile formats (docs/conductor.md). */
  readonly pprof: {
    readonly enabled: boolean;
    readonly addr: string;
    readonly port: number;
    /** Recorded from start to shutdown and written to `path`; null when no file profile is asked for. */
    readonly file: { readonly type: ProfileType; readonly path: string } | null;
  };
  /** --override.* flags that were set (name → value); accepted and reported, with no effect. */
  readonly overrides: ReadonlyMap<string, number | boolean>;
  readonly log: { readonly level: string; readonly format: string };
  readonly metrics: { readonly enabled: boolean; readonly addr: string; readonly port: number };
  readonly rollupConfig: string | null;
  readonly payloadWindow: number;
  readonly payloadWindowBytes: number;
}

export class ConfigError extends Error {}

/** The profiles a Node.js process can record; op-conductor also knows Go runtime ones. */
export type ProfileType = 'cpu' | 'heap';
const GO_ONLY_PROFILE_TYPES = ['goroutine', 'threadcreate', 'block', 'mutex', 'allocs'];

/**
 * op-service's PathFlag: an existing directory means `{dir}/{type}.prof`, anything else is the file
 * itself; no path at all means `{type}.prof` in the working directory.
 */
export function profileFilePath(
  given: string,
  type: ProfileType,
  isDirectory: (p: string) => boolean,
): string {
  if (given === '') return `${type}.prof`;
  return isDirectory(given) ? path.join(given, `${type}.prof`) : given;
}

/**
 * Validates the raw option values commander collected (flags, then env, then defaults) together with
 * which of them the user set explicitly. Collects every problem so one run shows them all.
 */
export function parseConductorConfig(
  raw: Readonly<Record<string, unknown>>,
  explicitlySet: (flag: string) => boolean,
): ConductorConfig {
  const problems: string[] = [];
  for (const spec of CONDUCTOR_FLAGS) {
    if (spec.required && !explicitlySet(spec.name)) {
      problems.push(`missing required flag --${spec.name} (or ${envName(spec.name)})`);
    }
  }
  const str = (flag: string): string => {
    const value = raw[flag];
    return value === undefined || value === null ? '' : String(value);
  };
  const bool = (flag: string): boolean => {
    const value = raw[flag];
    if (value === undefined || value === false) return false;
    if (value === true) return true;
    const text = String(value).toLowerCase();
    if (['true', '1', 't', 'yes'].includes(text)) return true;
    if (['false', '0', 'f', 'no', ''].includes(text)) return false;
    problems.push(`invalid boolean for --${flag}: "${String(value)}" (use true or false)`);
    return false;
  };
  const uint = (flag: string): number => {
    const text = str(flag);
    if (text === '') return 0;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      problems.push(`invalid value for --${flag}: "${text}" is not a non-negative integer`);
      return 0;
    }
    return Number(text);
  };
  const duration = (flag: string): number => {
    try {
      return parseDuration(str(flag));
    } catch (error) {
      problems.push(`invalid value for --${flag}: ${(error as Error).message}`);
      return 0;
    }
  };

  const port = uint('consensus.port');
  const rpcPort = uint('rpc.port');
  const metricsPort = uint('metrics.port');
  for (const [flag, value] of [
    ['consensus.port', port],
    ['rpc.port', rpcPort],
    ['metrics.port', metricsPort],
  ] as const) {
    if (value > 65535) problems.push(`invalid value for --${flag}: ${value} is not a TCP port`);
  }
  const heartbeatTimeoutMs = duration('raft.heartbeat-timeout');
  const leaseTimeoutMs = duration('raft.lease-timeout');
  if (leaseTimeoutMs > heartbeatTimeoutMs) {
    problems.push(
      `--raft.lease-timeout (${leaseTimeoutMs}ms) must not exceed --raft.heartbeat-timeout (${heartbeatTimeoutMs}ms)`,
    );
  }
  const advertised = str('consensus.advertised');
  if (
    advertised !== '' &&
    !/^[^\s:]+:\d{1,5}$/.test(advertised) &&
    !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(advertised)
  ) {
    problems.push(`invalid value for --consensus.advertised: "${advertised}" (expected host:port)`);
  }
  const serverId = str('raft.server.id');
  if (serverId.includes('/') || serverId === '.' || serverId === '..') {
    problems.push(`invalid value for --raft.server.id: "${serverId}" (it names a directory; no slashes)`);
  }
  for (const flag of ['node.rpc', 'execution.rpc']) {
    const url = str(flag);
    if (url !== '' && !/^https?:\/\//.test(url)) {
      problems.push(`invalid value for --${flag}: "${url}" (expected an http:// or https:// URL)`);
    }
  }

  // HealthCheckConfig.Check in op-conductor.
  const intervalS = uint('healthcheck.interval');
  if (explicitlySet('healthcheck.interval') && intervalS === 0)
    problems.push('missing health check interval');
  const safeIntervalS = uint('healthcheck.safe-interval');
  if (safeIntervalS === 0) problems.push('missing safe interval');
  const minPeerCount = uint('healthcheck.min-peer-count');
  if (explicitlySet('healthcheck.min-peer-count') && minPeerCount === 0)
    problems.push('missing minimum peer count');
  const executionP2pEnabled = bool('healthcheck.execution-p2p-enabled');
  const executionP2pMinPeerCount = uint('healthcheck.execution-p2p-min-peer-count');
  if (executionP2pEnabled && executionP2pMinPeerCount === 0) {
    problems.push('missing minimum peer count for execution p2p health check');
  }
  const checkApi = str('healthcheck.execution-p2p-check-api');
  if (checkApi !== 'net' && checkApi !== 'admin') {
    problems.push(
      `invalid value for --healthcheck.execution-p2p-check-api: "${checkApi}" (use net or admin)`,
    );
  }

  const tlsFiles = [str('raft.tls.ca'), str('raft.tls.cert'), str('raft.tls.key')];
  const tlsGiven = tlsFiles.filter((file) => file !== '').length;
  if (tlsGiven !== 0 && tlsGiven !== 3) {
    problems.push('raft mutual TLS needs all of --raft.tls.ca, --raft.tls.cert and --raft.tls.key');
  }
  const logLevel = str('log.level').toLowerCase();
  if (!['trace', 'debug', 'info', 'warn', 'error', 'crit'].includes(logLevel)) {
    problems.push(
      `invalid value for --log.level: "${logLevel}" (use trace, debug, info, warn, error or crit)`,
    );
  }
  const dialOverrides = new Map<string, string>();
  for (const pair of str('raft.dial-override').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      problems.push(`invalid value for --raft.dial-override: "${pair}" (expected address=address)`);
    } else {
      dialOverrides.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  const payloadWindow = uint('fsm.payload-window');
  if (payloadWindow < 2) problems.push('--fsm.payload-window must be at least 2');
  const payloadWindowBytes = uint('fsm.payload-window-bytes');
  if (payloadWindowBytes < 1) problems.push('--fsm.payload-window-bytes must be at least 1');

  // conductor/config.go Check and HealthCheckConfig.Check.
  const rollupBoostLegacy = bool('rollup-boost.enabled');
  const rollupBoostNext = bool('rollup-boost.next-enabled');
  const rollupBoostNextUrl = str('rollup-boost.next-healthcheck-url');
  const rollupBoostTimeoutMs = duration('rollup-boost.healthcheck-timeout');
  if (rollupBoostLegacy && rollupBoostNext) {
    problems.push('only one of rollup-boost or rollup-boost next healthchecks can be enabled');
  }
  if (rollupBoostNext && rollupBoostNextUrl === '') {
    problems.push('missing rollup-boost next healthcheck URL (--rollup-boost.next-healthcheck-url)');
  }
  if (rollupBoostNextUrl !== '' && !/^https?:\/\//.test(rollupBoostNextUrl)) {
    problems.push(
      `invalid value for --rollup-boost.next-healthcheck-url: "${rollupBoostNextUrl}" (expected an http:// or https:// URL)`,
    );
  }
  const toleranceLimit = uint('healthcheck.rollup-boost-partial-healthiness-tolerance-limit');
  const toleranceIntervalS = uint('healthcheck.rollup-boost-partial-healthiness-tolerance-interval-seconds');
  if ((toleranceLimit === 0) !== (toleranceIntervalS === 0)) {
    problems.push(
      'set both --healthcheck.rollup-boost-partial-healthiness-tolerance-limit and ' +
        '--healthcheck.rollup-boost-partial-healthiness-tolerance-interval-seconds, or neither',
    );
  }
  if (str('rollupboost.ws-url') !== '') {
    problems.push(
      '--rollupboost.ws-url (the flashblocks websocket fan-out) is not supported by Baton: let clients ' +
        'read flashblocks from rollup-boost directly, or unset it',
    );
  }
  const websocketPort = uint('websocket.server-port');
  if (websocketPort > 65535) {
    problems.push(`invalid value for --websocket.server-port: ${websocketPort} is not a TCP port`);
  }
  const pprofPort = uint('pprof.port');
  if (pprofPort > 65535) problems.push(`invalid value for --pprof.port: ${pprofPort} is not a TCP port`);
  const pprofType = str('pprof.type').toLowerCase();
  if (GO_ONLY_PROFILE_TYPES.includes(pprofType)) {
    problems.push(
      `--pprof.type=${pprofType} is a Go runtime profile; Baton's conductor runs on Node.js and records cpu or heap`,
    );
  } else if (pprofType !== '' && pprofType !== 'cpu' && pprofType !== 'heap') {
    problems.push(`unknown profile type for --pprof.type: "${pprofType}" (use cpu or heap)`);
  }
  const overrides = new Map<string, number | boolean>();
  for (const spec of CONDUCTOR_FLAGS) {
    if (!spec.name.startsWith('override.') || !explicitlySet(spec.name)) continue;
    overrides.set(spec.name, spec.kind === 'bool' ? bool(spec.name) : uint(spec.name));
  }

  const booleans = {
    bootstrap: bool('raft.bootstrap'),
    roundRobin: bool('raft.round-robin-leader-transfer'),
    paused: bool('paused'),
    enableProxy: bool('rpc.enable-proxy'),
    commitLoopbackOnly: bool('rpc.commit-loopback-only'),
    safeEnabled: bool('healthcheck.safe-enabled'),
    metrics: bool('metrics.enabled'),
    pprof: bool('pprof.enabled'),
  };
  if (problems.length > 0) {
    throw new ConfigError(`invalid conductor configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    consensus: { addr: str('consensus.addr'), port, advertised },
    raft: {
      bootstrap: booleans.bootstrap,
      serverId,
      storageDir: str('raft.storage.dir'),
      snapshotIntervalMs: duration('raft.snapshot-interval'),
      snapshotThreshold: uint('raft.snapshot-threshold'),
      trailingLogs: uint('raft.trailing-logs'),
      heartbeatTimeoutMs,
      leaseTimeoutMs,
      roundRobinLeaderTransfer: booleans.roundRobin,
      bootstrapMember: str('raft.bootstrap-member') || null,
      dialOverrides,
      tls: tlsGiven === 3 ? { caFile: tlsFiles[0]!, certFile: tlsFiles[1]!, keyFile: tlsFiles[2]! } : null,
    },
    nodeRpc: str('node.rpc'),
    executionRpc: str('execution.rpc'),
    paused: booleans.paused,
    rpc: {
      addr: str('rpc.addr'),
      port: rpcPort,
      enableProxy: booleans.enableProxy,
      adminTokenFile: str('rpc.admin-token-file') || null,
      commitLoopbackOnly: booleans.commitLoopbackOnly,
    },
    healthcheck: {
      intervalS,
      unsafeIntervalS: uint('healthcheck.unsafe-interval'),
      safeEnabled: booleans.safeEnabled,
      safeIntervalS,
      minPeerCount,
      executionP2pEnabled,
      executionP2pMinPeerCount,
      executionP2pRpcUrl: str('healthcheck.execution-p2p-rpc-url') || str('execution.rpc'),
      executionP2pCheckApi: checkApi === 'admin' ? 'admin' : 'net',
      ...(toleranceLimit > 0
        ? { rollupBoostPartialTolerance: { limit: toleranceLimit, intervalS: toleranceIntervalS } }
        : {}),
    },
    rollupBoost: rollupBoostLegacy
      ? { mode: 'legacy', timeoutMs: rollupBoostTimeoutMs }
      : rollupBoostNext
        ? { mode: 'next', timeoutMs: rollupBoostTimeoutMs, url: rollupBoostNextUrl }
        : { mode: 'off' },
    pprof: {
      enabled: booleans.pprof,
      addr: str('pprof.addr'),
      port: pprofPort,
      file:
        pprofType === 'cpu' || pprofType === 'heap'
          ? { type: pprofType, path: profileFilePath(str('pprof.path'), pprofType, isDirectory) }
          : null,
    },
    overrides,
    log: { level: logLevel, format: str('log.format') },
    metrics: { enabled: booleans.metrics, addr: str('metrics.addr'), port: metricsPort },
    rollupConfig: str('rollup.config') || null,
    payloadWindow,
    payloadWindowBytes,
  };
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}
