/**
 * Where `proto/raft.proto` lives. Sources run in place (tsx, jest) from `conductor/transport/`, the
 * build runs from `dist/conductor/transport/`; both are below the package root, so walk up from this
 * module until a directory holding `proto/raft.proto` appears instead of hard-coding a depth.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RELATIVE = join('proto', 'raft.proto');

export function findRaftProto(startUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(startUrl));
  for (;;) {
    const candidate = join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`proto/raft.proto not found above ${fileURLToPath(startUrl)}`);
    dir = parent;
  }
}
