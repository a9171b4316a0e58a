/**
 * An exclusive lock on a data directory, so two conductors (or a conductor and a `baton` repair tool)
 * never write the same WAL. Node has no flock(2), so the lock is a file created with O_EXCL holding the
 * owner's pid and process start time. A lock whose owner no longer runs is stale (the previous process
 * crashed) and is taken over. The start time matters in containers: a restarted conductor is often
 * pid 1 again, and a bare pid check would mistake the dead predecessor's lock for a live one.
 */
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeIfExists } from './fsutil.js';

export const LOCK_FILE = 'LOCK';

interface LockOwner {
  pid: number;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
  startTime: number | null;
  host: string;
}

/** Directories locked by this process (a second open in the same process must fail too). */
const heldHere = new Set<string>();

export class DirectoryLock {
  private constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  static async acquire(dir: string): Promise<DirectoryLock> {
    const key = await fs.realpath(dir);
    if (heldHere.has(key)) throw new Error(`storage directory ${dir} is already open in this process`);
    const file = path.join(dir, LOCK_FILE);
    const me: LockOwner = { pid: process.pid, startTime: startTimeOf(process.pid), host: os.hostname() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.writeFile(file, JSON.stringify(me) + '\n', { flag: 'wx' });
        heldHere.add(key);
        return new DirectoryLock(file, key);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(file);
      if (owner && isAlive(owner)) {
        throw new Error(
          `storage directory ${dir} is locked by pid ${owner.pid} on ${owner.host}; ` +
            `if no such process uses it, delete ${file}`,
        );
      }
      await removeIfExists(file);
    }
    throw new Error(`could not acquire ${file}: another process keeps taking it`);
  }

  async release(): Promise<void> {
    heldHere.delete(this.key);
    await removeIfExists(this.file);
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return { pid: parsed.pid, startTime: parsed.startTime ?? null, host: parsed.host };
  } catch {
    return null; // unreadable or half-written: its writer died before finishing, so it is stale
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another host (a shared volume): we cannot see its processes, so assume it is alive.
  if (owner.host !== os.hostname()) return true;
  // Our own pid but not held by us: a predecessor with the same pid (container restart).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTimeOf(owner.pid);
  return owner.startTime === null || now === null || now === owner.startTime;
}

function startTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
