import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mesh, startNode, until, type Node } from './testing/fixtures.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const describeTls = hasOpenssl() ? describe : describe.skip;

describeTls('mutual TLS', () => {
  let dir = '';
  const nodes: Node[] = [];
  const files = (ca: string, name: string) => ({
    caFile: join(dir, `${ca}.crt`),
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-tls-'));
    const run = (...args: string[]): void =>
      void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    writeFileSync(
      join(dir, 'ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
    );
    const issue = (ca: string, name: string): void => {
      run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.crt`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        'ext.cnf',
      );
    };
    for (const ca of ['ca', 'rogue-ca']) {
      run(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${ca}`,
      );
    }
    issue('ca', 'a');
    issue('ca', 'b');
    issue('rogue-ca', 'mallory');
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.transport.close()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('members with certificates from the cluster CA talk', async () => {
    const a = await startNode('a', { tls: files('ca', 'a') });
    const b = await startNode('b', { tls: files('ca', 'b') });
    nodes.push(a, b);
    mesh([a, b]);
    a.transport.send({ type: 'TimeoutNow', from: 'a', to: 'b', term: 3 });
    b.transport.send({
      type: 'AppendResp',
      from: 'b',
      to: 'a',
      term: 3,
      success: true,
      index: 1,
      conflictIndex: 0,
      conflictTerm: 0,
    });
    await b.inbox.next((m) => m.type === 'TimeoutNow');
    await a.inbox.next((m) => m.type === 'AppendResp');
    await until(() => a.transport.stats()['b']?.connected === true);
  });

  test('a client certificate from another CA is refused', async () => {
    const a = await startNode('a', { tls: files('ca', 'a') });
    // Mallory trusts the cluster CA (so she accepts a's server certificate) but her own is rogue.
    const mallory = await startNode('mallory', {
      tls: {
        caFile: join(dir, 'ca.crt'),
        certFile: join(dir, 'mallory.crt'),
        keyFile: join(dir, 'mallory.key'),
      },
    });
    nodes.push(a, mallory);
    mallory.transport.setPeers(new Map([['a', `127.0.0.1:${a.port}`]]));
    mallory.transport.send({ type: 'TimeoutNow', from: 'mallory', to: 'a', term: 99 });
    await until(() => mallory.unreachable.includes('a'));
    await new Promise((r) => setTimeout(r, 300));
    expect(a.inbox.messages).toEqual([]);
    expect(a.transport.stats()['mallory']).toBeUndefined();
  });

  test('a plaintext client is refused', async () => {
    const a = await startNode('a', { tls: files('ca', 'a') });
    const plain = await startNode('plain');
    nodes.push(a, plain);
    plain.transport.setPeers(new Map([['a', `127.0.0.1:${a.port}`]]));
    plain.transport.send({ type: 'TimeoutNow', from: 'plain', to: 'a', term: 1 });
    await until(() => plain.unreachable.includes('a'));
    expect(a.inbox.messages).toEqual([]);
  });
});
