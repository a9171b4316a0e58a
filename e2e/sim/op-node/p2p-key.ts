/**
 * op-node's `--p2p.priv.path`: a file holding a hex secp256k1 key (optional 0x, whitespace trimmed);
 * created with a fresh key when missing, as op-node does; a malformed file is an error at start-up.
 * The node's peer id is derived from it exactly as libp2p does (operator/render/p2p.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { secp256k1 } from '@noble/curves/secp256k1';
import { isP2pPrivateKey, p2pPeerId } from '../../../operator/render/p2p.js';

export async function loadP2pPeerId(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = Buffer.from(secp256k1.utils.randomPrivateKey()).toString('hex');
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  }
  if (!isP2pPrivateKey(text))
    throw new Error(`failed to load p2p priv key: ${path} does not hold a hex secp256k1 private key`);
  return p2pPeerId(text);
}
