/**
 * `baton conductor`: op-conductor's command line (same flags, same OP_CONDUCTOR_* variables), running
 * Baton's conductor until SIGINT/SIGTERM (a leader hands off first: Conductor.closeGracefully) or
 * `conductor_stop` (stops in place, as op-conductor's does).
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { conductorFlagValues, parseConductorConfig, registerConductorFlags } from '../config/flags.js';
import { BATON_VERSION } from './version.js';

/** op-conductor's log levels onto pino's. */
const LEVELS: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  crit: 'fatal',
};

export function registerConductorCommand(program: Command): void {
  const command = new Command('conductor').description(
    'run a conductor: op-conductor compatible JSON-RPC, Raft over gRPC, control of the local op-node',
  );
  registerConductorFlags(command);
  command.action(async () => {
    const { values, explicitlySet } = conductorFlagValues(command);
    const config = parseConductorConfig(values, explicitlySet);
    // Loaded here, not at the top: every `baton` command registers with this module.
    const [{ default: pino }, { Conductor }] = await Promise.all([import('pino'), import('./conductor.js')]);
    const logger = pino({ level: LEVELS[config.log.level] ?? 'info', base: { id: config.raft.serverId } });
    const adminToken = config.rpc.adminTokenFile
      ? (await readFile(config.rpc.adminTokenFile, 'utf8')).trim()
      : undefined;
    // pino writes asynchronously: what is logged last (how the hand-off went) is lost unless flushed first.
    const exit = (code: number): void => logger.flush(() => process.exit(code));
    // A signal while starting — waiting for an op-node that does not come up (its image cannot be pulled,
    // its pod is being deleted) — ends the process at once: nothing leads yet, so there is nothing to hand
    // off, and everything Raft wrote is already durable. In a container the conductor is PID 1, for which
    // the kernel drops a signal that has no handler: without this a member pod whose op-node never started
    // (a bad image tag) took its whole grace period to stop, and the operator's roll waited for it.
    const whileStarting = (signal: string): void => {
      logger.info({ signal }, 'stopping conductor while it starts');
      exit(0);
    };
    process.on('SIGINT', whileStarting);
    process.on('SIGTERM', whileStarting);
    const conductor = await Conductor.start({
      config,
      logger,
      version: BATON_VERSION,
      ...(adminToken ? { adminToken } : {}),
    });
    process.off('SIGINT', whileStarting);
    process.off('SIGTERM', whileStarting);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping conductor');
      conductor.closeGracefully().then(
        () => exit(0),
        (error: unknown) => {
          logger.error({ err: String(error) }, 'error while stopping');
          exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    await conductor.closed;
    if (!stopping) {
      logger.info({}, 'conductor stopped over RPC');
      exit(0);
    }
  });
  program.addCommand(command);
}
