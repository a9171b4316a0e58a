/**
 * The JSON-RPC server against op-conductor / geth behaviour: results and their exact bytes, parameter
 * validation texts, envelope handling, batches, HTTP checks, proxy gating, the admin token and stop.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createRpcMetrics } from './metrics.js';
import {
  startConductorRpcServer,
  type ConductorRpcServer,
  type ConductorRpcServerOptions,
} from './server.js';
import { FakeCluster, type FakeConductor } from './testing/fake-cluster.js';
import { call, err, ok, post, postChunked } from './testing/http-helpers.js';

let cluster: FakeCluster;
let leader: FakeConductor;
let follower: FakeConductor;
const servers: ConductorRpcServer[] = [];

async function serve(backend: FakeConductor, opts: Partial<ConductorRpcServerOptions> = {}): Promise<string> {
  const server = await startConductorRpcServer({
    backend,
    host: '127.0.0.1',
    port: 0,
    version: 'v1.2.3',
    ...opts,
  });
  servers.push(server);
  return server.url;
}

beforeEach(() => {
  cluster = new FakeCluster();
  leader = cluster.add('seq-0', '127.0.0.1:50050');
  follower = cluster.add('seq-1', '127.0.0.1:50051');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('health', () => {
  it('serves GET /healthz and health_status with the version', async () => {
    const url = await serve(leader);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"version":"v1.2.3"}\n');
    expect(await call(url, 'health_status')).toBe(ok('v1.2.3'));
  });

  it('GET /hand-off: a follower answers at once, a leader once it no longer leads or when the wait ends', async () => {
    const followerUrl = await serve(follower);
    expect(await (await fetch(`${followerUrl}/hand-off`)).text()).toBe('{"leader":false}\n');

    const leaderUrl = await serve(leader);
    const started = Date.now();
    const timedOut = await fetch(`${leaderUrl}/hand-off?timeout=0.3`);
    expect(timedOut.status).toBe(200);
    expect(await timedOut.text()).toBe('{"leader":true}\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    const pending = fetch(`${leaderUrl}/hand-off`).then((r) => r.text());
    setTimeout(() => (cluster.leaderId = follower.id), 100);
    expect(await pending).toBe('{"leader":false}\n');
    // Not a JSON-RPC path for anything else: a POST there is still a 404.
    expect((await fetch(`${leaderUrl}/hand-off`, { method: 'POST' })).status).toBe(404);
  });

  it('lists namespaces in rpc_modules, with or without proxies', async () => {
    const url = await serve(leader);
    expect(await call(url, 'rpc_modules')).toBe(
      ok({
        admin: '1.0',
        baton: '1.0',
        conductor: '1.0',
        eth: '1.0',
        health: '1.0',
        miner: '1.0',
        optimism: '1.0',
        rpc: '1.0',
      }),
    );
    const noProxy = await serve(leader, { enableProxy: false });
    expect(await call(noProxy, 'rpc_modules')).toBe(
      ok({ baton: '1.0', conductor: '1.0', health: '1.0', rpc: '1.0' }),
    );
  });
});

describe('conductor_* results', () => {
  it('answers the status reads with booleans', async () => {
    const url = await serve(leader);
    for (const m of ['paused', 'stopped', 'leaderOverridden'])
      expect(await call(url, `conductor_${m}`)).toBe(ok(false));
    for (const m of ['sequencerHealthy', 'leader', 'active'])
      expect(await call(url, `conductor_${m}`)).toBe(ok(true));
    expect(await call(await serve(follower), 'conductor_leader')).toBe(ok(false));
  });

  it('void methods answer null', async () => {
    const url = await serve(leader);
    expect(await call(url, 'conductor_pause')).toBe(ok(null));
    expect(await call(url, 'conductor_active')).toBe(ok(false));
    expect(await call(url, 'conductor_paused')).toBe(ok(true));
    expect(await call(url, 'conductor_resume')).toBe(ok(null));
    expect(await call(url, 'conductor_active')).toBe(ok(true));
  });

  it('leaderWithID: the leader, the zero value without one, the placeholder when overridden', async () => {
    const url = await serve(follower);
    expect(await call(url, 'conductor_leaderWithID')).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"id":"seq-0","addr":"127.0.0.1:50050","suffrage":0}}\n',
    );
    cluster.leaderId = null;
    expect(await call(url, 'conductor_leaderWithID')).toBe(ok({ id: '', addr: '', suffrage: 0 }));
    expect(await call(url, 'conductor_overrideLeader', [true])).toBe(ok(null));
    expect(await call(url, 'conductor_leader')).toBe(ok(true));
    expect(await call(url, 'conductor_leaderOverridden')).toBe(ok(true));
    expect(await call(url, 'conductor_leaderWithID')).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"id":"N/A (Leader overridden)","addr":"N/A","suffrage":0}}\n',
    );
    expect(await call(url, 'conductor_overrideLeader', [false])).toBe(ok(null));
    expect(await call(url, 'conductor_leader')).toBe(ok(false));
  });

  it('clusterMembership: integer suffrage and version, exact shape', async () => {
    cluster.servers.push({ id: 'seq-2', addr: '127.0.0.1:50052', suffrage: 1 });
    cluster.version = 17;
    const url = await serve(follower);
    expect(await call(url, 'conductor_clusterMembership')).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"servers":[' +
        '{"id":"seq-0","addr":"127.0.0.1:50050","suffrage":0},' +
        '{"id":"seq-1","addr":"127.0.0.1:50051","suffrage":0},' +
        '{"id":"seq-2","addr":"127.0.0.1:50052","suffrage":1}],"version":17}}\n',
    );
  });

  it('membership changes pass id, addr and version through and return backend errors verbatim', async () => {
    const url = await serve(leader);
    const v = cluster.version;
    expect(await call(url, 'conductor_addServerAsNonvoter', ['seq-2', 'h:2', v])).toBe(ok(null));
    expect(await call(url, 'conductor_addServerAsVoter', ['seq-2', 'h:2', v])).toBe(
      err(-32000, `configuration changed since ${v} (latest is ${v + 1})`),
    );
    expect(await call(url, 'conductor_addServerAsVoter', ['seq-2', 'h:2', 0])).toBe(ok(null));
    expect(await call(url, 'conductor_demoteVoter', ['seq-2', 0])).toBe(ok(null));
    expect(await call(url, 'conductor_removeServer', ['seq-2', cluster.version])).toBe(ok(null));
    expect(leader.log).toEqual([
      `addServerAsNonvoter(seq-2,h:2,${v})`,
      `addServerAsVoter(seq-2,h:2,${v})`,
      'addServerAsVoter(seq-2,h:2,0)',
      'demoteVoter(seq-2,0)',
      `removeServer(seq-2,${v + 3})`,
    ]);
    const f = await serve(follower);
    expect(await call(f, 'conductor_removeServer', ['seq-0', 0])).toBe(err(-32000, 'node is not the leader'));
    expect(await call(f, 'conductor_transferLeaderToServer', ['seq-0', '127.0.0.1:50050'])).toBe(
      err(-32000, 'node is not the leader'),
    );
    // transferLeader on a follower succeeds: op-conductor swallows ErrNotLeader.
    expect(await call(f, 'conductor_transferLeader')).toBe(ok(null));
  });

  it('transferLeaderToServer moves leadership', async () => {
    const url = await serve(leader);
    expect(await call(url, 'conductor_transferLeaderToServer', ['seq-1', '127.0.0.1:50051'])).toBe(ok(null));
    expect(cluster.leaderId).toBe('seq-1');
  });
});

describe('conductor_commitUnsafePayload', () => {
  const envelope = {
    parentBeaconBlockRoot: `0x${'11'.repeat(32)}`,
    executionPayload: { blockNumber: '0x64', blockHash: `0x${'22'.repeat(32)}`, transactions: [] },
  };

  it('hands the decoded envelope object to the backend and answers null', async () => {
    const url = await serve(leader);
    expect(await call(url, 'conductor_commitUnsafePayload', [envelope])).toBe(ok(null));
    expect(leader.committed).toEqual([envelope]);
  });

  it('returns the backend error on a follower', async () => {
    const url = await serve(follower);
    expect(await call(url, 'conductor_commitUnsafePayload', [envelope])).toBe(
      err(-32000, 'failed to apply payload envelope: node is not the leader'),
    );
  });

  it('rejects non-objects like Go and a missing envelope with the SSZ missing-data error', async () => {
    const url = await serve(leader);
    expect(await call(url, 'conductor_commitUnsafePayload', ['0x00'])).toBe(
      err(
        -32602,
        'invalid argument 0: json: cannot unmarshal string into Go value of type eth.ExecutionPayloadEnvelope',
      ),
    );
    const missing = err(
      -32000,
      'failed to marshal payload envelope: execution payload envelope is missing data',
    );
    expect(await call(url, 'conductor_commitUnsafePayload', [])).toBe(missing);
    expect(await call(url, 'conductor_commitUnsafePayload', [null])).toBe(missing);
    expect(leader.committed).toEqual([]);
  });

  it('accepts an envelope of a 5 MB block (over 10 MB of JSON hex)', async () => {
    const url = await serve(leader);
    const tx = `0x${'ab'.repeat(128 * 1024)}`;
    const big = {
      ...envelope,
      executionPayload: { ...envelope.executionPayload, transactions: Array(40).fill(tx) },
    };
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'conductor_commitUnsafePayload',
      params: [big],
    });
    expect(body.length).toBeGreaterThan(10 * 1024 * 1024);
    expect((await post(url, body)).text).toBe(ok(null));
    expect(leader.committed).toHaveLength(1);
  });
});

describe('parameter validation (geth texts, code -32602)', () => {
  const cases: [string, unknown, string][] = [
    ['conductor_overrideLeader', [], 'missing value for required argument 0'],
    ['conductor_overrideLeader', undefined, 'missing value for required argument 0'],
    ['conductor_overrideLeader', null, 'missing value for required argument 0'],
    [
      'conductor_overrideLeader',
      ['true'],
      'invalid argument 0: json: cannot unmarshal string into Go value of type bool',
    ],
    [
      'conductor_overrideLeader',
      [1],
      'invalid argument 0: json: cannot unmarshal number into Go value of type bool',
    ],
    ['conductor_overrideLeader', [true, 1], 'too many arguments, want at most 1'],
    ['conductor_overrideLeader', { override: true }, 'non-array args'],
    ['conductor_leader', [1], 'too many arguments, want at most 0'],
    ['conductor_pause', [true], 'too many arguments, want at most 0'],
    ['conductor_addServerAsVoter', ['a', 'b'], 'missing value for required argument 2'],
    [
      'conductor_addServerAsVoter',
      [1, 'b', 0],
      'invalid argument 0: json: cannot unmarshal number into Go value of type string',
    ],
    [
      'conductor_addServerAsVoter',
      ['a', {}, 0],
      'invalid argument 1: json: cannot unmarshal object into Go value of type string',
    ],
    [
      'conductor_addServerAsVoter',
      ['a', 'b', '0x1'],
      'invalid argument 2: json: cannot unmarshal string into Go value of type uint64',
    ],
    [
      'conductor_addServerAsVoter',
      ['a', 'b', -1],
      'invalid argument 2: json: cannot unmarshal number -1 into Go value of type uint64',
    ],
    [
      'conductor_addServerAsVoter',
      ['a', 'b', 1.5],
      'invalid argument 2: json: cannot unmarshal number 1.5 into Go value of type uint64',
    ],
    ['conductor_addServerAsNonvoter', ['a', 'b', 0, 0], 'too many arguments, want at most 3'],
    ['conductor_removeServer', ['a'], 'missing value for required argument 1'],
    [
      'conductor_removeServer',
      [true, 0],
      'invalid argument 0: json: cannot unmarshal bool into Go value of type string',
    ],
    [
      'conductor_demoteVoter',
      ['a', [1]],
      'invalid argument 1: json: cannot unmarshal array into Go value of type uint64',
    ],
    // The docs example sends a third (version) argument; the method takes two.
    ['conductor_transferLeaderToServer', ['a', 'b', 0], 'too many arguments, want at most 2'],
    ['conductor_transferLeaderToServer', ['a'], 'missing value for required argument 1'],
    ['conductor_commitUnsafePayload', [{}, {}], 'too many arguments, want at most 1'],
  ];
  it.each(cases)('%s %j → %s', async (method, params, message) => {
    const url = await serve(leader);
    expect(await call(url, method, params)).toBe(err(-32602, message));
    expect(leader.log.filter((l) => !l.startsWith('leader'))).toEqual([]);
  });

  it('decodes JSON null as the Go zero value', async () => {
    const url = await serve(leader);
    leader.override = true;
    expect(await call(url, 'conductor_overrideLeader', [null])).toBe(ok(null));
    expect(leader.override).toBe(false);
    expect(await call(url, 'conductor_addServerAsNonvoter', [null, null, null])).toBe(ok(null));
    expect(leader.log).toContain('addServerAsNonvoter(,,0)');
  });
});

describe('JSON-RPC envelope and batches', () => {
  let url: string;
  beforeEach(async () => {
    url = await serve(leader);
  });

  it('unknown methods are -32601 with geth text', async () => {
    expect(await call(url, 'conductor_foo')).toBe(
      err(-32601, 'the method conductor_foo does not exist/is not available'),
    );
    // Wrong capitalisation does not exist either.
    expect(await call(url, 'conductor_leaderWithId')).toBe(
      err(-32601, 'the method conductor_leaderWithId does not exist/is not available'),
    );
    expect(await call(url, 'eth_subscribe', ['newHeads'])).toBe(err(-32601, 'notifications not supported'));
  });

  it('malformed JSON is a parse error without a trailing newline; an empty body answers nothing', async () => {
    for (const body of ['{', '{"jsonrpc":"2.0",', 'nope', '[1,]', '\u0000']) {
      const res = await post(url, body);
      expect(res.status).toBe(200);
      expect(res.text).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
    }
    const empty = await post(url, '  ');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
  });

  it('invalid requests are -32600, echoing a valid id', async () => {
    const invalid = (id: string): string =>
      `{"jsonrpc":"2.0","id":${id},"error":{"code":-32600,"message":"invalid request"}}\n`;
    expect((await post(url, '{"id":7,"method":"conductor_leader"}')).text).toBe(invalid('7'));
    expect((await post(url, '{"jsonrpc":"1.0","id":"x","method":"conductor_leader"}')).text).toBe(
      invalid('"x"'),
    );
    expect((await post(url, '{"jsonrpc":"2.0","id":3,"method":5}')).text).toBe(invalid('3'));
    expect((await post(url, '{"jsonrpc":"2.0","id":{},"method":"conductor_leader"}')).text).toBe(
      invalid('null'),
    );
    expect((await post(url, '5')).text).toBe(invalid('null'));
    expect((await post(url, 'null')).text).toBe(invalid('null'));
  });

  it('null ids are valid ids, notifications are run but not answered, field names are case-insensitive', async () => {
    expect((await post(url, '{"jsonrpc":"2.0","id":null,"method":"conductor_leader"}')).text).toBe(
      '{"jsonrpc":"2.0","id":null,"result":true}\n',
    );
    const notif = await post(url, '{"jsonrpc":"2.0","method":"conductor_pause"}');
    expect(notif.text).toBe('');
    expect(leader.isPaused).toBe(true);
    expect((await post(url, '{"JSONRPC":"2.0","Id":"a","Method":"conductor_paused"}')).text).toBe(
      '{"jsonrpc":"2.0","id":"a","result":true}\n',
    );
  });

  it('batches answer per call in order and skip notifications and responses', async () => {
    const body = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'conductor_leader' },
      { jsonrpc: '2.0', method: 'conductor_pause' },
      { jsonrpc: '2.0', id: 2, method: 'conductor_nope' },
      { jsonrpc: '2.0', id: 3, result: true },
      { jsonrpc: '2.0', id: 4, method: 'conductor_paused' },
      'junk',
      { jsonrpc: '2.0', id: 5, method: 'conductor_overrideLeader', params: [] },
    ]);
    expect((await post(url, body)).text).toBe(
      '[{"jsonrpc":"2.0","id":1,"result":true},' +
        '{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"the method conductor_nope does not exist/is not available"}},' +
        '{"jsonrpc":"2.0","id":4,"result":true},' +
        '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}},' +
        '{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"missing value for required argument 0"}}]\n',
    );
  });

  it('an empty batch is one error object; an all-notification batch answers nothing', async () => {
    expect((await post(url, '[]')).text).toBe(
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}',
    );
    expect((await post(url, '[{"jsonrpc":"2.0","method":"conductor_resume"}]')).text).toBe('');
  });

  it('a batch over the limit is refused as a whole', async () => {
    const small = await serve(leader, { maxBatchSize: 2 });
    const body = JSON.stringify([1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, method: 'conductor_leader' })));
    expect((await post(small, body)).text).toBe(
      '[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"batch too large"}}]',
    );
  });

  it('escapes HTML characters in strings like Go', async () => {
    leader.pause = async () => {
      throw new Error('a <b> & c');
    };
    expect(await call(url, 'conductor_pause')).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"a \\u003cb\\u003e \\u0026 c"}}\n',
    );
  });
});

describe('HTTP layer', () => {
  let url: string;
  beforeEach(async () => {
    url = await serve(leader, { maxBodyBytes: 1024 });
  });

  it('applies geth request checks', async () => {
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([put.status, await put.text()]).toEqual([405, 'method not allowed\n']);
    const plain = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect([plain.status, await plain.text()]).toEqual([
      415,
      'invalid content type, only application/json is supported\n',
    ]);
    const get = await fetch(url);
    expect([get.status, await get.text()]).toEqual([200, '']);
    const other = await fetch(`${url}/foo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(other.status).toBe(404);
    const charset = await post(url, '{"jsonrpc":"2.0","id":1,"method":"conductor_leader"}', {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(charset.text).toBe(ok(true));
  });

  it('refuses oversized bodies with and without Content-Length, and keeps serving', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'conductor_leader',
      params: ['x'.repeat(2000)],
    });
    const res = await post(url, big);
    expect(res.status).toBe(413);
    expect(res.text).toBe(`content length too large (${big.length}>1024)\n`);
    const chunked = await postChunked(url, [Buffer.from(big.slice(0, 800)), Buffer.from(big.slice(800))]);
    expect(chunked.status).toBe(413);
    expect(chunked.text).toMatch(/^content length too large \(\d+>1024\)\n$/);
    expect(await call(url, 'conductor_leader')).toBe(ok(true));
  });
});

describe('leader-gated proxies', () => {
  const block = { number: '0x10', hash: `0x${'33'.repeat(32)}` };

  beforeEach(() => {
    for (const n of [leader, follower]) {
      n.execution = async (method, params) =>
        method === 'eth_getBlockByNumber' ? { ...block, params } : true;
      n.node = async (method, params) => ({ method, params });
    }
  });

  it('the leader answers with the upstream result; the request is normalised like geth', async () => {
    const url = await serve(leader);
    expect(await call(url, 'eth_getBlockByNumber', ['0x10', false])).toBe(
      ok({ ...block, params: ['0x10', false] }),
    );
    expect(await call(url, 'eth_getBlockByNumber', ['latest', true])).toBe(
      ok({ ...block, params: ['latest', true] }),
    );
    expect(await call(url, 'optimism_outputAtBlock', ['0xff'])).toBe(
      ok({ method: 'optimism_outputAtBlock', params: ['0xff'] }),
    );
    expect(await call(url, 'optimism_syncStatus')).toBe(ok({ method: 'optimism_syncStatus', params: [] }));
    expect(await call(url, 'optimism_rollupConfig')).toBe(
      ok({ method: 'optimism_rollupConfig', params: [] }),
    );
    expect(await call(url, 'admin_sequencerActive')).toBe(
      ok({ method: 'admin_sequencerActive', params: [] }),
    );
    expect(await call(url, 'miner_setMaxDASize', ['0x100', '0x0200'])).toBe(
      err(
        -32602,
        'invalid argument 1: json: cannot unmarshal hex number with leading zero digits into Go value of type *hexutil.Big',
      ),
    );
    expect(await call(url, 'miner_setMaxDASize', ['0x100', ''])).toBe(ok(true));
  });

  it('a follower calls upstream first, then refuses', async () => {
    const url = await serve(follower);
    const refuse = err(-32000, 'refusing to proxy request to non-leader sequencer');
    for (const [method, params] of [
      ['eth_getBlockByNumber', ['latest', false]],
      ['optimism_outputAtBlock', ['0x1']],
      ['optimism_syncStatus', []],
      ['optimism_rollupConfig', []],
      ['admin_sequencerActive', []],
    ] as const) {
      follower.log.length = 0;
      expect(await call(url, method, params)).toBe(refuse);
      expect(follower.log).toEqual([
        `${method.startsWith('eth') ? 'execution' : 'node'}:${method}`,
        'leader',
      ]);
    }
    // miner_setMaxDASize is not gated.
    follower.log.length = 0;
    expect(await call(url, 'miner_setMaxDASize', ['0x1', '0x2'])).toBe(ok(true));
    expect(follower.log).toEqual(['execution:miner_setMaxDASize']);
  });

  it('upstream errors win over the leader check and keep their code', async () => {
    const { RpcError } = await import('./errors.js');
    follower.node = async () => {
      throw new RpcError(-32601, 'the method optimism_syncStatus does not exist/is not available');
    };
    follower.execution = async () => {
      throw new Error('Post "http://geth:8545": dial tcp: connection refused');
    };
    const url = await serve(follower);
    expect(await call(url, 'optimism_syncStatus')).toBe(
      err(-32601, 'the method optimism_syncStatus does not exist/is not available'),
    );
    expect(await call(url, 'eth_getBlockByNumber', ['latest', false])).toBe(
      err(-32000, 'Post "http://geth:8545": dial tcp: connection refused'),
    );
    expect(follower.log).not.toContain('leader');
    // miner_setMaxDASize passes the execution client's failure on, as op-conductor v1.19.6 does.
    expect(await call(url, 'miner_setMaxDASize', ['0x1', '0x2'])).toBe(
      err(-32000, 'Post "http://geth:8545": dial tcp: connection refused'),
    );
  });

  it('the override counts as leader', async () => {
    follower.override = true;
    const url = await serve(follower);
    expect(await call(url, 'optimism_syncStatus')).toBe(ok({ method: 'optimism_syncStatus', params: [] }));
  });

  it('validates proxy params like geth', async () => {
    const url = await serve(leader);
    expect(await call(url, 'eth_getBlockByNumber', [16, false])).toBe(
      err(-32602, 'invalid argument 0: hex string without 0x prefix'),
    );
    expect(await call(url, 'eth_getBlockByNumber', ['0x', false])).toBe(
      err(-32602, 'invalid argument 0: hex string "0x"'),
    );
    expect(await call(url, 'eth_getBlockByNumber', ['0x01', false])).toBe(
      err(-32602, 'invalid argument 0: hex number with leading zero digits'),
    );
    expect(await call(url, 'eth_getBlockByNumber', ['latest'])).toBe(
      err(-32602, 'missing value for required argument 1'),
    );
    expect(await call(url, 'optimism_outputAtBlock', [1])).toBe(
      err(-32602, 'invalid argument 0: json: cannot unmarshal number into Go value of type string'),
    );
    expect(await call(url, 'optimism_outputAtBlock', ['12'])).toBe(
      err(-32000, 'failed to decode block number: hex string without 0x prefix'),
    );
    expect(await call(url, 'miner_setMaxDASize', [1, '0x1'])).toBe(
      err(-32602, 'invalid argument 0: json: cannot unmarshal non-string into Go value of type *hexutil.Big'),
    );
    expect(leader.log).toEqual([]);
  });

  it('are absent with enableProxy=false', async () => {
    const url = await serve(leader, { enableProxy: false });
    expect(await call(url, 'optimism_syncStatus')).toBe(
      err(-32601, 'the method optimism_syncStatus does not exist/is not available'),
    );
  });
});

describe('admin token', () => {
  const token = 's3cret';
  const auth = { authorization: `Bearer ${token}` };
  let url: string;
  beforeEach(async () => {
    url = await serve(leader, { adminToken: token });
    leader.node = async () => true;
  });

  it('guards the mutating admin methods only', async () => {
    const denied = (m: string): string =>
      err(-32001, `unauthorized: ${m} needs the admin token in an "Authorization: Bearer" header`);
    const guarded: [string, unknown[]][] = [
      ['conductor_overrideLeader', [true]],
      ['conductor_pause', []],
      ['conductor_resume', []],
      ['conductor_stop', []],
      ['conductor_addServerAsVoter', ['x', 'y', 0]],
      ['conductor_addServerAsNonvoter', ['x', 'y', 0]],
      ['conductor_removeServer', ['x', 0]],
      ['conductor_demoteVoter', ['x', 0]],
      ['conductor_transferLeader', []],
      ['conductor_transferLeaderToServer', ['x', 'y']],
    ];
    for (const [m, params] of guarded) {
      expect(await call(url, m, params)).toBe(denied(m));
      expect(await call(url, m, params, { authorization: 'Bearer wrong' })).toBe(denied(m));
    }
    expect(leader.log).toEqual([]);
    // op-node, batcher, proposer and monitors keep working without a token.
    for (const m of [
      'conductor_leader',
      'conductor_active',
      'conductor_clusterMembership',
      'admin_sequencerActive',
    ]) {
      expect(await call(url, m)).not.toContain('"error"');
    }
    expect(await call(url, 'conductor_commitUnsafePayload', [{ executionPayload: {} }])).toBe(ok(null));
    expect(await call(url, 'conductor_pause', [], auth)).toBe(ok(null));
    expect(leader.isPaused).toBe(true);
  });
});

describe('who may commit', () => {
  const commit = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'conductor_commitUnsafePayload',
    params: [{ executionPayload: {} }],
  });
  const refused = err(
    -32001,
    "unauthorized: conductor_commitUnsafePayload is accepted only from this host's op-node (loopback) or with the " +
      'admin token in an "Authorization: Bearer" header',
  );

  it('loopback callers commit with a token configured or commitLoopbackOnly (op-node in the same pod)', async () => {
    for (const opts of [{ adminToken: 't' }, { commitLoopbackOnly: true }]) {
      const url = await serve(leader, opts);
      expect(await call(url, 'conductor_commitUnsafePayload', [{ executionPayload: {} }])).toBe(ok(null));
    }
  });

  it('a caller from another host needs the token, once a token or commitLoopbackOnly is set', async () => {
    const { dispatch } = await import('./dispatch.js');
    const { methodTable, namespacesOf } = await import('./methods.js');
    const table = methodTable(true);
    const ctx = (commitAllowed: boolean) => ({
      table,
      env: {
        backend: leader,
        version: 'v',
        signal: new AbortController().signal,
        namespaces: namespacesOf(table),
      },
      authorized: true,
      commitAllowed,
      maxBatchSize: 10,
      onStop: () => {},
    });
    expect(await dispatch(commit, ctx(false))).toBe(refused);
    expect(await dispatch(commit, ctx(true))).toBe(ok(null));
  });

  it('tells loopback addresses from others', async () => {
    const { isLoopback } = await import('./server.js');
    for (const a of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['10.244.0.5', '::ffff:10.0.0.1', 'fe80::1', '2001:db8::1', undefined]) {
      expect(isLoopback(a)).toBe(false);
    }
  });
});

describe('conductor_stop', () => {
  it('answers, then closes the server so later calls fail at connection level', async () => {
    const server = await startConductorRpcServer({ backend: leader, host: '127.0.0.1', port: 0 });
    servers.push(server);
    expect(await call(server.url, 'conductor_stop')).toBe(ok(null));
    await server.closed;
    await expect(fetch(server.url, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(leader.isStopped).toBe(true);
  });

  it('keeps serving when the backend fails to stop', async () => {
    leader.stop = async () => {
      throw new Error('failed to stop: raft busy');
    };
    const url = await serve(leader);
    expect(await call(url, 'conductor_stop')).toBe(err(-32000, 'failed to stop: raft busy'));
    expect(await call(url, 'conductor_leader')).toBe(ok(true));
  });
});

describe('metrics', () => {
  it('counts requests and responses per method with op-conductor names', async () => {
    const registry = new Registry();
    const url = await serve(leader, { metrics: createRpcMetrics(registry) });
    await call(url, 'conductor_leader');
    await call(url, 'conductor_overrideLeader', []);
    await call(url, 'conductor_bogus');
    const text = await registry.metrics();
    expect(text).toContain('op_conductor_rpc_server_requests_total{rpc="main",method="conductor_leader"} 1');
    expect(text).toContain(
      'op_conductor_rpc_server_responses_total{rpc="main",method="conductor_leader",error="<nil>"} 1',
    );
    expect(text).toContain(
      'op_conductor_rpc_server_responses_total{rpc="main",method="conductor_overrideLeader",error="rpc_-32602"} 1',
    );
    expect(text).toContain('op_conductor_rpc_server_requests_total{rpc="main",method="<unknown>"} 1');
    expect(text).toContain(
      'op_conductor_rpc_server_request_duration_seconds_bucket{le="0.005",rpc="main",method="conductor_leader"}',
    );
  });
});
