/**
 * checkReferences against a real API server: what a SequencerCluster points at must exist, and the
 * digest of the values its members read at start changes exactly when one of them changes (so the
 * controller rolls the members), never for the genesis (which only `geth init` reads, once).
 */
import { useControlPlane } from '../../e2e/cluster/testing/control-plane.js';
import { exampleCluster } from '../api/examples.js';
import { KubeClient } from '../kube/client.js';
import { checkReferences, configDigest, rollupConfigProblem } from './validate.js';

const cp = useControlPlane({ namespacePrefix: 'opref' });
let client: KubeClient;

beforeAll(() => {
  client = new KubeClient(cp.kc);
});
afterAll(() => client?.close());

const cluster = () => exampleCluster('sequencercluster.yaml', cp.namespace);

async function apply(
  kind: 'ConfigMap' | 'Secret',
  name: string,
  data: Record<string, string>,
): Promise<void> {
  const doc =
    kind === 'ConfigMap'
      ? { apiVersion: 'v1', kind, metadata: { name }, data }
      : { apiVersion: 'v1', kind, metadata: { name }, stringData: data };
  await cp.kubectl(
    ['-n', cp.namespace, 'apply', '--server-side', '--force-conflicts', '-f', '-'],
    JSON.stringify(doc),
  );
}

async function digest(): Promise<string> {
  const check = await checkReferences(client, cluster());
  expect(check.problems).toEqual([]);
  return check.configDigest;
}

describe('the config digest of a cluster’s references', () => {
  it('is reported with a problem for each missing object before they exist', async () => {
    const check = await checkReferences(client, cluster());
    expect(check.problems.map((p) => p.reason)).toEqual([
      'MissingConfigMap',
      'MissingConfigMap',
      'MissingSecret',
      'MissingSecret',
      'MissingSecret',
    ]);
  });

  it('changes when a value the members read at start changes, and only then', async () => {
    await apply('ConfigMap', 'mychain-rollup', { 'rollup.json': '{"block_time":2}' });
    await apply('ConfigMap', 'mychain-genesis', { 'genesis.json': '{"config":{}}' });
    await apply('Secret', 'mychain-l1', { rpc: 'http://l1:8545', beacon: 'http://beacon:5052' });
    await apply('Secret', 'mychain-sequencer-key', { key: '0x01' });
    const first = await digest();
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await digest()).toBe(first); // stable

    // A scheduled hard fork: the rollup config gains an activation time.
    await apply('ConfigMap', 'mychain-rollup', { 'rollup.json': '{"block_time":2,"holocene_time":1}' });
    const afterFork = await digest();
    expect(afterFork).not.toBe(first);

    // A new L1 endpoint (read from the environment at start).
    await apply('Secret', 'mychain-l1', { rpc: 'http://l1-b:8545', beacon: 'http://beacon:5052' });
    const afterL1 = await digest();
    expect(afterL1).not.toBe(afterFork);

    // A key nobody references, and the genesis, leave it alone.
    await apply('Secret', 'mychain-l1', {
      rpc: 'http://l1-b:8545',
      beacon: 'http://beacon:5052',
      unused: 'x',
    });
    await apply('ConfigMap', 'mychain-genesis', { 'genesis.json': '{"config":{"chainId":2}}' });
    expect(await digest()).toBe(afterL1);

    // A rotated sequencer key does change it.
    await apply('Secret', 'mychain-sequencer-key', { key: '0x02' });
    expect(await digest()).not.toBe(afterL1);
  });
});

describe('what op-node would refuse in the rollup config', () => {
  const withL1 = (l1: { beaconUrl?: { name: string; key: string }; beaconIgnore: boolean }) => {
    const c = cluster();
    return { ...c, spec: { ...c.spec, chain: { ...c.spec.chain, l1: { ...c.spec.chain.l1, ...l1 } } } };
  };
  const noBeacon = () => {
    const c = withL1({ beaconIgnore: false });
    delete (c.spec.chain.l1 as { beaconUrl?: unknown }).beaconUrl;
    return c;
  };

  it('Ecotone scheduled and no beacon API: BeaconRequired, naming both ways out', () => {
    const problem = rollupConfigProblem(noBeacon(), '{"ecotone_time":0}', 'ns/r');
    expect(problem?.reason).toBe('BeaconRequired');
    expect(problem?.message).toContain('spec.chain.l1.beaconUrl');
    expect(problem?.message).toContain('spec.chain.l1.beaconIgnore: true');
  });

  it('no problem with a beacon URL, with beaconIgnore, or without Ecotone', () => {
    expect(rollupConfigProblem(cluster(), '{"ecotone_time":0}', 'ns/r')).toBeNull();
    const ignoring = noBeacon();
    ignoring.spec.chain.l1.beaconIgnore = true;
    expect(rollupConfigProblem(ignoring, '{"ecotone_time":0}', 'ns/r')).toBeNull();
    expect(rollupConfigProblem(noBeacon(), '{"ecotone_time":null,"block_time":2}', 'ns/r')).toBeNull();
  });

  it('a rollup config that is not a JSON object is refused with where it is', () => {
    for (const text of ['{"block_time":', '[1]', '']) {
      const problem = rollupConfigProblem(cluster(), text, 'ns/r');
      expect(problem?.reason).toBe('InvalidRollupConfig');
      expect(problem?.message).toContain('ConfigMap ns/r key "rollup.json"');
    }
  });

  it('is reported by checkReferences from the ConfigMap the API server holds', async () => {
    await apply('ConfigMap', 'mychain-rollup', { 'rollup.json': '{"block_time":2,"ecotone_time":0}' });
    await apply('ConfigMap', 'mychain-genesis', { 'genesis.json': '{}' });
    await apply('Secret', 'mychain-l1', { rpc: 'http://l1:8545' });
    await apply('Secret', 'mychain-sequencer-key', { key: '0x01' });
    const check = await checkReferences(client, noBeacon());
    expect(check.problems.map((p) => p.reason)).toEqual(['BeaconRequired']);
  });
});

describe('configDigest', () => {
  const v = (name: string, value: string) => ({ kind: 'ConfigMap' as const, name, key: 'k', value });

  it('does not depend on the order of the references, and counts a duplicate once', () => {
    expect(configDigest([v('a', '1'), v('b', '2')])).toBe(
      configDigest([v('b', '2'), v('a', '1'), v('b', '2')]),
    );
  });

  it('tells apart a value moved to another object', () => {
    expect(configDigest([v('a', '1'), v('b', '2')])).not.toBe(configDigest([v('a', '2'), v('b', '1')]));
  });
});
