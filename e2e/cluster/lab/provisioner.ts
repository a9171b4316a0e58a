/**
 * The lab's volume provisioner (a host process started by e2e/cluster/lab.sh), the stand-in for a cloud's CSI driver
 * or local-path-provisioner: it serves the StorageClasses whose provisioner is `baton.dev/lab-local`.
 *
 * - A claim of such a class that the scheduler has placed (`volume.kubernetes.io/selected-node`, the class binds
 *   WaitForFirstConsumer) gets a directory `<volumes>/pvc-<uid>` and a `local` PersistentVolume pre-bound to it with
 *   node affinity to that node. A `local` volume (unlike `hostPath`) gets the pod's fsGroup applied by the kubelet,
 *   so non-root pods can write to it.
 * - A volume it provisioned that is Released (its claim was deleted) with reclaim policy Delete is removed, directory
 *   and object.
 *
 * It reconciles by listing every second (a lab has a handful of claims). Usage:
 *   KUBECONFIG=... node --import tsx e2e/cluster/lab/provisioner.ts --volumes <dir>
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  StorageV1Api,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';

export const PROVISIONER = 'baton.dev/lab-local';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

const log = (msg: string): void => console.error(`${new Date().toISOString()} provisioner: ${msg}`);

function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** The PersistentVolume for a placed claim (pure, for the tests). */
export function volumeFor(
  claim: V1PersistentVolumeClaim,
  node: string,
  dir: string,
  reclaimPolicy: string,
): V1PersistentVolume {
  const meta = claim.metadata ?? {};
  const storage = claim.spec?.resources?.requests?.['storage'] ?? '1Gi';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: `pvc-${meta.uid ?? ''}`,
      annotations: { [PROVISIONED_BY]: PROVISIONER },
      labels: { 'baton.dev/lab-volume': 'true' },
    },
    spec: {
      capacity: { storage },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: reclaimPolicy,
      storageClassName: claim.spec?.storageClassName ?? '',
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: meta.namespace ?? '',
        name: meta.name ?? '',
        uid: meta.uid ?? '',
      },
      local: { path: dir },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
          ],
        },
      },
    },
  };
}

async function reconcile(core: CoreV1Api, storage: StorageV1Api, volumes: string): Promise<void> {
  const classes = await storage.listStorageClass({});
  const ours = new Map<string, string>();
  for (const sc of classes.items) {
    if (sc.provisioner === PROVISIONER && sc.metadata?.name) {
      ours.set(sc.metadata.name, sc.reclaimPolicy ?? 'Delete');
    }
  }
  if (ours.size === 0) return;

  const claims = await core.listPersistentVolumeClaimForAllNamespaces({});
  for (const claim of claims.items) {
    const cls = claim.spec?.storageClassName;
    const node = claim.metadata?.annotations?.[SELECTED_NODE];
    const uid = claim.metadata?.uid;
    if (!cls || !ours.has(cls) || !node || !uid) continue;
    if (claim.status?.phase !== 'Pending' || claim.spec?.volumeName) continue;
    const dir = path.join(volumes, `pvc-${uid}`);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const pv = volumeFor(claim, node, dir, ours.get(cls) ?? 'Delete');
    try {
      await core.createPersistentVolume({ body: pv });
      log(
        `provisioned ${pv.metadata?.name} for ${claim.metadata?.namespace}/${claim.metadata?.name} at ${dir}`,
      );
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
  }

  const pvs = await core.listPersistentVolume({});
  for (const pv of pvs.items) {
    const name = pv.metadata?.name;
    if (!name || pv.metadata?.annotations?.[PROVISIONED_BY] !== PROVISIONER) continue;
    const phase = pv.status?.phase;
    if ((phase !== 'Released' && phase !== 'Failed') || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete')
      continue;
    const dir = pv.spec?.local?.path;
    // Only directories this provisioner made: <volumes>/pvc-<uid>.
    if (dir && path.dirname(dir) === path.resolve(volumes) && path.basename(dir).startsWith('pvc-')) {
      await rm(dir, { recursive: true, force: true });
    }
    try {
      await core.deletePersistentVolume({ name });
      log(`deleted ${name} (${phase})`);
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { volumes: { type: 'string' } } });
  const volumes = path.resolve(
    values.volumes ?? process.env['BATON_LAB_VOLUMES'] ?? '/var/lib/baton-lab/volumes',
  );
  await mkdir(volumes, { recursive: true });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(CoreV1Api);
  const storage = kc.makeApiClient(StorageV1Api);
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  log(`serving StorageClasses with provisioner ${PROVISIONER}; volumes in ${volumes}`);
  let lastError = '';
  while (!stopping) {
    try {
      await reconcile(core, storage, volumes);
      lastError = '';
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (msg !== lastError) log(`reconcile failed (retrying): ${msg}`);
      lastError = msg;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  void main();
}
