/**
 * `baton conductor` as a process: a SIGTERM while it still waits for op-node (a member whose op-node image
 * cannot be pulled) ends it at once with exit code 0. In a pod the conductor is PID 1, where a signal
 * without a handler is dropped, so this handler is what lets such a pod stop before its grace period ends.
 */
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { batonEntry, freePort } from '../localcluster/cluster.js';

jest.setTimeout(120_000);

it('a SIGTERM while waiting for op-node exits 0 at once', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-conductor-cmd-'));
  const unreachable = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    process.execPath,
    [
      ...batonEntry(),
      'conductor',
      '--consensus.addr=127.0.0.1',
      `--consensus.port=${await freePort()}`,
      '--raft.server.id=a',
      `--raft.storage.dir=${dir}`,
      `--node.rpc=${unreachable}`,
      `--execution.rpc=${unreachable}`,
      '--healthcheck.interval=1',
      '--healthcheck.unsafe-interval=5',
      '--healthcheck.min-peer-count=1',
      '--rpc.addr=127.0.0.1',
      `--rpc.port=${await freePort()}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"waiting for op-node"')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`conductor exited (${code}) before waiting: ${output}`)));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const sent = Date.now();
    child.kill('SIGTERM');
    // Killed by the signal (no handler) would be { code: null, signal: 'SIGTERM' }.
    expect(await exited).toEqual({ code: 0, signal: null });
    // Its retry interval is 5 s: exiting well within it shows the wait was cut short, not finished.
    expect(Date.now() - sent).toBeLessThan(3_000);
    expect(output).toContain('"stopping conductor while it starts"');
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
