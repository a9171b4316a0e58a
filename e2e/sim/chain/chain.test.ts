/**
 * Block hashes must be the real keccak256(RLP(header)): checked against headers whose hashes were
 * computed by real clients, then for the simulator's own blocks and envelopes.
 */
import { keccak256, toRlp, type Hex } from 'viem';
import {
  buildChild,
  genesisBlock,
  l2BlockRef,
  DEFAULT_EIP1559_PARAMS,
  DEFAULT_GAS_LIMIT,
  SEQUENCER_FEE_VAULT,
} from './block.js';
import {
  blockToEnvelope,
  checkBlockHash,
  envelopeToBlock,
  parseEnvelope,
  type ExecutionPayloadEnvelopeJson,
} from './envelope.js';
import { EMPTY_UNCLE_HASH, ZERO_BLOOM, ZERO_HASH, hashHeader } from '../../../conductor/chain/header.js';
import { l1Block } from './l1.js';
import { quantity } from './rlp.js';
import { EMPTY_TRIE_ROOT, orderedTrieRoot } from '../../../conductor/chain/trie.js';
import { fillerTxs, l1InfoTx, parseL1InfoTx } from './txs.js';

describe('header hash against real chains', () => {
  test('Ethereum mainnet genesis (pre-London header, PoW difficulty and nonce)', () => {
    const hash = hashHeader({
      parentHash: ZERO_HASH,
      sha3Uncles: EMPTY_UNCLE_HASH,
      miner: '0x0000000000000000000000000000000000000000',
      stateRoot: '0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544',
      transactionsRoot: EMPTY_TRIE_ROOT,
      receiptsRoot: EMPTY_TRIE_ROOT,
      logsBloom: ZERO_BLOOM,
      difficulty: 17179869184n,
      number: 0n,
      gasLimit: 5000n,
      gasUsed: 0n,
      timestamp: 0n,
      extraData: '0x11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa',
      mixHash: ZERO_HASH,
      nonce: '0x0000000000000042',
    });
    expect(hash).toBe('0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3');
  });

  // Engine-API payloads from ethereumjs' test data (packages/client/test/testdata/blocks/beacon.json):
  // a chain whose block 2 names block 1's hash as its parent, so both hashes are client-computed.
  test('London engine payload (ethereumjs beacon.json block 1)', () => {
    const env: ExecutionPayloadEnvelopeJson = {
      executionPayload: {
        parentHash: '0x3b8fb240d288781d4aac94d3fd16809ee413bc99294a085798a589dae51ddd4a',
        feeRecipient: '0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b',
        stateRoot: '0xca3149fa9e37db08d1cd49c9061db1002ef1cd58db2210f2115c8c989b2bdf45',
        receiptsRoot: EMPTY_TRIE_ROOT,
        logsBloom: ZERO_BLOOM,
        prevRandao: ZERO_HASH,
        blockNumber: '0x1',
        gasLimit: '0x1c9c380',
        gasUsed: '0x0',
        timestamp: '0x5',
        extraData: '0x',
        baseFeePerGas: '0x7',
        blockHash: '0x3559e851470f6e7bbed1db474980683e8c315bfce99b2a6ef47c057c04de7858',
        transactions: [],
      },
    };
    expect(checkBlockHash(env)).toEqual({ actual: env.executionPayload.blockHash, ok: true });
  });

  // Shanghai payloads with real signed transactions (ethereumjs testdata/blocks/kaustinen4.json,
  // blocks 352 and 353; 353's parent_hash is 352's block_hash). These exercise the transaction trie.
  const kaustinen = (o: {
    parent: Hex;
    stateRoot: Hex;
    receiptsRoot: Hex;
    prevRandao: Hex;
    number: number;
    gasUsed: number;
    timestamp: number;
    hash: Hex;
    txs: Hex[];
  }): ExecutionPayloadEnvelopeJson => ({
    executionPayload: {
      parentHash: o.parent,
      feeRecipient: '0xf97e180c050e5ab072211ad2c213eb5aee4df134',
      stateRoot: o.stateRoot,
      receiptsRoot: o.receiptsRoot,
      logsBloom: ZERO_BLOOM,
      prevRandao: o.prevRandao,
      blockNumber: quantity(o.number),
      gasLimit: quantity(30000000),
      gasUsed: quantity(o.gasUsed),
      timestamp: quantity(o.timestamp),
      extraData: '0xd983010c01846765746889676f312e32302e3133856c696e7578',
      baseFeePerGas: '0x7',
      blockHash: o.hash,
      transactions: o.txs,
      withdrawals: [],
    },
  });

  test('Shanghai payload with 2 legacy transactions (kaustinen block 352)', () => {
    const env = kaustinen({
      parent: '0x8a84f5c1d79544fd589b2c77643ddd12ce0f3a88f16d2b5e7f8b3827160abff5',
      stateRoot: '0x0934f2a29e91581002a8a44685830b15aedb2561b207fdfc523ff818bf9c9f54',
      receiptsRoot: '0xd95b673818fa493deec414e01e610d97ee287c9421c8eff4102b1647c1a184e4',
      prevRandao: '0xccf5df6161112a1bc7060cb6e546fb98163d37f6922a99c35ac5ed7e4b21b97f',
      number: 352,
      gasUsed: 42000,
      timestamp: 1707219624,
      hash: '0x0a531f8887cc2a64635edd86a2ba83a1db738b9cb66d825554c3da4dcf723a5a',
      txs: [
        '0xf86d80843b9aca0782f618946177843db3138ae69679a54b95cf345ed759450d870aa87bee5380008083021e7ba0a0efcf44d6c6025e6b609ff3fc3f6a4b6c08902a476649336b2e9848906f68e8a00867d25e4e7cea87f35b17fe240dffac002eb96f77b0ab6aad7733eb483e8ed4',
        '0xf86d01843b9aca0782f61894687704db07e902e9a8b3754031d168d46e3d586e870aa87bee5380008083021e7ba06e3af64adb54ae61dd9f4b246324afd13d311554d732c9a816fde0a1fea002cca07c064b396cee9b011535438a85c8b6021db653be84621aaef501a28d32934da9',
      ],
    });
    expect(checkBlockHash(env)).toEqual({ actual: env.executionPayload.blockHash, ok: true });
  });

  test('Shanghai payload with 4 typed transactions (kaustinen block 353)', () => {
    const env = kaustinen({
      parent: '0x0a531f8887cc2a64635edd86a2ba83a1db738b9cb66d825554c3da4dcf723a5a',
      stateRoot: '0x55b040f22b201ebdd5eea670b54234459735ac7453949970c0f241736d5df7e6',
      receiptsRoot: '0x5b2f749bca0e60495fdbd7b506c4bb2c59be9081974ceaf25221e2412776d34f',
      prevRandao: '0x5b451e10ef8892ea84dc3d4c141a45e33fc3e907166a61cbf2ec88a105e255dd',
      number: 353,
      gasUsed: 250077,
      timestamp: 1707219636,
      hash: '0x5de0a59f1cd16bbed49121fb62edada658160f64a042a9851a162c175460043b',
      txs: [
        '0x02f8db83010f2c80843b9aca00843b9aca07830186a08080b8807f72a9cbb547ff9820ccbb11d67a2c6f8f37c6bc0199e6f0250176d64eaa2cdda76098527ffd93725e7989d1cf1fe9b67a3de84cacd2be8cb00b5a9aa0b4365c251dfdbacb60b8527f387cb2529bb8994b249380bf2b5b9e55805082167e46e5ef6a9ab06a420cd91c60d8527f230fe32437bb856991ede8290a57616e834febc001a0b84c74931f72a03624b3475a4a97476a8fa521f29f10c5f0e48838daf7865491a0645ff1c323a117e4720524d6df2c457e7eb09e4f94edf3ef6bce5b417ec8bc88',
        '0xf8e801843b9aca07830186a094fad312a228afdf83326ebd9bb269a7afa73f5d0980b8807f6945659ec69ecf390670e01359ab326d4fcbc102e44d4625d0623991c18a11db6011527fb90d30e21eb976258031c205196376dd89eccc71a20b55e97aa52d6388d7084b6031527f2445a8b6bce66640bf991dc292f5993cd9df2cbd35f59d39a63c5e3db7a52ff16051527f8f0ad2ee91fa7c79b756299acd6ab17062e23f83021e7ca0a59c93d265aa51127733aef2e1ff36906e376178dd67fba38f3e3b26c43bfb3da002b082aee7797a4d58e7ccec4c6fd7749017ac72aed3ee235b4e7756779388a9',
        '0x01f8d683010f2c80843b9aca07830186a08080b88041954174f0c46c60006020555e6000602c556d2cb27ff4d0ed43fb9a0d9a8331dc88593a0c956cbc95ac001f107d51c4dd181eca1a3860a9527f9c82198bc6adb33266eac7e4125011a6a2481dab9b3b3fbf6ecc56a07ed9b6d860c9527f8b6494f5ad82840091c2108882967c496afcb61bee4996ca85075049442c14f460e9c001a08411c4a81b9681a447fe6cbb9e2ecf788e555f0543d7b3865fd525ff5704929aa05e761fc4c3770a2955d5f0ab8afce0172b8309673849696c9ca8e77d36ff3b34',
        '0x01f8d683010f2c01843b9aca07830186a08080b8807fb10cccd2a290f776f7637c0783c61db0cecd725b10136ed58c9d69f2d45fce8160eb527fe57fd57cfe34ec42775253c6561eedb2d4180e7eb7afbc6b39f5acea346f1eed61010b527fb3aec74fe6e08df64fb948f0a82e473ead8e03121fa928dd5405e7231349dbac61012b527ffe02214e8a90c10b35cfe22e04f64c4d8ac080a02d3f2fea29db9cb02e88db3e1eb00ea5af63eeffefc526947ce045b3c61e6381a03e3c056a486f5f1046a3a00278cc6074b0b9b2c667c8230943998a0f6e04c4c3',
      ],
    });
    expect(checkBlockHash(env)).toEqual({ actual: env.executionPayload.blockHash, ok: true });
  });
});

