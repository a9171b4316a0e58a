/**
 * The generated JWT Secret `<c>-jwt`, used when spec.jwtSecret is absent. Randomness stays out of the
 * renderer: the controller draws 32 random bytes, and must *create* this Secret only when it does not
 * exist (never apply it again — a new value would break the engine API between op-node and op-geth
 * of running members).
 */
import type { V1Secret } from '@kubernetes/client-node';
import { JWT_SECRET_KEY, jwtSecretName } from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import type { KeyRef } from '../api/values.js';
import { identity, objectMeta, RenderError } from './metadata.js';

/** The JWT Secret key the members use: the user's, or the generated one. */
export function effectiveJwtSecret(cluster: SequencerCluster, generatedName?: string): KeyRef {
  return (
    cluster.spec.jwtSecret ?? {
      name: generatedName ?? jwtSecretName(identity(cluster).name),
      key: JWT_SECRET_KEY,
    }
  );
}

/** Whether the controller has to create `<c>-jwt`. */
export const needsGeneratedJwtSecret = (cluster: SequencerCluster): boolean =>
  cluster.spec.jwtSecret === undefined;

/** `hex`: 64 hex characters (32 bytes), e.g. randomBytes(32).toString('hex'). */
export function renderJwtSecret(cluster: SequencerCluster, hex: string): V1Secret {
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new RenderError('JWT secret must be 64 lowercase hex characters (32 bytes)');
  const { name } = identity(cluster);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(cluster, jwtSecretName(name)),
    type: 'Opaque',
    data: { [JWT_SECRET_KEY]: Buffer.from(hex, 'utf8').toString('base64') },
  };
}
