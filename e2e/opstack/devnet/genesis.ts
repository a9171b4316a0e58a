/**
 * The L2 side of a local OP Stack devnet, as plain data: op-geth's genesis.json and op-node's rollup.json,
 * with every OP fork through Jovian active at genesis, and the L1 init code that stands in for the
 * SystemConfig contract. No L1 contracts are deployed: op-node reads only the unsafe-block signer from L1
 * (one storage slot of the system config address), and batches are plain calldata to the inbox address.
 *
 * Field names and defaults follow op-chain-ops' NewL2Genesis and op-node's rollup.Config (optimism v1.19.6).
 */
import { concat, keccak256, numberToHex, pad, toHex, type Address, type Hex } from 'viem';

/** keccak256("systemconfig.unsafeblocksigner"): where op-node's runtime config reads the p2p block signer. */
export const UNSAFE_BLOCK_SIGNER_SLOT: Hex = keccak256(toHex('systemconfig.unsafeblocksigner'));

/** OP predeploys touched at genesis. */
const L2_TO_L1_MESSAGE_PASSER: Address = '0x4200000000000000000000000000000000000016';
const SEQUENCER_FEE_VAULT: Address = '0x4200000000000000000000000000000000000011';

/** Jovian's base-fee parameters (op-chain-ops MinBaseFeeExtraData: denominator 250, elasticity 6, min fee 0). */
export const EIP1559_DENOMINATOR_CANYON = 250;
export const EIP1559_ELASTICITY = 6;
const EIP1559_DENOMINATOR = 50;

export interface L2GenesisParams {
  readonly l2ChainId: number;
  /** Unix seconds; every fork is active from here. */
  readonly timestamp: number;
  readonly gasLimit: number;
  /** Accounts funded on L2 (wei). */
  readonly funded?: Readonly<Record<Address, bigint>>;
}

/** Jovian-format extraData: version 1, then denominator (u32), elasticity (u32) and min base fee (u64). */
export function jovianExtraData(denominator: number, elasticity: number, minBaseFee: bigint): Hex {
  return concat([
    '0x01',
    pad(numberToHex(denominator), { size: 4 }),
    pad(numberToHex(elasticity), { size: 4 }),
    pad(numberToHex(minBaseFee), { size: 8 }),
  ]);
}

/** op-geth's genesis.json: the chain config and the genesis block. */
export function l2Genesis(params: L2GenesisParams): Record<string, unknown> {
  const zero = 0;
  const alloc: Record<string, unknown> = {
    // Isthmus puts this account's storage root in the header (withdrawalsRoot): give it storage to root.
    [L2_TO_L1_MESSAGE_PASSER]: { balance: '0x0', storage: { [pad('0x0')]: pad('0x1') } },
  };
  for (const [address, wei] of Object.entries(params.funded ?? {})) alloc[address] = { balance: toHex(wei) };
  return {
    config: {
      chainId: params.l2ChainId,
      homesteadBlock: zero,
      eip150Block: zero,
      eip155Block: zero,
      eip158Block: zero,
      byzantiumBlock: zero,
      constantinopleBlock: zero,
      petersburgBlock: zero,
      istanbulBlock: zero,
      muirGlacierBlock: zero,
      berlinBlock: zero,
      londonBlock: zero,
      arrowGlacierBlock: zero,
      grayGlacierBlock: zero,
      mergeNetsplitBlock: zero,
      terminalTotalDifficulty: zero,
      bedrockBlock: zero,
      regolithTime: zero,
      canyonTime: zero,
      shanghaiTime: zero,
      cancunTime: zero,
      ecotoneTime: zero,
      fjordTime: zero,
      graniteTime: zero,
      holoceneTime: zero,
      isthmusTime: zero,
      pragueTime: zero,
      jovianTime: zero,
      optimism: {
        eip1559Elasticity: EIP1559_ELASTICITY,
        eip1559Denominator: EIP1559_DENOMINATOR,
        eip1559DenominatorCanyon: EIP1559_DENOMINATOR_CANYON,
      },
    },
    nonce: '0x0',
    timestamp: toHex(params.timestamp),
    extraData: jovianExtraData(EIP1559_DENOMINATOR_CANYON, EIP1559_ELASTICITY, 0n),
    gasLimit: toHex(params.gasLimit),
    difficulty: '0x0',
    mixHash: pad('0x0'),
    coinbase: SEQUENCER_FEE_VAULT,
    number: '0x0',
    gasUsed: '0x0',
    parentHash: pad('0x0'),
    baseFeePerGas: toHex(1_000_000_000),
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
    alloc,
  };
}

