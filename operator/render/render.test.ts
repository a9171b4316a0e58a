/**
 * Properties of the rendered objects that golden files cannot state: the restricted Pod Security
 * Standard, the flags that wire op-node, op-geth and the conductor together (parsed, not string
 * matched), ownership and labels, and the conventions the controller and planner rely on.
 */
import type { V1Container, V1StatefulSet } from '@kubernetes/client-node';
import { Command } from 'commander';
import {
  CONDUCTOR_FLAGS,
  conductorFlagValues,
  parseConductorConfig,
  registerConductorFlags,
} from '../../conductor/config/flags.js';
import { exampleCluster } from '../api/examples.js';
import {
  bootstrapConfigMapName,
  BOOTSTRAP_MEMBER_ENV,
  BOOTSTRAP_MEMBER_KEY,
  CONTAINER_NAMES,
  jwtSecretName,
  peersServiceName,
  podDnsName,
  raftAddress,
  raftServerId,
  REVISION_ANNOTATION,
  ROLE_LABEL,
  rpcServiceName,
  selectorLabels,
  sequencerServiceName,
} from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import {
  bootstrapConfigMapNaming,
  renderCluster,
  renderedObjects,
  statefulSetWithReplicas,
} from './cluster.js';
import { renderJwtSecret } from './jwt-secret.js';
import { RenderError } from './metadata.js';

const cluster = exampleCluster('sequencercluster.yaml');
const render = (c: SequencerCluster = cluster, bootstrapMember: string | null = null) =>
  renderCluster({ cluster: c, operatorVersion: '1.2.3', bootstrapMember });
const rendered = render();
const sts: V1StatefulSet = rendered.statefulSet;
const podSpec = sts.spec?.template.spec;

function container(name: string): V1Container {
  const found = [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])].find(
    (c) => c.name === name,
  );
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** `--a=b` / `--a` → { a: 'b' | 'true' }; later occurrences win, as with the real parsers. */
function flags(c: V1Container): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of c.args ?? []) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m?.[1]) throw new Error(`${c.name}: unexpected positional argument ${arg}`);
    out.set(m[1], m[2] ?? 'true');
  }
  return out;
}
function flag(c: V1Container, name: string): string {
  const value = flags(c).get(name);
  if (value === undefined) throw new Error(`${c.name} has no --${name}`);
  return value;
}

