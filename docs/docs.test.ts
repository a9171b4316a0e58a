/**
 * The docs stand on their own: every `docs/design.md §N` that the code or the docs cite is a section of
 * docs/design.md, and every relative Markdown link in the README and docs/ names a file in the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && existsSync(path.join(root, file)));
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

describe('docs', () => {
  it('every cited section of docs/design.md exists', () => {
    const sections = new Set([...read('docs/design.md').matchAll(/^## (\d+)\./gm)].map((m) => m[1]));
    const cited = tracked
      .filter((file) => /\.(ts|js|md|sh|yaml)$/.test(file))
      .flatMap((file) =>
        [...read(file).matchAll(/design\.md\s*\)?\s*§(\d+)/g)].map((m) => ({ file, section: m[1]! })),
      );
    expect(cited.length).toBeGreaterThan(5);
    expect(cited.filter(({ section }) => !sections.has(section))).toEqual([]);
  });

  it('nothing points at a design document outside the repository', () => {
    const outside = tracked
      .filter((file) => /\.(ts|js|md|sh)$/.test(file) && file !== 'docs/docs.test.ts')
      .filter((file) => /\bDESIGN(\.md)?\b/.test(read(file)));
    expect(outside).toEqual([]);
  });

  it('relative links in the README and docs/ resolve', () => {
    const broken = tracked
      .filter((file) => file.endsWith('.md'))
      .flatMap((file) =>
        [...read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
          .map((m) => m[1]!)
          .filter((target) => !/^[a-z]+:/.test(target))
          .filter((target) => !existsSync(path.resolve(root, path.dirname(file), target)))
          .map((target) => `${file} → ${target}`),
      );
    expect(broken).toEqual([]);
  });
});
