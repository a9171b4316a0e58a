/**
 * One upstream or Baton process of the real-stack lab: spawned with its output in a log file (the auditor
 * reads op-node's), its last lines kept for error messages, and a readiness wait on its JSON-RPC endpoint
 * that reports progress and, on failure, says which process, what the last attempt got and its last lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import readline from 'node:readline';
import { sleep } from '../../conductor/localcluster/cluster.js';

export interface ProcessSpec {
  /** What the process is, for messages: "node-1 op-node". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** A JSON-RPC endpoint that answers once the process is up; null: do not wait. */
  readonly readyUrl: string | null;
  readonly readyMethod?: string;
}

export class LabProcess {
  readonly tail: string[] = [];
  /** Milliseconds from the last spawn to the first answer on readyUrl (null until it answered). */
  readyAfterMs: number | null = null;
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (again) and waits for its endpoint; progress every 10 s, failure after `timeoutMs`. */
  async start(progress: (line: string) => void, timeoutMs = 120_000): Promise<void> {
    this.log = createWriteStream(this.spec.logFile, { flags: 'a' });
    this.readyAfterMs = null;
    const started = Date.now();
    const child = spawn(this.spec.command, [...this.spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (line: string): void => {
      this.log?.write(`${line}\n`);
      this.tail.push(line);
      if (this.tail.length > 60) this.tail.shift();
    };
    readline.createInterface({ input: child.stdout! }).on('line', keep);
    readline.createInterface({ input: child.stderr! }).on('line', keep);
    child.once('exit', () => this.log?.end());
    if (this.spec.readyUrl === null) return;
    let nextReport = started + 10_000;
    let lastAttempt = 'no attempt yet';
    while (Date.now() - started < timeoutMs) {
      if (!this.running) {
        const how =
          child.exitCode !== null
            ? `exited with code ${child.exitCode}`
            : `was killed by ${child.signalCode}`;
        throw new Error(
          `${this.spec.name} ${how} before answering on ${this.spec.readyUrl}${this.lastLines()}`,
        );
      }
      try {
        await jsonRpc(this.spec.readyUrl, this.spec.readyMethod ?? 'web3_clientVersion', [], 2000);
        this.readyAfterMs = Date.now() - started;
        return;
      } catch (error) {
        lastAttempt = (error as Error).message;
        if (Date.now() >= nextReport) {
          progress(
            `waiting for ${this.spec.name} on ${this.spec.readyUrl} (${Math.round((Date.now() - started) / 1000)}s: ${lastAttempt})`,
          );
          nextReport += 10_000;
        }
        // Fine-grained at first: the start time of a conductor is a benchmark figure (bench failover).
        await sleep(Date.now() - started < 5000 ? 20 : 200);
      }
    }
    await this.signal('SIGKILL');
    throw new Error(
      `${this.spec.name} did not answer on ${this.spec.readyUrl} within ${timeoutMs / 1000}s (last attempt: ${lastAttempt}); ` +
        `it was killed. Is the machine overloaded? See ${this.spec.logFile}.${this.lastLines()}`,
    );
  }

  /** Sends a signal; for SIGKILL and SIGTERM waits until the process is gone. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM') {
      child.kill(signal);
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Graceful stop: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Resolves with the exit code once the process has ended (null: killed by a signal). */
  exitCode(): Promise<number | null> {
    const child = this.child;
    if (!child) return Promise.resolve(null);
    if (!this.running) return Promise.resolve(child.exitCode);
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  lastLines(count = 25): string {
    const lines = this.tail.slice(-count);
    return lines.length === 0
      ? `\n(${this.spec.name} printed nothing)`
      : `\nlast lines of ${this.spec.name}:\n${lines.join('\n')}`;
  }
}

/** Runs a command to completion (e.g. `geth init`); its output goes to `logFile`, a failure names it. */
export async function runToCompletion(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
): Promise<void> {
  const process = new LabProcess({ name, command, args, logFile, readyUrl: null });
  await process.start(() => {});
  const code = await process.exitCode();
  if (code !== 0) throw new Error(`${name} failed (exit code ${code}).${process.lastLines()}`);
}

export class JsonRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** One JSON-RPC call over HTTP; an error answer throws JsonRpcError with the server's message. */
export async function jsonRpc(
  url: string,
  method: string,
  params: readonly unknown[] = [],
  timeoutMs = 5000,
): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: { result?: unknown; error?: { code: number; message: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${method} on ${url}: HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (body.error) throw new JsonRpcError(method, body.error.code, body.error.message);
  return body.result;
}