/** Kubernetes' $(VAR) expansion of container args from the container's env. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

const url = (u: string) => new URL(u);
const portOf = (c: V1Container, name: string): number | undefined =>
  c.ports?.find((p) => p.name === name)?.containerPort;
const mountOf = (c: V1Container, path: string) =>
  c.volumeMounts?.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));

const opNode = container(CONTAINER_NAMES.opNode);
const opGeth = container(CONTAINER_NAMES.opGeth);
const conductor = container(CONTAINER_NAMES.conductor);
const gethInit = container(CONTAINER_NAMES.gethInit);
const all = [opNode, opGeth, conductor, gethInit];

describe('restricted Pod Security Standard', () => {
  it('pod: non-root with a numeric UID, RuntimeDefault seccomp, no host namespaces, no API token', () => {
    const sc = podSpec?.securityContext;
    expect(sc?.runAsNonRoot).toBe(true);
    expect(sc?.runAsUser).toBeGreaterThan(0);
    expect(sc?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(podSpec?.hostNetwork ?? false).toBe(false);
    expect(podSpec?.hostPID ?? false).toBe(false);
    expect(podSpec?.hostIPC ?? false).toBe(false);
    expect(podSpec?.automountServiceAccountToken).toBe(false);
    // Only volume types the restricted profile allows.
    for (const v of podSpec?.volumes ?? []) {
      expect(Object.keys(v).filter((k) => k !== 'name')).toEqual([
        expect.stringMatching(/^(emptyDir|projected|secret|configMap|persistentVolumeClaim)$/),
      ]);
    }
  });

  it.each(all.map((c) => [c.name, c] as const))(
    '%s: no escalation, drop ALL, read-only root, writable /tmp',
    (_n, c) => {
      const sc = c.securityContext;
      expect(sc?.allowPrivilegeEscalation).toBe(false);
      expect(sc?.capabilities?.drop).toEqual(['ALL']);
      expect(sc?.capabilities?.add).toBeUndefined();
      expect(sc?.privileged ?? false).toBe(false);
      expect(sc?.readOnlyRootFilesystem).toBe(true);
      expect(sc?.runAsNonRoot).toBe(true);
      expect(sc?.seccompProfile?.type).toBe('RuntimeDefault');
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(podSpec?.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      expect(c.ports?.some((p) => p.hostPort !== undefined) ?? false).toBe(false);
    },
  );
});

describe('flags wire op-node, op-geth and the conductor together', () => {
  it('op-node reaches the conductor at its RPC port, and the conductor reaches op-node at its', () => {
    const conductorRpc = url(flag(opNode, 'conductor.rpc'));
    expect(conductorRpc.hostname).toBe('127.0.0.1');
    expect(Number(conductorRpc.port)).toBe(Number(flag(conductor, 'rpc.port')));
    expect(Number(conductorRpc.port)).toBe(portOf(conductor, 'conductor'));
    expect(flag(opNode, 'conductor.enabled')).toBe('true');
    expect(flag(opNode, 'rpc.enable-admin')).toBe('true');
    expect(flag(opNode, 'sequencer.enabled')).toBe('true');
    expect(flags(opNode).has('rpc.admin-state')).toBe(false);

    const nodeRpc = url(flag(conductor, 'node.rpc'));
    expect(Number(nodeRpc.port)).toBe(Number(flag(opNode, 'rpc.port')));
    expect(Number(nodeRpc.port)).toBe(portOf(opNode, 'op-node'));
  });

  it('the conductor and op-node reach op-geth: HTTP for the conductor, the JWT engine API for op-node', () => {
    const executionRpc = url(flag(conductor, 'execution.rpc'));
    expect(Number(executionRpc.port)).toBe(Number(flag(opGeth, 'http.port')));
    expect(Number(executionRpc.port)).toBe(portOf(opGeth, 'geth-http'));
    const l2 = url(flag(opNode, 'l2'));
    expect(l2.hostname).toBe(flag(opGeth, 'authrpc.addr'));
    expect(Number(l2.port)).toBe(Number(flag(opGeth, 'authrpc.port')));
  });

  it('op-node and op-geth read the same JWT file from the same Secret', () => {
    const path = flag(opNode, 'l2.jwt-secret');
    expect(flag(opGeth, 'authrpc.jwtsecret')).toBe(path);
    const nodeMount = mountOf(opNode, path);
    const gethMount = mountOf(opGeth, path);
    expect(nodeMount?.name).toBeDefined();
    expect(nodeMount?.name).toBe(gethMount?.name);
    const volume = podSpec?.volumes?.find((v) => v.name === nodeMount?.name);
    expect(volume?.secret?.secretName).toBe(jwtSecretName('mychain'));
    expect(volume?.secret?.items?.[0]?.path).toBe(path.split('/').pop());
  });

  it('files named by flags are mounted where the flags point', () => {
    for (const [c, name] of [
      [opNode, 'rollup.config'],
      [conductor, 'rollup.config'],
      [opNode, 'p2p.priv.path'],
      [opNode, 'safedb.path'],
      [opGeth, 'datadir'],
      [opGeth, 'config'],
      [opGeth, 'nodekey'],
      [conductor, 'raft.storage.dir'],
    ] as const) {
      expect([c.name, name, mountOf(c, flag(c, name))?.name]).toEqual([c.name, name, expect.any(String)]);
    }
    expect(mountOf(conductor, flag(conductor, 'raft.storage.dir'))?.name).toBe('raft-data');
    expect(mountOf(opGeth, flag(opGeth, 'datadir'))?.name).toBe('geth-data');
    // The init script initialises the datadir op-geth runs on, with the same state scheme.
    expect(gethInit.command?.[2]).toContain(`--datadir=${flag(opGeth, 'datadir')} `);
    expect(gethInit.env).toContainEqual({ name: 'STATE_SCHEME', value: flag(opGeth, 'state.scheme') });
    expect(gethInit.args).toEqual(opGeth.command);
  });

  it.each(['mychain-0', 'mychain-2'])(
    '%s: server id = pod name, advertised = stable pod DNS:50050',
    (pod) => {
      const env = { POD_NAME: pod };
      expect(expand(flag(conductor, 'raft.server.id'), env)).toBe(raftServerId(pod));
      expect(expand(flag(conductor, 'consensus.advertised'), env)).toBe(
        raftAddress('mychain', pod, 'chains'),
      );
      expect(raftAddress('mychain', pod, 'chains')).toBe(`${podDnsName('mychain', pod, 'chains')}:50050`);
      expect(Number(flag(conductor, 'consensus.port'))).toBe(portOf(conductor, 'raft'));
    },
  );

  it('never --raft.bootstrap; the bootstrap member comes from the optional bootstrap ConfigMap key', () => {
    expect(flags(conductor).has('raft.bootstrap')).toBe(false);
    expect(flag(conductor, 'raft.bootstrap-member')).toBe(`$(${BOOTSTRAP_MEMBER_ENV})`);
    const env = conductor.env?.find((e) => e.name === BOOTSTRAP_MEMBER_ENV);
    expect(env?.valueFrom?.configMapKeyRef).toEqual({
      name: bootstrapConfigMapName('mychain'),
      key: BOOTSTRAP_MEMBER_KEY,
      optional: true,
    });
  });

  it('every $(VAR) in args is defined in the container env', () => {
    for (const c of all) {
      const defined = new Set((c.env ?? []).map((e) => e.name));
      for (const arg of c.args ?? []) {
        for (const m of arg.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          expect([c.name, m[1], defined.has(m[1] ?? '')]).toEqual([c.name, m[1], true]);
        }
      }
    }
  });

  it("the conductor's args parse as a valid baton conductor configuration, with or without a bootstrap member", () => {
    const known = new Set(CONDUCTOR_FLAGS.map((f) => f.name));
    for (const name of flags(conductor).keys()) expect([name, known.has(name)]).toEqual([name, true]);
    const envs: Record<string, string>[] = [
      { POD_NAME: 'mychain-0', [BOOTSTRAP_MEMBER_ENV]: 'mychain-0' },
      { POD_NAME: 'mychain-1' },
    ];
    for (const env of envs) {
      // The real command-line parser, on the args as the kubelet expands them.
      const command = registerConductorFlags(new Command()).exitOverride();
      command.parse(
        (conductor.args ?? []).map((a) => expand(a, env)),
        { from: 'user' },
      );
      const { values, explicitlySet } = conductorFlagValues(command);
      const config = parseConductorConfig(values, explicitlySet);
      expect(config.raft.serverId).toBe(env.POD_NAME);
      expect(config.raft.bootstrap).toBe(false);
      // Unset variable: Kubernetes leaves the reference as is, which can never equal a pod name.
      expect(config.raft.bootstrapMember === config.raft.serverId).toBe(env.POD_NAME === 'mychain-0');
      expect(config.healthcheck).toMatchObject({ intervalS: 1, unsafeIntervalS: 5, minPeerCount: 2 });
      expect(config.rpc).toMatchObject({ port: 8547, enableProxy: true });
      expect(config.consensus.advertised).toBe(raftAddress('mychain', env.POD_NAME ?? '', 'chains'));
    }
  });

  it('secrets reach op-node as OP_NODE_* variables, never as arguments', () => {
    const envNames = (opNode.env ?? []).map((e) => e.name);
    expect(envNames).toEqual(
      expect.arrayContaining(['OP_NODE_L1_ETH_RPC', 'OP_NODE_L1_BEACON', 'OP_NODE_P2P_SEQUENCER_KEY']),
    );
    expect(opNode.env?.find((e) => e.name === 'OP_NODE_P2P_SEQUENCER_KEY')?.valueFrom?.secretKeyRef).toEqual({
      name: 'mychain-sequencer-key',
      key: 'key',
    });
    expect(flags(opNode).has('p2p.sequencer.key')).toBe(false);
    expect(flags(opNode).has('l1')).toBe(false);
  });

  it('user args come after the wired ones (so they can override), and user env after ours', () => {
    expect(opNode.args?.slice(-3)).toEqual([
      '--l1.rpckind=standard',
      '--sequencer.l1-confs=4',
      '--verifier.l1-confs=4',
    ]);
  });
});

describe('objects and conventions', () => {
  it('every object is owned by the cluster and carries its labels', () => {
    for (const obj of renderedObjects(rendered)) {
      expect(obj.metadata?.namespace).toBe('chains');
      expect(obj.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'baton.dev/v1alpha1',
          kind: 'SequencerCluster',
          name: 'mychain',
          uid: cluster.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(obj.metadata?.labels).toMatchObject({
        'app.kubernetes.io/name': 'baton-sequencer',
        'app.kubernetes.io/instance': 'mychain',
        'app.kubernetes.io/component': 'sequencer',
        'app.kubernetes.io/managed-by': 'baton-operator',
        'app.kubernetes.io/part-of': 'baton',
        'baton.dev/cluster': 'mychain',
      });
    }
  });

  it('StatefulSet: OnDelete, Parallel, peers service, both claim templates, template selected by the selector', () => {
    expect(sts.spec?.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(sts.spec?.podManagementPolicy).toBe('Parallel');
    expect(sts.spec?.serviceName).toBe(peersServiceName('mychain'));
    expect(sts.spec?.volumeClaimTemplates?.map((v) => v.metadata?.name)).toEqual(['geth-data', 'raft-data']);
    expect(sts.spec?.selector.matchLabels).toEqual(selectorLabels('mychain'));
    expect(sts.spec?.template.metadata?.labels).toMatchObject(selectorLabels('mychain'));
    expect(sts.spec?.replicas).toBe(3);
  });

  it('the role label is left to the operator: not in the template, only in the sequencer Service selector', () => {
    expect(sts.spec?.template.metadata?.labels?.[ROLE_LABEL]).toBeUndefined();
    const byName = new Map(rendered.services.map((s) => [s.metadata?.name, s]));
    expect(byName.get(sequencerServiceName('mychain'))?.spec?.selector).toEqual({
      ...selectorLabels('mychain'),
      [ROLE_LABEL]: 'active',
    });
    expect(byName.get(rpcServiceName('mychain'))?.spec?.selector).toEqual(selectorLabels('mychain'));
    const peers = byName.get(peersServiceName('mychain'));
    expect(peers?.spec?.clusterIP).toBe('None');
    expect(peers?.spec?.publishNotReadyAddresses).toBe(true);
  });

  it('every Service port targets a named container port that exists', () => {
    const names = new Set(podSpec?.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const svc of rendered.services) {
      for (const p of svc.spec?.ports ?? [])
        expect([svc.metadata?.name, names.has(String(p.targetPort))]).toEqual([svc.metadata?.name, true]);
    }
  });

  it('the PDB allows one voluntary disruption over all members', () => {
    expect(rendered.podDisruptionBudget.spec).toMatchObject({
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels('mychain') },
    });
  });

  it('a second PDB never lets the active sequencer be evicted (leadership moves off first)', () => {
    expect(rendered.activePodDisruptionBudget.metadata?.name).toBe('mychain-active');
    expect(rendered.activePodDisruptionBudget.spec).toEqual({
      maxUnavailable: 0,
      selector: { matchLabels: { ...selectorLabels('mychain'), [ROLE_LABEL]: 'active' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  it('the bootstrap ConfigMap names the member while forming and is empty afterwards', () => {
    expect(render(cluster, 'mychain-0').configMaps[0]?.data).toEqual({ [BOOTSTRAP_MEMBER_KEY]: 'mychain-0' });
    expect(rendered.configMaps[0]?.data).toEqual({});
    expect(rendered.configMaps[0]?.metadata?.name).toBe(bootstrapConfigMapName('mychain'));
  });

  it('the revision annotation is the returned revision', () => {
    expect(sts.spec?.template.metadata?.annotations?.[REVISION_ANNOTATION]).toBe(rendered.revision);
    expect(rendered.revision).toMatch(/^[0-9a-f]{10}$/);
  });

  it('a user-given JWT Secret replaces the generated one; the conductor image defaults to the operator version', () => {
    const custom = render({
      ...cluster,
      spec: { ...cluster.spec, jwtSecret: { name: 'my-jwt', key: 'secret' } },
    });
    const jwt = custom.statefulSet.spec?.template.spec?.volumes?.find((v) => v.name === 'jwt')?.secret;
    expect(jwt?.secretName).toBe('my-jwt');
    expect(jwt?.items).toEqual([{ key: 'secret', path: 'jwt.hex' }]);
    expect(conductor.image).toBe('baton:1.2.3');
  });

  it('renderJwtSecret encodes 32 hex bytes; renderCluster refuses a cluster without uid', () => {
    const secret = renderJwtSecret(cluster, 'ab'.repeat(32));
    expect(Buffer.from(secret.data?.['jwt.hex'] ?? '', 'base64').toString()).toBe('ab'.repeat(32));
    expect(secret.metadata?.name).toBe(jwtSecretName('mychain'));
    expect(() => renderJwtSecret(cluster, 'xyz')).toThrow(RenderError);
    const { uid: _uid, ...metadata } = cluster.metadata;
    expect(() => render({ ...cluster, metadata })).toThrow(/metadata.uid/);
  });

  it('no init container when initGenesis is false', () => {
    const sim = renderCluster({
      cluster: exampleCluster('sequencercluster-sim.yaml'),
      operatorVersion: 'x',
      bootstrapMember: null,
    });
    expect(sim.statefulSet.spec?.template.spec?.initContainers).toBeUndefined();
  });
});

describe('what the real op-node and op-geth need (issue: real pods)', () => {
  const withSpec = (patch: (s: SequencerCluster['spec']) => SequencerCluster['spec']): SequencerCluster => ({
    ...cluster,
    spec: patch(structuredClone(cluster.spec)),
  });
  const containerOf = (c: SequencerCluster, name: string): V1Container => {
    const spec = render(c).statefulSet.spec?.template.spec;
    const found = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find((x) => x.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
  };

  it('op-node and op-geth stay up while a stopping leader hands off (preStop: the conductor’s /hand-off)', () => {
    const hook = { preStop: { httpGet: { path: '/hand-off?timeout=10', port: 8547 } } };
    expect(container(CONTAINER_NAMES.opNode).lifecycle).toEqual(hook);
    expect(container(CONTAINER_NAMES.opGeth).lifecycle).toEqual(hook);
    expect(container(CONTAINER_NAMES.conductor).lifecycle).toBeUndefined(); // it hands off on SIGTERM itself
    // The hook waits at most 10 s; the hand-off at most 5 s: both well inside the grace period.
    expect(podSpec?.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it('op-node drives op-geth as geth (its own default engine kind is reth)', () => {
    expect(flags(container(CONTAINER_NAMES.opNode)).get('l2.enginekind')).toBe('geth');
  });

  it('without bootnodes op-node neither discovers nor falls back to its public bootnodes', () => {
    const args = container(CONTAINER_NAMES.opNode).args ?? [];
    expect(args).toContain('--p2p.no-discovery');
    expect(args).toContain('--p2p.bootnodes=,');
    const given = containerOf(
      withSpec((s) => ({ ...s, p2p: { bootnodes: ['enr:-a', 'enr:-b'] } })),
      CONTAINER_NAMES.opNode,
    );
    expect(given.args).toContain('--p2p.bootnodes=enr:-a,enr:-b');
    expect(given.args).not.toContain('--p2p.no-discovery');
  });

  it('an L1 op-node does not know: its chain config is mounted where --rollup.l1-chain-config points', () => {
    const c = withSpec((s) => ({
      ...s,
      chain: {
        ...s.chain,
        l1: { ...s.chain.l1, beaconIgnore: true, chainConfig: { name: 'l1', key: 'c.json' } },
      },
    }));
    const opNode = containerOf(c, CONTAINER_NAMES.opNode);
    const f = flags(opNode);
    expect(f.get('l1.beacon.ignore')).toBe('true');
    expect(f.get('rollup.l1-chain-config')).toBe('/etc/baton/chain/l1-chain-config.json');
    const chainVolume = render(c).statefulSet.spec?.template.spec?.volumes?.find((v) => v.name === 'chain');
    expect(chainVolume?.projected?.sources).toContainEqual({
      configMap: { name: 'l1', items: [{ key: 'c.json', path: 'l1-chain-config.json' }] },
    });
    expect(flags(container(CONTAINER_NAMES.opNode)).has('l1.beacon.ignore')).toBe(false);
  });

  it('members prefer separate nodes by default; a spec affinity replaces that', () => {
    expect(podSpec?.affinity).toBeDefined();
    const defaultSpec = render(
      withSpec((s) => ({ ...s, podTemplate: { ...s.podTemplate, affinity: undefined } })),
    ).statefulSet.spec?.template.spec;
    expect(defaultSpec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        weight: 100,
        podAffinityTerm: {
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: { matchLabels: selectorLabels('mychain') },
        },
      },
    ]);
    // The example asks for one member per node as a requirement: that, not the default, is rendered.
    expect(podSpec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(
      1,
    );
    expect(
      podSpec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    ).toBeUndefined();
  });

  it('extra volumes reach the pod and each container mounts only what it is given', () => {
    const c = withSpec((s) => ({
      ...s,
      podTemplate: { ...s.podTemplate, volumes: [{ name: 'raft-tls', secret: { secretName: 'tls' } }] },
      conductor: {
        ...s.conductor,
        volumeMounts: [{ name: 'raft-tls', mountPath: '/etc/tls', readOnly: true }],
      },
    }));
    const spec = render(c).statefulSet.spec?.template.spec;
    expect(spec?.volumes).toContainEqual({ name: 'raft-tls', secret: { secretName: 'tls' } });
    expect(containerOf(c, CONTAINER_NAMES.conductor).volumeMounts).toContainEqual({
      name: 'raft-tls',
      mountPath: '/etc/tls',
      readOnly: true,
    });
    expect(containerOf(c, CONTAINER_NAMES.opNode).volumeMounts?.some((m) => m.name === 'raft-tls')).toBe(
      false,
    );
  });

  it('genesisUrl goes to the init step as its URL and checksum, with no genesis file projected', () => {
    const c = withSpec((s) => ({
      ...s,
      chain: {
        ...s.chain,
        genesis: undefined,
        genesisUrl: { url: 'https://x/g.json.gz', sha256: 'b'.repeat(64) },
      },
    }));
    const init = containerOf(c, CONTAINER_NAMES.gethInit);
    expect(init.env).toEqual(
      expect.arrayContaining([
        { name: 'GENESIS_URL', value: 'https://x/g.json.gz' },
        { name: 'GENESIS_SHA256', value: 'b'.repeat(64) },
      ]),
    );
    const chainVolume = render(c).statefulSet.spec?.template.spec?.volumes?.find((v) => v.name === 'chain');
    expect(chainVolume?.projected?.sources).toHaveLength(1);
  });
});

describe('a planner step sets its replicas or bootstrap member on the one render of the reconcile', () => {
  it('equals rendering the whole cluster again with the step’s value, and touches nothing else', () => {
    const input = { cluster, operatorVersion: '1.2.3', bootstrapMember: null, statefulSetReplicas: 3 };
    const once = renderCluster(input);
    for (const replicas of [0, 1, 5]) {
      expect(statefulSetWithReplicas(once, replicas)).toEqual(
        renderCluster({ ...input, statefulSetReplicas: replicas }).statefulSet,
      );
    }
    expect(once.statefulSet.spec?.replicas).toBe(3);
    for (const member of ['seq-0', null]) {
      expect(bootstrapConfigMapNaming(once, member)).toEqual(
        renderCluster({ ...input, bootstrapMember: member }).bootstrapConfigMap,
      );
    }
    expect(once.configMaps[0]).toBe(once.bootstrapConfigMap);
    expect(() => statefulSetWithReplicas(once, -1)).toThrow(RenderError);
  });
});
