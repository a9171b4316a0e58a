/**
 * Member p2p identities: peer ids must be exactly what op-node derives from the same key (checked against
 * ids computed by go-libp2p's peer.IDFromPrivateKey), and the static peer list lives outside the pod
 * template, so scaling changes the list without restarting anyone.
 */
import { exampleCluster } from '../api/examples.js';
import { renderCluster } from './cluster.js';
import {
  gethConfigToml,
  gethNodeId,
  isGethNodeKey,
  isP2pPrivateKey,
  memberPodNames,
  p2pPeerId,
  renderP2pKeysSecret,
} from './p2p.js';

/** private key (hex) → peer id, from go-libp2p v0.x core/crypto + core/peer (generated once, offline). */
const GO_LIBP2P_VECTORS: [string, string][] = [
  [
    '0000000000000000000000000000000000000000000000000000000000000001',
    '16Uiu2HAm3cuhhRL2msUuLF62KRSfneFDx94RsuouyW25Ho42cFMq',
  ],
  [
    'e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35',
    '16Uiu2HAmGXz5Z9Nbh7mCjyeJqeJa9AbXXu9bAHdanvJC7MKTki2m',
  ],
  [
    'b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291',
    '16Uiu2HAmSH2XVgZqYHWucap5kuPzLnt2TsNQkoppVxB5eJGvaXwm',
  ],
];

