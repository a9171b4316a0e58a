/**
 * The members' op-node p2p identities and how they find each other.
 *
 * Followers stay caught up — and so eligible to take over — because the leader's op-node gossips every
 * block to them; that needs the members' op-nodes connected to each other, not only to whatever
 * discovery finds. op-node's `--p2p.static` takes multiaddrs ending in `/p2p/<peer id>`, and a peer id
 * is derived from the node's private key, so the keys have to be known before the pods start:
 *
 * - Secret `<c>-p2p-keys` holds one secp256k1 key per possible member (key = pod name, value = hex, the
 *   format of op-node's `--p2p.priv.path` file). The controller creates it once with fresh keys; a user
 *   may create it first to bring known identities. Each op-node reads its own key by pod name.
 * - ConfigMap `<c>-p2p`, key `static-peers`: every member's multiaddr plus spec.p2p.staticPeers, given
 *   to op-node as OP_NODE_P2P_STATIC. op-node ignores its own address in the list (host.go: "Static-peer
 *   list contains address of local peer"). It is outside the pod template on purpose: scaling changes
 *   the list, and must not restart every member; a new member dials the existing ones, and libp2p
 *   connections carry traffic both ways.
 *
 * Pure: the randomness for new keys is the caller's.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { secp256k1 } from '@noble/curves/secp256k1';
import { base58 } from '@scure/base';
import {
  GETH_CONFIG_KEY,
  MAX_REPLICAS,
  OP_GETH_P2P_PORT,
  OP_NODE_P2P_PORT,
  P2P_STATIC_PEERS_KEY,
  p2pConfigMapName,
  p2pKeysSecretName,
  podDnsName,
  podName,
} from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import type { RenderContext } from './context.js';
import { identity, objectMeta } from './metadata.js';

/** libp2p key type Secp256k1 in the PublicKey protobuf (libp2p peer-ids spec). */
const KEY_TYPE_SECP256K1 = 2;
/** Multihash code of the identity "hash": keys of at most 42 bytes are embedded, not hashed. */
const MULTIHASH_IDENTITY = 0x00;

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/** Whether `text` is what op-node accepts as a p2p private key file (hex, optional 0x, whitespace trimmed). */
export function isP2pPrivateKey(text: string): boolean {
  const t = text.trim();
  return HEX_KEY.test(t) && secp256k1.utils.isValidPrivateKey(t.replace(/^0x/, ''));
}

/**
 * The libp2p peer id of a secp256k1 private key, as op-node prints it (`16Uiu2HAm…`): base58btc of the
 * identity multihash of the protobuf PublicKey { Type: Secp256k1, Data: compressed public key }.
 */
export function p2pPeerId(privateKeyHex: string): string {
  if (!isP2pPrivateKey(privateKeyHex)) throw new Error('not a secp256k1 private key in hex');
  const publicKey = secp256k1.getPublicKey(privateKeyHex.trim().replace(/^0x/, ''), true);
  // protobuf: field 1 (Type, varint) = 2; field 2 (Data, bytes) = 33-byte compressed key.
  const protobuf = Uint8Array.from([0x08, KEY_TYPE_SECP256K1, 0x12, publicKey.length, ...publicKey]);
  return base58.encode(Uint8Array.from([MULTIHASH_IDENTITY, protobuf.length, ...protobuf]));
}

/**
 * Whether op-geth accepts `text` as its `--nodekey` file (crypto.LoadECDSA): exactly 64 hex characters,
 * no 0x and nothing before them, at most two line-end characters after. op-node is more lenient, so a
 * key the user wrote may suit op-node and still stop op-geth.
 */
export function isGethNodeKey(text: string): boolean {
  return /^[0-9a-fA-F]{64}[\r\n]{0,2}$/.test(text) && isP2pPrivateKey(text);
}

/** The devp2p node id of a key (the hex in `enode://<id>@…`): the uncompressed public key without 04. */
export function gethNodeId(privateKeyHex: string): string {
  if (!isP2pPrivateKey(privateKeyHex)) throw new Error('not a secp256k1 private key in hex');
  const publicKey = secp256k1.getPublicKey(privateKeyHex.trim().replace(/^0x/, ''), false);
  return Buffer.from(publicKey.subarray(1)).toString('hex');
}

