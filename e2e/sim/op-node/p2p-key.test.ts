/**
 * The simulated op-node takes its peer id from libp2p's own implementation; the operator derives the ids it
 * lists in every member's --p2p.static by hand (operator/render/p2p.ts). They must agree on every key, or
 * the members would dial ids nobody has: checked on random keys, and on the key files op-node refuses.
 */
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1';
import { isP2pPrivateKey, p2pPeerId } from '../../../operator/render/p2p.js';
import { libp2pPeerId, parseP2pKeyFile } from './p2p-key.js';

describe('p2p peer ids: libp2p and the operator agree', () => {
  test('on random secp256k1 keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        fc.pre(secp256k1.utils.isValidPrivateKey(bytes));
        const hex = Buffer.from(bytes).toString('hex');
        expect(libp2pPeerId(parseP2pKeyFile(hex)!)).toBe(p2pPeerId(hex));
      }),
      { numRuns: 200 },
    );
  });

  test.each([
    ['0x' + '42'.repeat(32), true],
    [' ' + '42'.repeat(32) + '\n', true],
    ['42'.repeat(31), false],
    ['00'.repeat(32), false], // zero is not a private key
    ['zz'.repeat(32), false],
  ])('key file %j: accepted %s by both', (text, ok) => {
    expect(parseP2pKeyFile(text) !== null).toBe(ok);
    expect(isP2pPrivateKey(text)).toBe(ok);
  });
});
