/**
 * `npm ci` on a supported Node.js must not warn: every package in the lock file accepts the oldest Node.js
 * that package.json's `engines` promises, and the Node.js running the tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(import.meta.dirname, '..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

interface LockPackage {
  readonly engines?: { readonly node?: string } | readonly string[];
  readonly optional?: boolean;
}

describe('engines', () => {
  const manifest = readJson('package.json') as { engines: { node: string } };
  const lock = readJson('package-lock.json') as { packages: Record<string, LockPackage> };
  const oldest = semver.minVersion(manifest.engines.node)!.version;

  it.each([
    ['the oldest supported Node.js', oldest],
    ['this Node.js', process.versions.node],
  ])('every locked package accepts %s (%s)', (_what, version) => {
    const refusing = Object.entries(lock.packages)
      .filter(([name, pkg]) => name !== '' && !pkg.optional)
      .flatMap(([name, pkg]) => {
        const range = Array.isArray(pkg.engines)
          ? undefined
          : (pkg.engines as { node?: string } | undefined)?.node;
        return range && !semver.satisfies(version, range) ? [`${name} wants node ${range}`] : [];
      });
    expect(refusing).toEqual([]);
  });

  it('promises a Node.js that is supported upstream and that this machine runs', () => {
    expect(semver.major(oldest)).toBeGreaterThanOrEqual(20);
    expect(semver.satisfies(process.versions.node, manifest.engines.node)).toBe(true);
  });
});