describe('p2pPeerId', () => {
  it.each(GO_LIBP2P_VECTORS)('%s → %s (as go-libp2p derives it)', (key, id) => {
    expect(p2pPeerId(key)).toBe(id);
  });

  it('accepts what op-node accepts in a key file: 0x prefix, surrounding whitespace', () => {
    const [key, id] = GO_LIBP2P_VECTORS[1]!;
    expect(p2pPeerId(`0x${key}`)).toBe(id);
    expect(p2pPeerId(`  ${key}\n`)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['too short', 'abcd'],
    ['not hex', 'z'.repeat(64)],
    ['zero', '0'.repeat(64)],
    ['the group order (out of range)', 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'],
  ])('refuses a key that is %s', (_what, key) => {
    expect(isP2pPrivateKey(key)).toBe(false);
    expect(() => p2pPeerId(key)).toThrow('not a secp256k1 private key');
  });
});

describe('gethNodeId', () => {
  it('is the id op-geth v1.101702.3-rc.7 prints for the same --nodekey ("Started P2P networking self=enode://…")', () => {
    expect(gethNodeId('e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35')).toBe(
      '39a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c23cbe7ded0e7ce6a594896b8f62888fdbc5c8821305e2ea42bf01e37300116281',
    );
  });

  it('takes as a node key only what crypto.LoadECDSA reads: 64 hex characters, up to two line ends', () => {
    const [key] = GO_LIBP2P_VECTORS[1]!;
    expect(isGethNodeKey(key)).toBe(true);
    expect(isGethNodeKey(`${key}\n`)).toBe(true);
    expect(isGethNodeKey(`${key}\r\n`)).toBe(true);
    expect(isGethNodeKey(`0x${key}`)).toBe(false);
    expect(isGethNodeKey(` ${key}`)).toBe(false);
    expect(isGethNodeKey(`${key}\n\n\n`)).toBe(false);
    expect(isGethNodeKey('0'.repeat(64))).toBe(false);
  });
});

describe('the generated keys Secret', () => {
  it('has a key for every possible member, named by pod', () => {
    const cluster = exampleCluster('sequencercluster.yaml');
    const keys = Object.fromEntries(memberPodNames('mychain').map((p) => [p, GO_LIBP2P_VECTORS[0]![0]]));
    const secret = renderP2pKeysSecret(cluster, keys);
    expect(Object.keys(secret.data ?? {})).toEqual([
      'mychain-0',
      'mychain-1',
      'mychain-2',
      'mychain-3',
      'mychain-4',
      'mychain-5',
      'mychain-6',
    ]);
    expect(Buffer.from(secret.data?.['mychain-3'] ?? '', 'base64').toString()).toBe(GO_LIBP2P_VECTORS[0]![0]);
    expect(secret.metadata?.ownerReferences?.[0]?.kind).toBe('SequencerCluster');
  });

  it('refuses to render a malformed key', () => {
    const cluster = exampleCluster('sequencercluster.yaml');
    expect(() => renderP2pKeysSecret(cluster, { 'mychain-0': 'nope' })).toThrow('mychain-0');
  });
});

describe('static peers', () => {
  const ids = Object.fromEntries(
    memberPodNames('mychain').map((pod, i) => [
      pod,
      { peerId: `16Uiu2HAmPeer${i}`, nodeId: `${i}`.repeat(128) },
    ]),
  );
  const render = (replicas: number, statefulSetReplicas?: number) => {
    const base = exampleCluster('sequencercluster.yaml');
    const cluster = {
      ...base,
      spec: { ...base.spec, replicas, p2p: { staticPeers: ['/dns4/rpc.example/tcp/9222/p2p/16Uiu2HAmRpc'] } },
    };
    const r = renderCluster({
      cluster,
      operatorVersion: '0.1.0',
      bootstrapMember: null,
      memberP2pIds: ids,
      ...(statefulSetReplicas !== undefined ? { statefulSetReplicas } : {}),
    });
    const data = r.configMaps.find((c) => c.metadata?.name === 'mychain-p2p')?.data;
    return {
      revision: r.revision,
      peers: data?.['static-peers']?.split(',') ?? [],
      gethToml: data?.['geth.toml'] ?? '',
      opGeth: r.statefulSet.spec?.template.spec?.containers[0],
      opNode: r.statefulSet.spec?.template.spec?.containers[1],
    };
  };

  it('lists every member by its stable DNS name and peer id, then the user’s peers', () => {
    expect(render(3).peers).toEqual([
      '/dns4/mychain-0.mychain-peers.chains.svc.cluster.local/tcp/9222/p2p/16Uiu2HAmPeer0',
      '/dns4/mychain-1.mychain-peers.chains.svc.cluster.local/tcp/9222/p2p/16Uiu2HAmPeer1',
      '/dns4/mychain-2.mychain-peers.chains.svc.cluster.local/tcp/9222/p2p/16Uiu2HAmPeer2',
      '/dns4/rpc.example/tcp/9222/p2p/16Uiu2HAmRpc',
    ]);
  });

  it('lists every member for op-geth as static and trusted enode URLs by DNS name', () => {
    const enodes = [0, 1, 2].map(
      (i) => `enode://${`${i}`.repeat(128)}@mychain-${i}.mychain-peers.chains.svc.cluster.local:30303`,
    );
    expect(render(3).gethToml).toBe(gethConfigToml(enodes));
    expect(gethConfigToml(enodes)).toContain(
      `[Node.P2P]\nStaticNodes = ["${enodes[0]}", "${enodes[1]}", "${enodes[2]}"]\nTrustedNodes = [`,
    );
    expect(render(5).gethToml.match(/enode:/g)).toHaveLength(10);
  });

  it('op-geth reads that file and its own key by pod name, and listens for its peers', () => {
    const { opGeth } = render(3);
    expect(opGeth?.name).toBe('op-geth');
    expect(opGeth?.args).toEqual(
      expect.arrayContaining([
        '--config=/etc/baton/geth/geth.toml',
        '--nodekey=/etc/baton/p2p/$(POD_NAME)',
        '--port=30303',
        '--nodiscover',
      ]),
    );
    expect(opGeth?.args?.some((a) => a.startsWith('--maxpeers'))).toBe(false);
    expect(opGeth?.ports).toContainEqual({ name: 'geth-p2p', containerPort: 30303, protocol: 'TCP' });
    expect(opGeth?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'geth-p2p', mountPath: '/etc/baton/geth', readOnly: true },
        { name: 'p2p-keys', mountPath: '/etc/baton/p2p', readOnly: true },
      ]),
    );
  });

  it('covers the pods being added or removed while scaling (the larger of spec and StatefulSet)', () => {
    expect(render(3, 5).peers).toHaveLength(6);
    expect(render(5, 3).peers).toHaveLength(6);
  });

  it('scaling changes the list but not the pod template: nobody restarts for it', () => {
    const three = render(3);
    const five = render(5);
    expect(five.peers).not.toEqual(three.peers);
    expect(five.revision).toBe(three.revision);
  });

  it('op-node reads the list from the ConfigMap and its own key by pod name', () => {
    const { opNode } = render(3);
    expect(opNode?.name).toBe('op-node');
    expect(opNode?.args?.some((a) => a.startsWith('--p2p.static'))).toBe(false);
    expect(opNode?.args).toContain('--p2p.priv.path=/etc/baton/p2p/$(POD_NAME)');
    expect(opNode?.env).toEqual(
      expect.arrayContaining([
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        {
          name: 'OP_NODE_P2P_STATIC',
          valueFrom: { configMapKeyRef: { name: 'mychain-p2p', key: 'static-peers' } },
        },
      ]),
    );
    expect(opNode?.volumeMounts).toContainEqual({
      name: 'p2p-keys',
      mountPath: '/etc/baton/p2p',
      readOnly: true,
    });
  });
});
