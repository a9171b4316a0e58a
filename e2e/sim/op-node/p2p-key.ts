/**
 * op-node's `--p2p.priv.path`: a file holding a hex secp256k1 key (optional 0x, whitespace trimmed);
 * created with a fresh key when missing, as op-node does; a malformed file is an error at start-up.
 * The peer id comes from libp2p's own JavaScript implementation (@libp2p/crypto, @libp2p/peer-id), not
 * from the operator's derivation (operator/render/p2p.ts): two independent derivations, so a mistake in
 * the operator's shows up as members that cannot find each other instead of being copied here.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { secp256k1 } from '@noble/curves/secp256k1';

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/** What op-node accepts in the key file: 32 bytes of hex (0x optional), a valid secp256k1 scalar. */
export function parseP2pKeyFile(text: string): Uint8Array | null {
  const hex = text.trim();
  if (!HEX_KEY.test(hex)) return null;
  const raw = Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
  return secp256k1.utils.isValidPrivateKey(raw) ? raw : null;
}

/** The libp2p peer id (`16Uiu2HAm…`) of a secp256k1 private key. */
export function libp2pPeerId(raw: Uint8Array): string {
  return peerIdFromPrivateKey(privateKeyFromRaw(raw)).toString();
}

export async function loadP2pPeerId(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = Buffer.from(secp256k1.utils.randomPrivateKey()).toString('hex');
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  }
  const raw = parseP2pKeyFile(text);
  if (!raw) throw new Error(`failed to load p2p priv key: ${path} does not hold a hex secp256k1 private key`);
  return libp2pPeerId(raw);
}
