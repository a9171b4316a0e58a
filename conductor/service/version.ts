import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package version, read once from package.json (found from sources and from dist/ alike). */
function readVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'baton' && pkg.version) return pkg.version;
    } catch {
      /* keep walking up */
    }
    dir = path.dirname(dir);
  }
  return '0.0.0-unknown';
}

export const BATON_VERSION = readVersion();
