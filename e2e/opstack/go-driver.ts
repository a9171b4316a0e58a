/**
 * baton-wirecompat (e2e/opstack/wirecompat, built by build.sh): the upstream Go clients driven over a pipe,
 * one JSON command per line in, one answer per line out. The wire-compatibility suite checks its answers; the
 * real-stack commit benchmark times op-node's conductor client with it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface GoAnswer {
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class GoDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: ((answer: GoAnswer) => void)[] = [];

  /** `binDir`: the directory build.sh prints, holding baton-wirecompat. */
  constructor(binDir: string) {
    this.child = spawn(path.join(binDir, 'baton-wirecompat'), [], { stdio: 'pipe' });
    readline
      .createInterface({ input: this.child.stdout })
      .on('line', (line) => this.answers.shift()?.(JSON.parse(line) as GoAnswer));
  }

  /** Calls `method` of the Go client on the conductor at `url`; an error is an answer, not a rejection. */
  call(url: string, method: string, ...args: unknown[]): Promise<GoAnswer> {
    return new Promise((resolve) => {
      this.answers.push(resolve);
      this.child.stdin.write(`${JSON.stringify({ url, method, args })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
