/**
 * `baton sim op-geth` and `baton sim op-node`: the simulator as processes, taking the real
 * binaries' flag names (and their GETH_* / OP_NODE_* environment variables), so the operator and
 * local clusters can run them with the same arguments they would give op-geth and op-node.
 * A flag the real binary accepts but the simulator does not model is accepted; a flag the real binary
 * would refuse is refused the same way (`flag provided but not defined: -name`, exit 1), against the
 * real binaries' flag lists (flags/real-flags.ts), so a configuration the simulator starts with also
 * starts op-node and op-geth.
 */
import { parseDuration } from '../../conductor/config/duration.js';
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { byName, checkFlags } from './flags/help.js';
import { OP_GETH_FLAGS, OP_NODE_FLAGS } from './flags/real-flags.js';
import { readJwtSecretFile } from './rpc/jwt.js';

const log = (msg: string): void => console.error(`${new Date().toISOString()} ${msg}`);

/** Go-style booleans: `--flag`, `--flag=true`, `--flag=false`. */
function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1';
}

/** Go durations ("1s", "500ms", "1m30s"); a bare number means seconds (as op-node's block time). */
export function parseDurationMs(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  return parseDuration(v);
}

function opt(flags: string, description: string, env: string, defaultValue?: string): Option {
  const o = new Option(flags, description).env(env);
  return defaultValue === undefined ? o : o.default(defaultValue);
}

const REAL = { 'op-geth': byName(OP_GETH_FLAGS), 'op-node': byName(OP_NODE_FLAGS) } as const;

/** Refuses, as urfave/cli does, a flag the real binary does not define; accepts one it does. */
function refuseUnknown(cmd: Command, binary: keyof typeof REAL): void {
  const check = checkFlags(cmd.args, REAL[binary]);
  if (check.ok) return;
  log(`${binary}: flag provided but not defined: -${check.unknown} (the real ${binary} refuses it too)`);
  process.exit(1);
}

async function runUntilSignal(close: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await close();
}

type Opts = Record<string, string | boolean | undefined>;
/** Commander stores `--l2.jwt-secret` under `l2.jwtSecret`: camel-case after each dash. */
const key = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const str = (o: Opts, k: string): string | undefined => {
  const v = o[key(k)];
  return typeof v === 'string' ? v : undefined;
};
const flag = (o: Opts, k: string): boolean => bool(o[key(k)]);

