/**
 * Every Prometheus metric op-conductor exports (reference §7; op-conductor/metrics/metrics.go and
 * op-service's RPC metrics), defined once so dashboards and alerts written for op-conductor work
 * unchanged. Names, label names and types are the contract; help texts follow upstream.
 *
 * Label values follow Go's strconv.FormatBool ("true"/"false"), and `error` on healthchecks_count is the
 * full error text (empty string on success), as upstream does.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const NAMESPACE = 'op_conductor';

/** op-conductor's loop_execution_time buckets and op-service's RPC duration buckets. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const bool = (v: boolean) => (v ? 'true' : 'false');

export interface ConductorMetricsOptions {
  /** Also register prom-client's process_* and nodejs_* collectors (the Node analogue of Go runtime collectors). */
  defaultMetrics?: boolean;
}

export function createConductorMetrics(registry: Registry, options: ConductorMetricsOptions = {}) {
  const registers = [registry];
  const name = (n: string) => `${NAMESPACE}_${n}`;
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

  const m = {
    registry,
    info: new Gauge({
      name: name('info'),
      help: 'Pseudo-metric tracking version and config info',
      labelNames: ['version'] as const,
      registers,
    }),
    up: new Gauge({ name: name('up'), help: '1 if the op-conductor has finished starting up', registers }),
    healthChecks: new Counter({
      name: name('healthchecks_count'),
      help: 'Number of healthchecks',
      labelNames: ['success', 'error'] as const,
      registers,
    }),
    leaderTransfers: new Counter({
      name: name('leader_transfers_count'),
      help: 'Number of leader transfers',
      labelNames: ['success'] as const,
      registers,
    }),
    sequencerStarts: new Counter({
      name: name('sequencer_starts_count'),
      help: 'Number of sequencer starts',
      labelNames: ['success'] as const,
      registers,
    }),
    sequencerStops: new Counter({
      name: name('sequencer_stops_count'),
      help: 'Number of sequencer stops',
      labelNames: ['success'] as const,
      registers,
    }),
    stateChanges: new Counter({
      name: name('state_changes_count'),
      help: 'Number of state changes',
      labelNames: ['leader', 'healthy', 'active'] as const,
      registers,
    }),
    loopExecutionTime: new Histogram({
      name: name('loop_execution_time'),
      help: 'Time (in seconds) to execute conductor loop iteration',
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    rollupBoostConnectionAttempts: new Counter({
      name: name('rollup_boost_connection_attempts_count'),
      help: 'Number of rollup boost websocket connection attempts',
      labelNames: ['success', 'source'] as const,
      registers,
    }),
    websocketClientsConnected: new Gauge({
      name: name('websocket_clients_connected'),
      help: 'Number of clients connected to the flashblocks websocket server',
      registers,
    }),

    // op-service RPC server metrics (recorder "main" labels rpc="main").
    rpcServerRequests: new Counter({
      name: name('rpc_server_requests_total'),
      help: 'Total requests to the RPC server',
      labelNames: ['rpc', 'method'] as const,
      registers,
    }),
    rpcServerRequestDuration: new Histogram({
      name: name('rpc_server_request_duration_seconds'),
      help: 'Histogram of RPC server request durations',
      labelNames: ['rpc', 'method'] as const,
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    rpcServerResponses: new Counter({
      name: name('rpc_server_responses_total'),
      help: 'Total responses from the RPC server',
      labelNames: ['rpc', 'method', 'error'] as const,
      registers,
    }),
    rpcServerNotificationsSent: new Counter({
      name: name('rpc_server_notifications_sent_total'),
      help: 'Total subscription notifications sent by the RPC server',
      labelNames: ['rpc', 'method'] as const,
      registers,
    }),

    // op-service RPC client metrics: calls from the conductor to op-node and the execution client.
    rpcClientRequests: new Counter({
      name: name('rpc_client_requests_total'),
      help: 'Total RPC requests initiated by the RPC client',
      labelNames: ['rpc', 'method'] as const,
      registers,
    }),
    rpcClientRequestDuration: new Histogram({
      name: name('rpc_client_request_duration_seconds'),
      help: 'Histogram of RPC client request durations',
      labelNames: ['rpc', 'method'] as const,
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    rpcClientResponses: new Counter({
      name: name('rpc_client_responses_total'),
      help: 'Total RPC request responses received by the RPC client',
      labelNames: ['rpc', 'method', 'error'] as const,
      registers,
    }),
    rpcClientNotificationsReceived: new Counter({
      name: name('rpc_client_notifications_received_total'),
      help: 'Total subscription notifications received by the RPC client',
      labelNames: ['rpc', 'method'] as const,
      registers,
    }),
  };

  return {
    ...m,
    recordInfo(version: string): void {
      m.info.set({ version }, 1);
    },
    recordUp(): void {
      m.up.set(1);
    },
    /** `error` is the full error text, "" on success — the label op-conductor dashboards group by. */
    recordHealthCheck(success: boolean, error: Error | null): void {
      m.healthChecks.inc({ success: bool(success), error: error?.message ?? '' });
    },
    recordLeaderTransfer(success: boolean): void {
      m.leaderTransfers.inc({ success: bool(success) });
    },
    recordStartSequencer(success: boolean): void {
      m.sequencerStarts.inc({ success: bool(success) });
    },
    recordStopSequencer(success: boolean): void {
      m.sequencerStops.inc({ success: bool(success) });
    },
    recordStateChange(leader: boolean, healthy: boolean, active: boolean): void {
      m.stateChanges.inc({ leader: bool(leader), healthy: bool(healthy), active: bool(active) });
    },
    recordLoopExecutionTime(seconds: number): void {
      m.loopExecutionTime.observe(seconds);
    },
    recordRollupBoostConnectionAttempt(success: boolean, source: string): void {
      m.rollupBoostConnectionAttempts.inc({ success: bool(success), source });
    },
    /**
     * op-service RecordRPCClientRequest: count the call, then on completion record its duration and an
     * error class — "<nil>", "rpc_<code>", "http_<status>" or "<unknown>".
     */
    recordRpcClientRequest(rpc: string, method: string): (error: RpcErrorClass) => void {
      m.rpcClientRequests.inc({ rpc, method });
      const end = m.rpcClientRequestDuration.startTimer({ rpc, method });
      return (error) => {
        m.rpcClientResponses.inc({ rpc, method, error: rpcErrorLabel(error) });
        end();
      };
    },
  };
}

/** What the RPC client metric needs to know about a call's outcome. */
export type RpcErrorClass = null | { rpcCode: number } | { httpStatus: number } | { other: true };

export function rpcErrorLabel(error: RpcErrorClass): string {
  if (error === null) return '<nil>';
  if ('rpcCode' in error) return `rpc_${error.rpcCode}`;
  if ('httpStatus' in error) return `http_${error.httpStatus}`;
  return '<unknown>';
}

export type ConductorMetrics = ReturnType<typeof createConductorMetrics>;

/**
 * The narrow slice the health monitor needs, so it can be tested without a registry and so callers can
 * pass `createConductorMetrics(...)` directly.
 */
export type HealthMetricsRecorder = Pick<ConductorMetrics, 'recordHealthCheck'>;
