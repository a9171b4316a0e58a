/**
 * The Dockerfile users build the baton image with. No Docker engine or base-image registry is reachable
 * here, so the image itself cannot be built; what can go wrong in it is checked instead:
 * - its build stage, run by hand: exactly the paths it COPYs (after .dockerignore) are enough for
 *   bin/assemble-app.sh to compile the app, whose CLI then runs with no checkout next to it;
 * - it agrees with the lab's offline image (e2e/cluster/images.sh), which the end-to-end tests run: the
 *   same assembly script, the same Node.js version, user, entry point and sources.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { MEMBER_UID } from '../../operator/render/security.js';

jest.setTimeout(240_000);
const execFileP = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly stage: number;
}

/** Dockerfile instructions (continuation lines joined, comments dropped), numbered by build stage. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  let stage = -1;
  return joined.split('\n').flatMap((line) => {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) return [];
    if (m[1] === 'FROM') stage++;
    return [{ op: m[1]!, args: m[2]!.trim(), stage }];
  });
}

let instructions: Instruction[];
let imagesScript: string;

beforeAll(async () => {
  instructions = parseDockerfile(await readFile(path.join(repo, 'Dockerfile'), 'utf8'));
  imagesScript = await readFile(path.join(repo, 'e2e/cluster/images.sh'), 'utf8');
});

/** The build stage's COPY sources (relative to the context). */
const copiedPaths = (): string[] =>
  instructions
    .filter((i) => i.op === 'COPY' && i.stage === 0 && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

it('copies every source path the lab image is built from, and .dockerignore excludes none of them', async () => {
  const labSources = /source_paths=\(([^)]*)\)/.exec(imagesScript)![1]!.split(/\s+/).filter(Boolean);
  expect(new Set(copiedPaths())).toEqual(new Set(labSources));
  const ignored = (await readFile(path.join(repo, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of copiedPaths())
    expect({ p, ignored: ignored.includes(p.split('/')[0]!) }).toEqual({ p, ignored: false });
});

it('matches the lab image: Node.js version, non-root user, entry point, assembly script', () => {
  const nodeVersion = /^NODE_VERSION=(\S+)/m.exec(imagesScript)![1]!;
  const arg = instructions.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='))!;
  expect(arg.args).toBe(`NODE_IMAGE=node:${nodeVersion}-bookworm-slim`);
  const final = Math.max(...instructions.map((i) => i.stage));
  const at = (op: string) => instructions.filter((i) => i.op === op && i.stage === final).map((i) => i.args);
  expect(at('USER')).toEqual([`${MEMBER_UID}:${MEMBER_UID}`]);
  expect(/^BATON_UID=(\d+)/m.exec(imagesScript)![1]).toBe(String(MEMBER_UID));
  expect(at('ENTRYPOINT')).toEqual(['["/usr/local/bin/baton"]']);
  expect(imagesScript).toContain(`'["/usr/local/bin/baton"]'`);
  expect(instructions.filter((i) => i.op === 'RUN' && i.stage === 0).map((i) => i.args)).toContain(
    'bash bin/assemble-app.sh /src /app',
  );
  expect(imagesScript).toMatch(/bash "\$src\/bin\/assemble-app\.sh" "\$src" "\$r\/app" "\$mods"/);
});

it('its build stage, run on exactly what it copies, assembles an app that runs on its own', async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'baton-dockerfile-'));
  try {
    const context = path.join(work, 'src');
    for (const p of copiedPaths()) await cp(path.join(repo, p), path.join(context, p), { recursive: true });
    // `RUN npm ci` of the build stage: the checkout's installed dev dependencies, from the same lock file.
    await symlink(path.join(repo, 'node_modules'), path.join(context, 'node_modules'));
    const app = path.join(work, 'app');
    await execFileP('bash', [path.join(context, 'bin/assemble-app.sh'), context, app], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await rm(context, { recursive: true, force: true });
    const run = async (...args: string[]) =>
      (await execFileP(process.execPath, [path.join(app, 'bin/baton.js'), ...args], { cwd: work })).stdout;
    expect((await run('--version')).trim()).toBe(
      (JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version,
    );
    for (const command of ['operator', 'conductor', 'sim'])
      expect(await run(command, '--help')).toMatch(new RegExp(`Usage: baton ${command}`));
    // Only production dependencies: the test tools stay out of the image (typescript is an optional peer
    // of viem's abitype, so npm keeps it).
    expect(existsSync(path.join(app, 'node_modules/@kubernetes/client-node/package.json'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules/jest/package.json'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/@swc/jest/package.json'))).toBe(false);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
