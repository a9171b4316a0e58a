/**
 * `baton operator`: the SequencerCluster controller as a process, with the flags the Helm chart passes
 * (charts/baton/templates/deployment.yaml): leader election on a Lease, a metrics/health endpoint,
 * log level and the namespaces to watch. Credentials come from --kubeconfig, $KUBECONFIG, ~/.kube/config
 * or the in-cluster service account, in that order. SIGTERM/SIGINT stop it gracefully: no new reconciles,
 * the ones in flight finish, the Lease is released so a standby takes over at once.
 */
import type { Command } from 'commander';

export interface OperatorFlags {
  readonly leaderElect: boolean;
  readonly leaderElectionId: string;
  readonly leaderElectionNamespace: string | undefined;
  readonly metricsAddr: string;
  readonly logLevel: string;
  readonly watchNamespaces: string;
  readonly kubeconfig: string | undefined;
  readonly workers: number;
}

function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
}

export function registerOperatorCommand(program: Command): void {
  program
    .command('operator')
    .description('run the SequencerCluster operator (in-cluster config or kubeconfig)')
    .option(
      '--leader-elect [enabled]',
      'elect a leader through a Lease so only one replica acts',
      parseBool,
      false,
    )
    .option('--leader-election-id <name>', 'name of the Lease', 'baton-operator')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default $POD_NAMESPACE)')
    .option('--metrics-addr <addr>', 'address of /metrics, /healthz and /readyz ("0" disables)', ':8080')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option('--watch-namespaces <list>', 'comma-separated namespaces to watch (default all)', '')
    .option('--kubeconfig <path>', 'kubeconfig file (default $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--workers <n>', 'concurrent reconciles', (v) => Number.parseInt(v, 10), 4)
    .action(async (opts: OperatorFlags) => {
      const { runOperator } = await import('./run.js');
      const stop = await runOperator(opts);
      let stopping = false;
      const onSignal = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`received ${signal}\n`);
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`error while stopping: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    });
}