export function registerSimCommand(program: Command): void {
  const sim = program
    .command('sim')
    .description('OP Stack simulator: op-geth and op-node stand-ins speaking the real RPC');

  const geth = sim
    .command('op-geth')
    .description(
      'simulated op-geth: eth_* JSON-RPC, engine API with JWT, in-memory chain with real block hashes',
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .addOption(opt('--http [bool]', 'enable the HTTP-RPC server (always on)', 'GETH_HTTP'))
    .addOption(opt('--http.addr <host>', 'HTTP-RPC listen address', 'GETH_HTTP_ADDR', '127.0.0.1'))
    .addOption(opt('--http.port <port>', 'HTTP-RPC port', 'GETH_HTTP_PORT', '8545'))
    .addOption(opt('--authrpc.addr <host>', 'engine API listen address', 'GETH_AUTHRPC_ADDR', '127.0.0.1'))
    .addOption(opt('--authrpc.port <port>', 'engine API port', 'GETH_AUTHRPC_PORT', '8551'))
    .addOption(opt('--authrpc.jwtsecret <path>', 'file with the hex JWT secret', 'GETH_AUTHRPC_JWTSECRET'))
    .addOption(opt('--datadir <dir>', 'data directory (chain persisted as sim-chain.jsonl)', 'GETH_DATADIR'))
    .addOption(opt('--networkid <id>', 'chain id', 'GETH_NETWORKID', '901'))
    .addOption(
      opt(
        '--sim.genesis-time <unix>',
        'genesis timestamp; every node of a chain must use the same',
        'GETH_SIM_GENESIS_TIME',
      ),
    )
    .addOption(
      opt(
        '--sim.peer-count <n>',
        'peer count reported by net_peerCount/admin_peers',
        'GETH_SIM_PEER_COUNT',
        '0',
      ),
    );
  geth.action(async (o: Opts, cmd: Command) => {
    refuseUnknown(cmd, 'op-geth');
    const jwt = str(o, 'authrpc.jwtsecret');
    const datadir = str(o, 'datadir');
    const genesisTime = str(o, 'sim.genesis-time');
    const { startSimOpGeth } = await import('./op-geth/server.js');
    const g = await startSimOpGeth({
      host: str(o, 'http.addr') ?? '127.0.0.1',
      port: Number(str(o, 'http.port')),
      authHost: str(o, 'authrpc.addr') ?? '127.0.0.1',
      authPort: Number(str(o, 'authrpc.port')),
      ...(jwt ? { jwtSecret: readJwtSecretFile(jwt) } : {}),
      ...(datadir ? { datadir } : {}),
      ...(genesisTime ? { genesisTime: Number(genesisTime) } : {}),
      chainId: Number(str(o, 'networkid')),
      peerCount: Number(str(o, 'sim.peer-count')),
      log,
    });
    await runUntilSignal(g.close);
  });

  const node = sim
    .command('op-node')
    .description(
      'simulated op-node: sequencer with conductor commits, admin/optimism/opp2p RPC, block gossip',
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .addOption(opt('--l2 <url>', 'engine API URL of the execution client', 'OP_NODE_L2_ENGINE_RPC'))
    .addOption(opt('--l2.jwt-secret <path>', 'file with the hex JWT secret', 'OP_NODE_L2_ENGINE_AUTH'))
    .addOption(opt('--rpc.addr <host>', 'RPC listen address', 'OP_NODE_RPC_ADDR', '0.0.0.0'))
    .addOption(opt('--rpc.port <port>', 'RPC port', 'OP_NODE_RPC_PORT', '9545'))
    .addOption(opt('--rpc.enable-admin [bool]', 'enable the admin API', 'OP_NODE_RPC_ENABLE_ADMIN'))
    .addOption(opt('--sequencer.enabled [bool]', 'enable sequencing', 'OP_NODE_SEQUENCER_ENABLED'))
    .addOption(
      opt('--sequencer.stopped [bool]', 'start with the sequencer stopped', 'OP_NODE_SEQUENCER_STOPPED'),
    )
    .addOption(
      opt(
        '--conductor.enabled [bool]',
        'commit blocks to op-conductor before publishing',
        'OP_NODE_CONDUCTOR_ENABLED',
      ),
    )
    .addOption(
      opt('--conductor.rpc <url>', 'conductor RPC', 'OP_NODE_CONDUCTOR_RPC', 'http://127.0.0.1:8547'),
    )
    .addOption(
      opt(
        '--conductor.rpc-timeout <duration>',
        'conductor call budget',
        'OP_NODE_CONDUCTOR_RPC_TIMEOUT',
        '1s',
      ),
    )
    .addOption(opt('--p2p.listen.ip <ip>', 'p2p listen address', 'OP_NODE_P2P_LISTEN_IP', '0.0.0.0'))
    .addOption(opt('--p2p.listen.tcp <port>', 'p2p listen port', 'OP_NODE_P2P_LISTEN_TCP_PORT', '9222'))
    .addOption(
      opt(
        '--p2p.static <addrs>',
        'comma-separated static peers (multiaddrs or host:port)',
        'OP_NODE_P2P_STATIC',
      ),
    )
    .addOption(opt('--p2p.disable [bool]', 'disable p2p', 'OP_NODE_P2P_DISABLE'))
    .addOption(
      opt(
        '--p2p.priv.path <path>',
        'hex secp256k1 p2p key (created if missing); its peer id identifies this node',
        'OP_NODE_P2P_PRIV_PATH',
      ),
    )
    .addOption(
      opt(
        '--rollup.config <path>',
        'rollup config JSON (block_time, l2_chain_id are read)',
        'OP_NODE_ROLLUP_CONFIG',
      ),
    )
    .addOption(
      opt('--sim.block-time <duration>', 'block time (sub-second allowed)', 'OP_NODE_SIM_BLOCK_TIME'),
    )
    .addOption(
      opt('--sim.payload-bytes <n>', 'filler transaction bytes per block', 'OP_NODE_SIM_PAYLOAD_BYTES', '0'),
    )
    .addOption(
      opt(
        '--sim.gossip-delay <duration>',
        'delay before each gossiped copy is sent',
        'OP_NODE_SIM_GOSSIP_DELAY',
        '0s',
      ),
    )
    .addOption(
      opt(
        '--sim.gossip-loss <fraction>',
        'probability of dropping each gossiped copy',
        'OP_NODE_SIM_GOSSIP_LOSS',
        '0',
      ),
    )
    .addOption(
      opt('--sim.safe-lag <blocks>', 'safe head lag behind the unsafe head', 'OP_NODE_SIM_SAFE_LAG', '4'),
    )
    .addOption(
      opt(
        '--sim.finalized-lag <blocks>',
        'finalized head lag behind the unsafe head',
        'OP_NODE_SIM_FINALIZED_LAG',
        '16',
      ),
    )
    .addOption(
      opt(
        '--p2p.sequencer.key <hex>',
        'private key signing gossiped blocks; without it the sequencer cannot publish',
        'OP_NODE_P2P_SEQUENCER_KEY',
      ),
    )
    .addOption(
      opt(
        '--sim.unsafe-block-signer <address>',
        "the chain's p2p sequencer address (L1 SystemConfig on a real chain); default this node's key's",
        'OP_NODE_SIM_UNSAFE_BLOCK_SIGNER',
      ),
    )
    .addOption(opt('--sim.node-id <id>', 'name of this node in gossip and history', 'OP_NODE_SIM_NODE_ID'));
  node.action(async (o: Opts, cmd: Command) => {
    refuseUnknown(cmd, 'op-node');
    const l2 = str(o, 'l2');
    if (!l2) throw new Error('--l2 is required');
    const jwt = str(o, 'l2.jwt-secret');
    let blockTimeMs = 2000;
    let l2ChainId = 901;
    const rollup = str(o, 'rollup.config');
    if (rollup) {
      const cfg = JSON.parse(readFileSync(rollup, 'utf8')) as { block_time?: number; l2_chain_id?: number };
      if (typeof cfg.block_time === 'number') blockTimeMs = cfg.block_time * 1000;
      if (typeof cfg.l2_chain_id === 'number') l2ChainId = cfg.l2_chain_id;
    }
    const bt = str(o, 'sim.block-time');
    if (bt) blockTimeMs = parseDurationMs(bt);
    const nodeId = str(o, 'sim.node-id');
    const p2pDisabled = flag(o, 'p2p.disable');
    const sequencerKey = str(o, 'p2p.sequencer.key');
    const unsafeBlockSigner = str(o, 'sim.unsafe-block-signer');
    if (unsafeBlockSigner !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(unsafeBlockSigner))
      throw new Error(`--sim.unsafe-block-signer must be a 0x-prefixed address, got ${unsafeBlockSigner}`);
    const privPath = str(o, 'p2p.priv.path');
    const p2pPeerId =
      privPath && !p2pDisabled
        ? await import('./op-node/p2p-key.js').then((m) => m.loadP2pPeerId(privPath))
        : undefined;
    const { startSimOpNode } = await import('./op-node/node.js');
    const n = await startSimOpNode({
      l2,
      ...(jwt ? { jwtSecret: readJwtSecretFile(jwt) } : {}),
      rpcHost: str(o, 'rpc.addr') ?? '0.0.0.0',
      rpcPort: Number(str(o, 'rpc.port')),
      enableAdmin: flag(o, 'rpc.enable-admin'),
      sequencerEnabled: flag(o, 'sequencer.enabled'),
      sequencerStopped: flag(o, 'sequencer.stopped'),
      conductorEnabled: flag(o, 'conductor.enabled'),
      conductorRpc: str(o, 'conductor.rpc') ?? 'http://127.0.0.1:8547',
      conductorRpcTimeoutMs: parseDurationMs(str(o, 'conductor.rpc-timeout') ?? '1s'),
      p2pHost: str(o, 'p2p.listen.ip') ?? '0.0.0.0',
      p2pPort: p2pDisabled ? 0 : Number(str(o, 'p2p.listen.tcp')),
      p2pStatic: p2pDisabled ? [] : (str(o, 'p2p.static') ?? '').split(',').filter((s) => s.trim() !== ''),
      p2pDisabled,
      ...(sequencerKey ? { sequencerKey } : {}),
      ...(unsafeBlockSigner ? { unsafeBlockSigner: unsafeBlockSigner as `0x${string}` } : {}),
      ...(nodeId ? { nodeId } : {}),
      ...(p2pPeerId ? { p2pPeerId } : {}),
      blockTimeMs,
      payloadBytes: Number(str(o, 'sim.payload-bytes')),
      gossipDelayMs: parseDurationMs(str(o, 'sim.gossip-delay') ?? '0s'),
      gossipLoss: Number(str(o, 'sim.gossip-loss')),
      safeLag: Number(str(o, 'sim.safe-lag')),
      finalizedLag: Number(str(o, 'sim.finalized-lag')),
      l2ChainId,
      log,
    });
    await runUntilSignal(n.close);
  });
}