export interface RollupParams {
  readonly l1ChainId: number;
  readonly l2ChainId: number;
  readonly l1Genesis: { readonly hash: Hex; readonly number: number };
  readonly l2GenesisHash: Hex;
  readonly l2GenesisTime: number;
  readonly blockTimeSeconds: number;
  readonly gasLimit: number;
  readonly batcher: Address;
  readonly systemConfig: Address;
}

/** op-node's rollup.json (op-node/rollup/types.go Config). */
export function rollupConfig(params: RollupParams): Record<string, unknown> {
  const zero = 0;
  return {
    genesis: {
      l1: { hash: params.l1Genesis.hash, number: params.l1Genesis.number },
      l2: { hash: params.l2GenesisHash, number: 0 },
      l2_time: params.l2GenesisTime,
      system_config: {
        batcherAddr: params.batcher,
        overhead: pad('0x0'),
        scalar: ecotoneScalar({ blobBaseFeeScalar: 659_851, baseFeeScalar: 1_101 }),
        gasLimit: params.gasLimit,
        eip1559Params: '0x0000000000000000',
        operatorFeeParams: pad('0x0'),
        minBaseFee: 0,
        daFootprintGasScalar: 0,
      },
    },
    block_time: params.blockTimeSeconds,
    max_sequencer_drift: 600,
    seq_window_size: 3600,
    channel_timeout: 300,
    l1_chain_id: params.l1ChainId,
    l2_chain_id: params.l2ChainId,
    regolith_time: zero,
    canyon_time: zero,
    delta_time: zero,
    ecotone_time: zero,
    fjord_time: zero,
    granite_time: zero,
    holocene_time: zero,
    isthmus_time: zero,
    jovian_time: zero,
    // Nothing reads these on a devnet without contracts, but op-node refuses zero addresses.
    batch_inbox_address: `0xff${params.l2ChainId.toString(16).padStart(38, '0')}`,
    deposit_contract_address: '0x00000000000000000000000000000000000d3b05',
    l1_system_config_address: params.systemConfig,
    chain_op_config: {
      eip1559Elasticity: EIP1559_ELASTICITY,
      eip1559Denominator: EIP1559_DENOMINATOR,
      eip1559DenominatorCanyon: EIP1559_DENOMINATOR_CANYON,
    },
  };
}

/**
 * The system config's fee scalar in its Ecotone form (op-service/eth SystemConfig): version byte 1, then
 * the blob base fee scalar and the base fee scalar as the last two big-endian u32s. op-node refuses zero.
 */
export function ecotoneScalar(s: { blobBaseFeeScalar: number; baseFeeScalar: number }): Hex {
  return concat([
    '0x01',
    pad('0x', { size: 23 }),
    pad(numberToHex(s.blobBaseFeeScalar), { size: 4 }),
    pad(numberToHex(s.baseFeeScalar), { size: 4 }),
  ]);
}

/**
 * Init code that stores `signer` in the unsafe-block-signer slot and deploys no code: PUSH20 signer,
 * PUSH32 slot, SSTORE, STOP. The created account is the devnet's `l1_system_config_address`.
 */
export function signerSlotInitCode(signer: Address): Hex {
  return concat(['0x73', signer, '0x7f', UNSAFE_BLOCK_SIGNER_SLOT, '0x55', '0x00']);
}
