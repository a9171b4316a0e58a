/**
 * The unsafe-block signer, as op-node models it: the sequencer signs every block it gossips with
 * `--p2p.sequencer.key` (op-node p2p/cli load_signer.go; without a key it builds blocks but cannot publish
 * them: node.go "node has no p2p signer, payload … cannot be published"), and every node accepts a
 * gossiped block only if it is signed by the chain's p2p sequencer address (p2p/gossip.go
 * verifyBlockSignature: none configured → "no configured p2p sequencer address, ignoring gossiped
 * block"; another signer → "invalid block signature").
 *
 * The signed message is op-service/signer's BlockSigningMessage: keccak256(domain ‖ chain id ‖
 * keccak256(payload)), domain V1 = 32 zero bytes. The real payload bytes are the SSZ envelope; the
 * simulator's gossip carries JSON, so the payload hash here is over the JSON as sent.
 *
 * The real op-node reads the expected address from the SystemConfig contract on L1. The simulator has
 * no L1: `--sim.unsafe-block-signer` stands for that contract's slot, and without it the expected
 * address is this node's own sequencer key's (every member of a Baton cluster is given the same key).
 */
import { concat, keccak256, numberToHex, recoverAddress, stringToHex, type Address, type Hex } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';

const SIGNING_DOMAIN_BLOCKS_V1: Hex = `0x${'00'.repeat(32)}`;
const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

export function blockSigningHash(chainId: number, payloadJson: string): Hex {
  return keccak256(
    concat([
      SIGNING_DOMAIN_BLOCKS_V1,
      numberToHex(chainId, { size: 32 }),
      keccak256(stringToHex(payloadJson)),
    ]),
  );
}

export class P2pSigner {
  readonly address: Address;
  private readonly key: Hex;

  /** `text` as op-node takes `--p2p.sequencer.key`: hex, optional 0x; anything else stops the node. */
  constructor(text: string) {
    const t = text.trim();
    if (!HEX_KEY.test(t)) {
      throw new Error(
        'failed to load p2p signer: failed to parse p2p sequencer key: invalid hex private key',
      );
    }
    this.key = (t.startsWith('0x') ? t : `0x${t}`) as Hex;
    try {
      this.address = privateKeyToAccount(this.key).address;
    } catch (error) {
      throw new Error(`failed to load p2p signer: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A 65-byte r ‖ s ‖ v signature of the block, as op-node's LocalSigner produces. */
  sign(chainId: number, payloadJson: string): Promise<Hex> {
    return sign({ hash: blockSigningHash(chainId, payloadJson), privateKey: this.key, to: 'hex' });
  }
}

/** Why a block was refused: `kind` is stable (for counting and rate-limited logs), `reason` is for people. */
export type SignatureCheck =
  { ok: true } | { ok: false; kind: 'no-signer' | 'malformed' | 'wrong-signer'; reason: string };

/** verifyBlockSignature: is the block signed by `expected`? */
export async function verifyBlockSignature(
  expected: Address | null,
  chainId: number,
  payloadJson: string,
  signature: unknown,
): Promise<SignatureCheck> {
  if (expected === null || /^0x0{40}$/i.test(expected)) {
    return {
      ok: false,
      kind: 'no-signer',
      reason: 'no configured p2p sequencer address, ignoring gossiped block',
    };
  }
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    return { ok: false, kind: 'malformed', reason: 'invalid block signature: not 65 bytes of hex' };
  }
  let signer: Address;
  try {
    signer = await recoverAddress({
      hash: blockSigningHash(chainId, payloadJson),
      signature: signature as Hex,
    });
  } catch (error) {
    return { ok: false, kind: 'malformed', reason: `invalid block signature: ${(error as Error).message}` };
  }
  if (signer.toLowerCase() !== expected.toLowerCase()) {
    return {
      ok: false,
      kind: 'wrong-signer',
      reason: `invalid block signature: signed by ${signer}, expected ${expected}`,
    };
  }
  return { ok: true };
}
