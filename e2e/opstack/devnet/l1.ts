/**
 * Preparing an L1 dev chain (op-geth `--dev`) for a devnet rollup: what op-node reads from L1 before it
 * follows the chain. Shared by the loopback devnet (e2e/opstack/lab.ts) and the Kubernetes lab's real-pod
 * test, which reaches its L1 pod the same way, over JSON-RPC.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { getContractAddress, parseEther, type Address, type Hex } from 'viem';
import { freePort, sleep } from '../../../conductor/localcluster/cluster.js';
import { jsonRpc, LabProcess, runToCompletion } from '../process.js';
import { signerSlotInitCode, UNSAFE_BLOCK_SIGNER_SLOT } from './genesis.js';

/** The L1 block the rollup starts from, and the address op-node reads the unsafe-block signer at. */
export interface L1Genesis {
  readonly hash: Hex;
  readonly number: number;
  readonly timestamp: number;
  readonly systemConfig: Address;
}

/**
 * Funds the batcher, deploys the unsafe-block signer slot (op-node reads the p2p signer from it; with no
 * contract there followers drop every gossiped block), reads the L1 chain config op-node needs for a
 * chain id it does not know (`--rollup.l1-chain-config`), and returns the L1 block the rollup starts from.
 * `logHint`: where to look when an L1 transaction is not mined.
 */
export async function prepareDevL1(
  l1Url: string,
  accounts: { sequencer: Address; batcher: Address; logHint: string },
): Promise<{ l1Genesis: L1Genesis; l1ChainConfig: unknown }> {
  const rpc = (method: string, params: unknown[] = []): Promise<unknown> => jsonRpc(l1Url, method, params);
  const [dev] = (await rpc('eth_accounts')) as Address[];
  if (!dev) throw new Error('the L1 dev chain has no dev account (eth_accounts is empty)');
  const nonce = Number(await rpc('eth_getTransactionCount', [dev, 'pending']));
  const systemConfig = getContractAddress({ from: dev, nonce: BigInt(nonce) });
  const deploy = (await rpc('eth_sendTransaction', [
    { from: dev, data: signerSlotInitCode(accounts.sequencer), gas: '0x30000' },
  ])) as Hex;
  const fund = (await rpc('eth_sendTransaction', [
    { from: dev, to: accounts.batcher, value: `0x${parseEther('1000').toString(16)}` },
  ])) as Hex;
  for (const tx of [deploy, fund]) {
    const deadline = Date.now() + 60_000;
    while ((await rpc('eth_getTransactionReceipt', [tx])) === null) {
      if (Date.now() > deadline)
        throw new Error(`L1 transaction ${tx} was not mined within 60s; see ${accounts.logHint}`);
      await sleep(250);
    }
  }
  const stored = (await rpc('eth_getStorageAt', [systemConfig, UNSAFE_BLOCK_SIGNER_SLOT, 'latest'])) as Hex;
  if (BigInt(stored) !== BigInt(accounts.sequencer))
    throw new Error(`the signer slot at ${systemConfig} holds ${stored}, expected ${accounts.sequencer}`);
  const l1ChainConfig = await rpc('debug_chainConfig');
  const head = (await rpc('eth_getBlockByNumber', ['latest', false])) as {
    hash: Hex;
    number: Hex;
    timestamp: Hex;
  };
  return {
    l1Genesis: {
      hash: head.hash,
      number: Number(head.number),
      timestamp: Number(head.timestamp),
      systemConfig,
    },
    l1ChainConfig,
  };
}

/**
 * The hash of the L2 genesis block, which rollup.json must name before any op-node starts: computed by the
 * op-geth binary itself (init a scratch datadir, start it on free loopback ports, read block 0), so it is
 * exactly what the members' op-geths will write.
 */
export async function genesisBlockHash(geth: string, genesis: unknown, dir: string): Promise<Hex> {
  const file = path.join(dir, 'genesis.json');
  await writeFile(file, JSON.stringify(genesis));
  const datadir = path.join(dir, 'genesis-hash-datadir');
  await runToCompletion(
    'geth init (genesis hash)',
    geth,
    ['init', `--datadir=${datadir}`, '--state.scheme=path', file],
    path.join(dir, 'genesis-hash-init.log'),
  );
  const port = await freePort();
  const process = new LabProcess({
    name: 'geth (genesis hash)',
    command: geth,
    args: [
      `--datadir=${datadir}`,
      '--http',
      '--http.addr=127.0.0.1',
      `--http.port=${port}`,
      `--authrpc.port=${await freePort()}`,
      '--port=0',
      '--nodiscover',
      '--maxpeers=0',
      '--nat=none',
      '--ipcdisable',
    ],
    logFile: path.join(dir, 'genesis-hash.log'),
    readyUrl: `http://127.0.0.1:${port}`,
  });
  await process.start(() => {});
  try {
    const block = (await jsonRpc(`http://127.0.0.1:${port}`, 'eth_getBlockByNumber', ['0x0', false])) as {
      hash: Hex;
    };
    return block.hash;
  } finally {
    await process.stop();
    await rm(datadir, { recursive: true, force: true });
  }
}
