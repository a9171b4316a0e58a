/**
 * The pod's volumes and where each container mounts them. Chain data and the Raft log are PVCs from
 * the StatefulSet's claim templates; the rollup config, genesis and L1 chain config are projected from
 * their ConfigMaps into one directory; the JWT and the members' p2p keys come from their Secrets,
 * op-geth's peer list from the `<c>-p2p` ConfigMap; /tmp is an emptyDir (read-only root filesystem);
 * spec.podTemplate.volumes are added as given.
 */
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import {
  GETH_CONFIG_KEY,
  GETH_DATA_VOLUME,
  p2pConfigMapName,
  p2pKeysSecretName,
  PATHS,
  RAFT_DATA_VOLUME,
} from '../api/names.js';
import type { RenderContext } from './context.js';

export const TMP_VOLUME = 'tmp';
export const CHAIN_VOLUME = 'chain';
export const JWT_VOLUME = 'jwt';
export const P2P_KEYS_VOLUME = 'p2p-keys';
export const GETH_P2P_VOLUME = 'geth-p2p';

export function podVolumes(ctx: RenderContext): V1Volume[] {
  const { chain } = ctx.spec;
  const sources = [
    {
      configMap: {
        name: chain.rollupConfig.name,
        items: [{ key: chain.rollupConfig.key, path: 'rollup.json' }],
      },
    },
  ];
  if (chain.genesis) {
    sources.push({
      configMap: { name: chain.genesis.name, items: [{ key: chain.genesis.key, path: 'genesis' }] },
    });
  }
  if (chain.l1.chainConfig) {
    sources.push({
      configMap: {
        name: chain.l1.chainConfig.name,
        items: [{ key: chain.l1.chainConfig.key, path: 'l1-chain-config.json' }],
      },
    });
  }
  return [
    { name: TMP_VOLUME, emptyDir: { sizeLimit: '1Gi' } },
    { name: CHAIN_VOLUME, projected: { sources } },
    {
      name: JWT_VOLUME,
      // 0440 + fsGroup: readable by the member UID only.
      secret: {
        secretName: ctx.jwt.name,
        items: [{ key: ctx.jwt.key, path: 'jwt.hex' }],
        defaultMode: 0o440,
      },
    },
    {
      name: P2P_KEYS_VOLUME,
      // Every member's key is in the Secret; op-node reads the file named after its pod.
      secret: { secretName: p2pKeysSecretName(ctx.name), defaultMode: 0o440 },
    },
    {
      name: GETH_P2P_VOLUME,
      configMap: {
        name: p2pConfigMapName(ctx.name),
        items: [{ key: GETH_CONFIG_KEY, path: GETH_CONFIG_KEY }],
      },
    },
    ...(ctx.spec.podTemplate.volumes ?? []),
  ];
}

/** /tmp for one container: a subdirectory of the shared emptyDir, so containers do not see each other's files. */
export function tmpMount(container: string): V1VolumeMount {
  return { name: TMP_VOLUME, mountPath: PATHS.tmp, subPath: container };
}
export const chainMount: V1VolumeMount = { name: CHAIN_VOLUME, mountPath: PATHS.chainDir, readOnly: true };
export const jwtMount: V1VolumeMount = { name: JWT_VOLUME, mountPath: PATHS.jwtDir, readOnly: true };
export const p2pKeysMount: V1VolumeMount = {
  name: P2P_KEYS_VOLUME,
  mountPath: PATHS.opNodeP2pKeysDir,
  readOnly: true,
};
export const gethConfigMount: V1VolumeMount = {
  name: GETH_P2P_VOLUME,
  mountPath: PATHS.gethConfigDir,
  readOnly: true,
};
export const gethDataMount: V1VolumeMount = { name: GETH_DATA_VOLUME, mountPath: PATHS.data };
export const raftDataMount: V1VolumeMount = { name: RAFT_DATA_VOLUME, mountPath: PATHS.raft };
