import { Registry } from 'prom-client';

import { createConductorMetrics } from './metrics.js';

/** Name → [type, label names] for everything reference §7 lists (RPC metrics included). */
const EXPECTED: Record<string, [string, string[]]> = {
  op_conductor_info: ['gauge', ['version']],
  op_conductor_up: ['gauge', []],
  op_conductor_healthchecks_count: ['counter', ['success', 'error']],
  op_conductor_leader_transfers_count: ['counter', ['success']],
  op_conductor_sequencer_starts_count: ['counter', ['success']],
  op_conductor_sequencer_stops_count: ['counter', ['success']],
  op_conductor_state_changes_count: ['counter', ['leader', 'healthy', 'active']],
  op_conductor_loop_execution_time: ['histogram', []],
  op_conductor_rollup_boost_connection_attempts_count: ['counter', ['success', 'source']],
  op_conductor_websocket_clients_connected: ['gauge', []],
  op_conductor_rpc_server_requests_total: ['counter', ['rpc', 'method']],
  op_conductor_rpc_server_request_duration_seconds: ['histogram', ['rpc', 'method']],
  op_conductor_rpc_server_responses_total: ['counter', ['rpc', 'method', 'error']],
  op_conductor_rpc_server_notifications_sent_total: ['counter', ['rpc', 'method']],
  op_conductor_rpc_client_requests_total: ['counter', ['rpc', 'method']],
  op_conductor_rpc_client_request_duration_seconds: ['histogram', ['rpc', 'method']],
  op_conductor_rpc_client_responses_total: ['counter', ['rpc', 'method', 'error']],
  op_conductor_rpc_client_notifications_received_total: ['counter', ['rpc', 'method']],
};

describe('createConductorMetrics', () => {
  it('registers every §7 metric with its type and labels', async () => {
    const registry = new Registry();
    createConductorMetrics(registry);
    const metrics = await registry.getMetricsAsJSON();
    const byName = new Map(metrics.map((m) => [m.name, m]));
    expect([...byName.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, [type]] of Object.entries(EXPECTED)) expect(byName.get(name)?.type).toBe(type);
  });

  it('records with upstream label values', async () => {
    const registry = new Registry();
    const m = createConductorMetrics(registry);
    m.recordInfo('v1.2.3');
    m.recordUp();
    m.recordHealthCheck(true, null);
    m.recordHealthCheck(false, new Error('sequencer is not healthy'));
    m.recordStateChange(true, false, true);
    m.recordLoopExecutionTime(0.02);
    const done = m.recordRpcClientRequest('node', 'admin_startSequencer');
    done({ rpcCode: -32000 });
    const text = await registry.metrics();
    expect(text).toContain('op_conductor_info{version="v1.2.3"} 1');
    expect(text).toContain('op_conductor_up 1');
    expect(text).toContain('op_conductor_healthchecks_count{success="true",error=""} 1');
    expect(text).toContain(
      'op_conductor_healthchecks_count{success="false",error="sequencer is not healthy"} 1',
    );
    expect(text).toContain('op_conductor_state_changes_count{leader="true",healthy="false",active="true"} 1');
    expect(text).toContain('op_conductor_loop_execution_time_bucket{le="0.025"} 1');
    expect(text).toContain(
      'op_conductor_rpc_client_responses_total{rpc="node",method="admin_startSequencer",error="rpc_-32000"} 1',
    );
    for (const [name, [, labels]] of Object.entries(EXPECTED)) {
      // Label sets are declared even before first use; spot-check through the exposition of used ones.
      if (labels.length > 0 && text.includes(`${name}{`)) {
        const line = text
          .split('\n')
          .find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name}_bucket{`));
        for (const label of labels) expect(line).toContain(`${label}=`);
      }
    }
  });

  it('can add the default process collectors', async () => {
    const registry = new Registry();
    createConductorMetrics(registry, { defaultMetrics: true });
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');
  });
});
