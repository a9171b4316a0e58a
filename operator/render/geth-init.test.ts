/**
 * The op-geth init script, run for real with /bin/sh, sha256sum, od, gunzip and wget (what the upstream
 * Alpine image and the lab's BusyBox image provide), against a stand-in `geth` that records how it was
 * called. The script's fixed paths (/data/geth, /etc/baton/chain, /tmp) are moved into a temporary
 * directory; nothing else of it is changed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { GETH_INIT_SCRIPT } from './op-geth.js';

const execFileP = promisify(execFile);
const GENESIS = JSON.stringify({ config: { chainId: 901 }, alloc: {}, gasLimit: '0x1c9c380' });
const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

let dir = '';
let server: Server;
let served: Buffer = Buffer.from(GENESIS);
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/genesis.json') res.end(served);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'geth-init-'));
  await mkdir(join(dir, 'data/geth'), { recursive: true });
  await mkdir(join(dir, 'chain'));
  await mkdir(join(dir, 'tmp'));
  // The stand-in geth: records its arguments and the genesis it was given.
  await writeFile(
    join(dir, 'geth'),
    `#!/bin/sh\necho "$@" >>"${dir}/calls"\nfor a; do last=$a; done\ncp "$last" "${dir}/initialised-with"\n`,
  );
  await chmod(join(dir, 'geth'), 0o755);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function runInit(env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const moved: Record<string, string> = {
    '/data/geth': `${dir}/data/geth`,
    '/etc/baton/chain': `${dir}/chain`,
    '/tmp/': `${dir}/tmp/`,
  };
  const script = GETH_INIT_SCRIPT.replace(/\/data\/geth|\/etc\/baton\/chain|\/tmp\//g, (p) => moved[p] ?? p);
  try {
    const { stdout, stderr } = await execFileP('sh', ['-c', script, 'op-geth-init', join(dir, 'geth')], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', STATE_SCHEME: 'path', ...env },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}
const calls = async (): Promise<string[]> =>
  (await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

it('initialises a fresh datadir from the ConfigMap file once, then leaves it alone', async () => {
  await writeFile(join(dir, 'chain/genesis'), GENESIS);
  const first = await runInit();
  expect(first.code).toBe(0);
  expect(await calls()).toEqual([`init --datadir=${dir}/data/geth --state.scheme=path ${dir}/chain/genesis`]);
  expect(await readFile(join(dir, 'data/geth/.baton-genesis-sha256'), 'utf8')).toBe(`${sha256(GENESIS)}\n`);

  // A restart, even with an edited (here: reformatted) genesis, does not run geth init again.
  await writeFile(join(dir, 'chain/genesis'), JSON.stringify(JSON.parse(GENESIS), null, 2));
  const second = await runInit();
  expect(second.code).toBe(0);
  expect(second.out).toContain(`was initialised with genesis sha256 ${sha256(GENESIS)}; nothing to do`);
  expect(await calls()).toHaveLength(1);
});

it('decompresses a gzip genesis (ConfigMap binaryData) before geth init', async () => {
  const gz = gzipSync(GENESIS);
  await writeFile(join(dir, 'chain/genesis'), gz);
  expect((await runInit()).code).toBe(0);
  expect(await readFile(join(dir, 'initialised-with'), 'utf8')).toBe(GENESIS);
  expect(await readFile(join(dir, 'data/geth/.baton-genesis-sha256'), 'utf8')).toBe(`${sha256(gz)}\n`);
});

it('downloads genesisUrl and checks it against its SHA-256', async () => {
  served = gzipSync(GENESIS);
  const ok = await runInit({ GENESIS_URL: `${baseUrl}/genesis.json`, GENESIS_SHA256: sha256(served) });
  expect(ok.code).toBe(0);
  expect(await readFile(join(dir, 'initialised-with'), 'utf8')).toBe(GENESIS);
});

it('refuses a download whose checksum differs, and a URL that fails, without touching the datadir', async () => {
  served = Buffer.from(GENESIS);
  const wrong = await runInit({ GENESIS_URL: `${baseUrl}/genesis.json`, GENESIS_SHA256: 'a'.repeat(64) });
  expect(wrong.code).not.toBe(0);
  expect(wrong.out).toContain(
    `has sha256 ${sha256(served)} but spec.chain.genesisUrl.sha256 is ${'a'.repeat(64)}`,
  );
  const missing = await runInit({ GENESIS_URL: `${baseUrl}/nope.json`, GENESIS_SHA256: sha256(served) });
  expect(missing.code).not.toBe(0);
  expect(missing.out).toContain('downloading');
  expect(missing.out).toContain('failed; check spec.chain.genesisUrl.url');
  expect(await calls()).toEqual([]);
  await expect(readFile(join(dir, 'data/geth/.baton-genesis-sha256'))).rejects.toThrow();
});

it('a failing geth init leaves no marker, so the next start tries again', async () => {
  await writeFile(join(dir, 'chain/genesis'), GENESIS);
  await writeFile(join(dir, 'geth'), '#!/bin/sh\necho "Fatal: incompatible genesis" >&2\nexit 1\n');
  const failed = await runInit();
  expect(failed.code).not.toBe(0);
  expect(failed.out).toContain('incompatible genesis');
  await expect(readFile(join(dir, 'data/geth/.baton-genesis-sha256'))).rejects.toThrow();
});
