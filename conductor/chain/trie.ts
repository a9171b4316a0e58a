/**
 * Root of an Ethereum Merkle-Patricia trie keyed by RLP(index), as geth's `types.DeriveSha` computes
 * it for a block's transactions and withdrawals.
 *
 * viem has RLP and keccak but no trie, and op-node's `CheckBlockHash` recomputes `transactionsRoot`
 * from the payload's transaction list. To make `admin_postUnsafePayload` / gossip hash verification
 * genuine (and our block hashes identical to what op-geth would compute for the same payload), the
 * simulator builds the real trie. It is built in one pass from the sorted key set (no database, no
 * updates): leaves, extensions and 16-way branches, with nodes shorter than 32 bytes embedded in
 * their parent and longer ones referenced by hash — the yellow paper's rules.
 */
import * as Bytes from 'ox/Bytes';
import * as HexUtil from 'ox/Hex';
import * as Rlp from 'ox/Rlp';
import type { Hex } from 'viem';
import { keccak256Bytes } from './keccak.js';
import { rlpUint } from './rlp.js';

/**
 * A trie node as the nested byte-string lists that RLP encodes. Bytes, not hex: a block's transactions can
 * be megabytes, and every hex round trip of them costs more than hashing them (keccak.ts).
 */
type Node = Uint8Array | readonly Node[];

const EMPTY = new Uint8Array(0);

/** keccak256(RLP("")): the root of an empty trie (and of an empty transaction list). */
export const EMPTY_TRIE_ROOT: Hex = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';

interface Entry {
  nibbles: number[];
  value: Uint8Array;
}

/** Root hash of the trie mapping RLP(i) → items[i]. */
export function orderedTrieRoot(items: readonly (Hex | Uint8Array)[]): Hex {
  if (items.length === 0) return EMPTY_TRIE_ROOT;
  const entries: Entry[] = items.map((value, i) => ({
    nibbles: toNibbles(Rlp.from(rlpUint(i), { as: 'Hex' })),
    // Native hex decoding: the items were validated as hex when the payload was parsed.
    value: typeof value === 'string' ? Buffer.from(value.slice(2), 'hex') : value,
  }));
  entries.sort((a, b) => compareNibbles(a.nibbles, b.nibbles));
  // The root is always referenced by hash, even when its encoding is shorter than 32 bytes.
  return HexUtil.fromBytes(keccak256Bytes(encode(build(entries, 0))));
}

function build(entries: Entry[], depth: number): Node {
  const first = entries[0];
  if (first === undefined) return EMPTY;
  if (entries.length === 1) return [hexPrefix(first.nibbles.slice(depth), true), first.value];

  const shared = commonPrefixLength(entries, depth);
  if (shared > 0) {
    return [
      hexPrefix(first.nibbles.slice(depth, depth + shared), false),
      reference(build(entries, depth + shared)),
    ];
  }

  const branch: Node[] = [];
  let value: Uint8Array = EMPTY;
  for (let nibble = 0; nibble < 16; nibble++) {
    const children = entries.filter((e) => e.nibbles.length > depth && e.nibbles[depth] === nibble);
    branch.push(children.length === 0 ? EMPTY : reference(build(children, depth + 1)));
  }
  for (const e of entries) if (e.nibbles.length === depth) value = e.value;
  branch.push(value);
  return branch;
}

/** A child is embedded when its RLP is shorter than 32 bytes, otherwise replaced by its hash. */
function reference(node: Node): Node {
  const encoded = encode(node);
  return encoded.length < 32 ? node : keccak256Bytes(encoded);
}

function encode(node: Node): Uint8Array {
  // A node mixes bytes and hex leaves; ox's RLP takes either at runtime (its types want one kind).
  return Rlp.from(node as Parameters<typeof Rlp.from>[0], { as: 'Bytes' });
}

/** Hex-prefix encoding of a nibble path with the leaf flag (yellow paper, appendix C). */
function hexPrefix(path: number[], leaf: boolean): Uint8Array {
  const flag = (leaf ? 2 : 0) + (path.length % 2);
  const nibbles = path.length % 2 === 1 ? [flag, ...path] : [flag, 0, ...path];
  let hex = '0x';
  for (const n of nibbles) hex += n.toString(16);
  return Bytes.fromHex(hex as Hex);
}

function toNibbles(bytes: Hex): number[] {
  return [...bytes.slice(2)].map((c) => parseInt(c, 16));
}

function compareNibbles(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function commonPrefixLength(entries: Entry[], depth: number): number {
  const first = entries[0]?.nibbles ?? [];
  let n = 0;
  for (;;) {
    const i = depth + n;
    if (i >= first.length) return n;
    const nibble = first[i];
    if (!entries.every((e) => e.nibbles.length > i && e.nibbles[i] === nibble)) return n;
    n++;
  }
}
