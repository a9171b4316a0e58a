/**
 * The `<c>-p2p-keys` Secret (render/p2p.ts): created once with a fresh key per possible member, completed
 * if a key is missing (a Secret the user made for fewer members), never rewritten — a new key would give
 * a running member a new peer id that the others' static peer lists do not have. Returns every member's
 * peer id for the `<c>-p2p` ConfigMap, or the problem that stops the cluster (a key op-node would refuse).
 */
import { secp256k1 } from '@noble/curves/secp256k1';
import { p2pKeysSecretName } from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import {
  gethNodeId,
  isGethNodeKey,
  memberPodNames,
  p2pPeerId,
  renderP2pKeysSecret,
  type MemberP2pIds,
} from '../render/p2p.js';
import type { KubeClient } from '../kube/client.js';
import { isConflict, isNotFound } from '../kube/client.js';
import { pathOf, SECRETS } from '../kube/resources.js';

export interface P2pKeysProblem {
  readonly reason: 'InvalidP2pKey';
  readonly message: string;
}

export type P2pKeys =
  | { readonly ids: Readonly<Record<string, MemberP2pIds>>; readonly problem?: undefined }
  | { readonly problem: P2pKeysProblem; readonly ids?: undefined };

interface SecretObject {
  metadata?: { resourceVersion?: string };
  data?: Record<string, string>;
}

/** A fresh op-node p2p private key, hex (what `--p2p.priv.path` files hold). */
export const newP2pKey = (): string => Buffer.from(secp256k1.utils.randomPrivateKey()).toString('hex');

export class P2pKeyStore {
  /** Peer ids by Secret path, valid for one resourceVersion (deriving them is a few EC multiplications). */
  private readonly cache = new Map<
    string,
    { version: string; ids: Record<string, MemberP2pIds>; checkedAt: number }
  >();

  /**
   * `recheckMs`: how long a verified Secret is trusted without reading it again. The keys never change
   * once made, so this only bounds how late a deleted or edited Secret is noticed; meanwhile a reconcile
   * costs no request for it (a third of an idle reconcile's reads otherwise).
   */
  constructor(
    private readonly client: KubeClient,
    private readonly newKey: () => string = newP2pKey,
    private readonly recheckMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async ensure(cluster: SequencerCluster): Promise<P2pKeys> {
    const namespace = cluster.metadata.namespace ?? '';
    const clusterName = cluster.metadata.name ?? '';
    const name = p2pKeysSecretName(clusterName);
    const path = pathOf(SECRETS, namespace, name);
    const pods = memberPodNames(clusterName);
    const recent = this.cache.get(path);
    if (recent && this.now() - recent.checkedAt < this.recheckMs) return { ids: recent.ids };

    let secret: SecretObject | null = await this.read(path);
    if (secret === null) {
      const keys = Object.fromEntries(pods.map((pod) => [pod, this.newKey()]));
      try {
        secret = await this.client.request<SecretObject>('POST', pathOf(SECRETS, namespace), {
          body: renderP2pKeysSecret(cluster, keys),
          write: true,
        });
      } catch (error) {
        if (!isConflict(error)) throw error;
        secret = await this.read(path); // created meanwhile (another replica, or the user): use it
        if (secret === null) throw error;
      }
    }

    const existing = secret.data ?? {};
    const missing = pods.filter((pod) => existing[pod] === undefined);
    if (missing.length > 0) {
      const data = Object.fromEntries(
        missing.map((pod) => [pod, Buffer.from(this.newKey(), 'utf8').toString('base64')]),
      );
      // A merge patch only adds the missing keys; the ones members already use are untouched.
      secret = await this.client.request<SecretObject>('PATCH', path, {
        contentType: 'application/merge-patch+json',
        body: { data },
        write: true,
      });
    }

    const version = secret.metadata?.resourceVersion ?? '';
    const cached = this.cache.get(path);
    if (cached && cached.version === version && version !== '') {
      cached.checkedAt = this.now();
      return { ids: cached.ids };
    }

    const ids: Record<string, MemberP2pIds> = {};
    for (const pod of pods) {
      const text = Buffer.from(secret.data?.[pod] ?? '', 'base64').toString('utf8');
      if (!isGethNodeKey(text)) {
        return {
          problem: {
            reason: 'InvalidP2pKey',
            message: `Secret ${namespace}/${name} key "${pod}" is not a secp256k1 private key as 64 hex characters without 0x (op-node reads it as its p2p key, op-geth as its --nodekey): fix it, or remove the key and the operator generates a new one`,
          },
        };
      }
      ids[pod] = { peerId: p2pPeerId(text), nodeId: gethNodeId(text) };
    }
    this.cache.set(path, { version, ids, checkedAt: this.now() });
    return { ids };
  }

  /** Forgets a deleted cluster's entry. */
  forget(namespace: string, cluster: string): void {
    this.cache.delete(pathOf(SECRETS, namespace, p2pKeysSecretName(cluster)));
  }

  private async read(path: string): Promise<SecretObject | null> {
    try {
      return await this.client.request<SecretObject>('GET', path);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}
