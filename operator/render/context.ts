/** What every part of the pod renderer needs to know about the cluster being rendered. */
import type { KeyRef } from '../api/values.js';
import type { SequencerCluster, SequencerClusterSpec } from '../api/sequencer-cluster.js';

export interface RenderContext {
  readonly cluster: SequencerCluster;
  readonly name: string;
  readonly namespace: string;
  readonly spec: SequencerClusterSpec;
  /** The operator's version: the default conductor image tag. */
  readonly operatorVersion: string;
  /** The JWT Secret key op-node and op-geth share: spec.jwtSecret, or the generated Secret. */
  readonly jwt: KeyRef;
  /** Digest of the referenced ConfigMap/Secret values (CONFIG_DIGEST_ANNOTATION); null: not known. */
  readonly configDigest: string | null;
}