describe('transaction trie', () => {
  test('empty list is the empty-trie root', () => {
    expect(orderedTrieRoot([])).toBe(keccak256(toRlp('0x')));
  });

  test('more than 128 items (two-byte RLP keys) gives a stable root that depends on order', () => {
    const items = Array.from({ length: 200 }, (_, i) => `0x${i.toString(16).padStart(4, '0')}ff` as Hex);
    const root = orderedTrieRoot(items);
    expect(orderedTrieRoot(items)).toBe(root);
    expect(orderedTrieRoot([...items].reverse())).not.toBe(root);
  });
});

describe('simulated blocks and envelopes', () => {
  const genesis = genesisBlock({ timestamp: 1_700_000_000, chainId: 901 });
  const origin = l1Block(3, 1_699_999_000);
  const child = buildChild(genesis, {
    timestamp: 1_700_000_001n,
    prevRandao: origin.hash,
    suggestedFeeRecipient: SEQUENCER_FEE_VAULT,
    parentBeaconBlockRoot: origin.hash,
    transactions: [l1InfoTx({ origin, sequenceNumber: 2 }), ...fillerTxs(1n, 300_000)],
    gasLimit: DEFAULT_GAS_LIMIT,
    eip1559Params: DEFAULT_EIP1559_PARAMS,
  });

  test('the envelope carries every Ecotone/Isthmus field and its hash verifies', () => {
    const env = blockToEnvelope(child);
    expect(env.parentBeaconBlockRoot).toBe(origin.hash);
    expect(env.executionPayload).toMatchObject({ withdrawals: [], blobGasUsed: '0x0', excessBlobGas: '0x0' });
    expect(env.executionPayload.withdrawalsRoot).toMatch(/^0x[0-9a-f]{64}$/);
    expect(checkBlockHash(env)).toEqual({ actual: child.hash, ok: true });
    expect(envelopeToBlock(parseEnvelope(JSON.parse(JSON.stringify(env)))).hash).toBe(child.hash);
  });

  test('any change to a payload field or a transaction breaks the hash', () => {
    const env = blockToEnvelope(child);
    const tampered = structuredClone(env);
    tampered.executionPayload.stateRoot = ZERO_HASH;
    expect(checkBlockHash(tampered).ok).toBe(false);
    const tx = structuredClone(env);
    tx.executionPayload.transactions[1] = `${tx.executionPayload.transactions[1]?.slice(0, -2)}00` as Hex;
    expect(checkBlockHash(tx).ok).toBe(false);
    const root = structuredClone(env);
    delete root.parentBeaconBlockRoot;
    expect(checkBlockHash(root).ok).toBe(false);
  });

  test('filler transactions reach the requested size; the L1 origin is recovered from the block', () => {
    const size = child.transactions.slice(1).reduce((n, tx) => n + (tx.length - 2) / 2, 0);
    expect(size).toBeGreaterThanOrEqual(300_000);
    expect(size).toBeLessThan(300_000 + 1_000);
    expect(parseL1InfoTx(child.transactions[0])).toEqual({ number: 3, hash: origin.hash, sequenceNumber: 2 });
    expect(l2BlockRef(child, 1_699_999_000)).toEqual({
      hash: child.hash,
      number: 1,
      parentHash: genesis.hash,
      timestamp: 1_700_000_001,
      l1origin: { hash: origin.hash, number: 3 },
      sequenceNumber: 2,
    });
  });

  test('parseEnvelope rejects malformed input', () => {
    expect(() => parseEnvelope({})).toThrow(/executionPayload/);
    const env = blockToEnvelope(child) as unknown as { executionPayload: Record<string, unknown> };
    expect(() =>
      parseEnvelope({ ...env, executionPayload: { ...env.executionPayload, blockHash: '0x12' } }),
    ).toThrow(/blockHash/);
  });
});
