/** ConductorClient against a real server on loopback: typed results and the three error kinds. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { describeRpcFailure, RpcError, RpcTransportError } from '../jsonrpc/errors.js';
import { ConductorClient } from './client.js';
import { startConductorRpcServer, type ConductorRpcServer } from './server.js';
import { FakeCluster, type FakeConductor } from './testing/fake-cluster.js';

let cluster: FakeCluster;
let leader: FakeConductor;
let server: ConductorRpcServer;
let client: ConductorClient;

beforeEach(async () => {
  cluster = new FakeCluster();
  leader = cluster.add('seq-0', '127.0.0.1:50050');
  cluster.add('seq-1', '127.0.0.1:50051', 1);
  server = await startConductorRpcServer({
    backend: leader,
    host: '127.0.0.1',
    port: 0,
    version: 'v9',
    adminToken: 't',
  });
  client = new ConductorClient(server.url, { token: 't', timeoutMs: 2000 });
});

afterEach(async () => {
  await server.close();
});

describe('ConductorClient', () => {
  it('returns typed results for every conductor method', async () => {
    expect(await client.leader()).toBe(true);
    expect(await client.active()).toBe(true);
    expect(await client.sequencerHealthy()).toBe(true);
    expect(await client.leaderWithID()).toEqual({ id: 'seq-0', addr: '127.0.0.1:50050', suffrage: 0 });
    expect(await client.clusterMembership()).toEqual({
      servers: [
        { id: 'seq-0', addr: '127.0.0.1:50050', suffrage: 0 },
        { id: 'seq-1', addr: '127.0.0.1:50051', suffrage: 1 },
      ],
      version: cluster.version,
    });
    expect(await client.raftStatus()).toEqual({
      id: 'seq-0',
      state: 'leader',
      term: 1,
      leader: 'seq-0',
      firstIndex: 1,
      lastIndex: cluster.version,
      commitIndex: cluster.version,
      appliedIndex: cluster.version,
      recovering: false,
      peers: [{ id: 'seq-1', matchIndex: cluster.version, lag: 0, lastContactMs: 5 }],
    });
    await client.pause();
    expect(await client.paused()).toBe(true);
    await client.resume();
    await client.overrideLeader(true);
    expect(await client.leaderOverridden()).toBe(true);
    await client.overrideLeader(false);
    await client.addServerAsVoter('seq-1', '127.0.0.1:50051');
    await client.demoteVoter('seq-1');
    await client.addServerAsVoter('seq-1', '127.0.0.1:50051');
    await client.addServerAsNonvoter('seq-2', '127.0.0.1:50052');
    await client.removeServer('seq-2');
    await client.transferLeaderToServer('seq-1', '127.0.0.1:50051');
    expect(await client.leader()).toBe(false);
    await client.transferLeader();
    expect(await client.stopped()).toBe(false);
    expect(await client.healthStatus()).toBe('v9');
    expect(leader.log).toContain('addServerAsVoter(seq-1,127.0.0.1:50051,0)');
  });

  it('carries the JSON-RPC code and verbatim message of a server error', async () => {
    const e = await client.addServerAsVoter('x', 'y', 999).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RpcError);
    const rpc = e as RpcError;
    expect(rpc.code).toBe(-32000);
    expect(rpc.message).toBe(`configuration changed since 999 (latest is ${cluster.version})`);
    expect(rpc.call).toEqual({ method: 'conductor_addServerAsVoter', url: server.url });
    expect(describeRpcFailure(rpc)).toBe(
      `conductor_addServerAsVoter on ${server.url} failed: configuration changed since 999 (latest is ${cluster.version}) (code -32000)`,
    );
    const noToken = new ConductorClient(server.url);
    await expect(noToken.pause()).rejects.toMatchObject({ code: -32001 });
  });

  it('reports an unreachable conductor, a timeout and an HTTP error status', async () => {
    const { url } = server;
    const hang = new ConductorClient(url, { token: 't', timeoutMs: 150 });
    leader.pause = () => new Promise(() => undefined);
    const timeout = await hang.pause().catch((err: unknown) => err);
    expect(timeout).toBeInstanceOf(RpcTransportError);
    expect((timeout as RpcTransportError).kind).toBe('timeout');
    expect((timeout as Error).message).toBe(
      `conductor at ${url} did not answer conductor_pause within 150 ms`,
    );

    const small = await startConductorRpcServer({
      backend: leader,
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 10,
    });
    const tooBig = await new ConductorClient(small.url).leader().catch((err: unknown) => err);
    await small.close();
    expect(tooBig).toMatchObject({ status: 413 });
    expect((tooBig as Error).message).toContain('HTTP 413');

    await server.close();
    const down = await client.leader().catch((err: unknown) => err);
    expect(down).toBeInstanceOf(RpcTransportError);
    expect((down as RpcTransportError).kind).toBe('network');
    expect((down as Error).message).toMatch(
      // A pooled keep-alive socket dropped by close() shows as "other side closed"; a new one is refused.
      new RegExp(`^cannot reach conductor at ${url} \\((.*ECONNREFUSED.*|other side closed)\\)$`),
    );
  });

  it('raftStatus is null from a conductor without Baton’s extension (op-conductor answers "method not found")', async () => {
    // geth's rpc server, as op-conductor runs it, for an unknown method.
    const goConductor = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id,
            error: { code: -32601, message: `the method ${method} does not exist/is not available` },
          }),
        );
      });
    });
    await new Promise<void>((r) => goConductor.listen(0, '127.0.0.1', r));
    const { port } = goConductor.address() as AddressInfo;
    try {
      const old = new ConductorClient(`http://127.0.0.1:${port}`, { timeoutMs: 2000 });
      expect(await old.raftStatus()).toBeNull();
      // Any other failure is still an error.
      await expect(old.leader()).rejects.toBeInstanceOf(RpcError);
    } finally {
      await new Promise((r) => goConductor.close(r));
    }
  });
});