/** The pods that may ever need a key: a key per possible ordinal, so scaling never waits for one. */
export function memberPodNames(cluster: string): string[] {
  return Array.from({ length: MAX_REPLICAS }, (_, i) => podName(cluster, i));
}

/**
 * The generated `<c>-p2p-keys` Secret. `keys`: pod name → hex private key (the controller draws them).
 * Owned by the cluster, so it goes with it; a Secret the user created first is never replaced.
 */
export function renderP2pKeysSecret(
  cluster: SequencerCluster,
  keys: Readonly<Record<string, string>>,
): V1Secret {
  const { name } = identity(cluster);
  const data: Record<string, string> = {};
  for (const [pod, hex] of Object.entries(keys)) {
    if (!isP2pPrivateKey(hex)) throw new Error(`p2p key for ${pod} is not a secp256k1 private key in hex`);
    data[pod] = Buffer.from(hex, 'utf8').toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(cluster, p2pKeysSecretName(name)),
    type: 'Opaque',
    data,
  };
}

/** `/dns4/<pod>.<c>-peers.<ns>.svc.<domain>/tcp/9222/p2p/<peer id>`: resolvable before the pod is Ready. */
export function memberMultiaddr(ctx: RenderContext, pod: string, peerId: string): string {
  const host = podDnsName(ctx.name, pod, ctx.namespace, ctx.spec.clusterDomain);
  return `/dns4/${host}/tcp/${OP_NODE_P2P_PORT}/p2p/${peerId}`;
}

/** `enode://<node id>@<pod>.<c>-peers.<ns>.svc.<domain>:30303`: op-geth resolves the name when it dials. */
export function memberEnode(ctx: RenderContext, pod: string, nodeId: string): string {
  const host = podDnsName(ctx.name, pod, ctx.namespace, ctx.spec.clusterDomain);
  return `enode://${nodeId}@${host}:${OP_GETH_P2P_PORT}`;
}

/** Identities of one member, derived from its key in `<c>-p2p-keys`. */
export interface MemberP2pIds {
  /** op-node's libp2p peer id. */
  readonly peerId: string;
  /** op-geth's devp2p node id. */
  readonly nodeId: string;
}

/**
 * ConfigMap `<c>-p2p`: the static peers of every member's op-node (`static-peers`) and op-geth
 * (`geth.toml`). `members`: how many pods exist or are about to (the larger of spec.replicas and the
 * StatefulSet's); `ids`: pod name → identities, absent when unknown (offline rendering), in which case
 * only spec.p2p.staticPeers are listed. geth reads its file only at start, like op-node its variable:
 * a member added later dials the existing ones, and devp2p connections, too, carry traffic both ways.
 */
export function renderP2pConfigMap(
  ctx: RenderContext,
  members: number,
  ids: Readonly<Record<string, MemberP2pIds>> | undefined,
): V1ConfigMap {
  const own: string[] = [];
  const enodes: string[] = [];
  for (let i = 0; i < members; i++) {
    const pod = podName(ctx.name, i);
    const id = ids?.[pod];
    if (id === undefined) continue;
    own.push(memberMultiaddr(ctx, pod, id.peerId));
    enodes.push(memberEnode(ctx, pod, id.nodeId));
  }
  const peers = [...own, ...(ctx.spec.p2p?.staticPeers ?? [])];
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(ctx.cluster, p2pConfigMapName(ctx.name)),
    data: { [P2P_STATIC_PEERS_KEY]: peers.join(','), [GETH_CONFIG_KEY]: gethConfigToml(enodes) },
  };
}

/**
 * op-geth's config file: only the peer lists (flags set everything else). Trusted as well as static, so
 * a member is let in even when its peer slots are full. geth skips its own entry when dialling.
 */
export function gethConfigToml(enodes: readonly string[]): string {
  const list = `[${enodes.map((e) => JSON.stringify(e)).join(', ')}]`;
  return `# The other members of this SequencerCluster (generated by the operator).\n[Node.P2P]\nStaticNodes = ${list}\nTrustedNodes = ${list}\n`;
}
