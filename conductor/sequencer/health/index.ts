/** The sequencer health monitor (reference §5): pure decision, polling shell, rollup-boost probes. */
export * from './errors.js';
export * from './config.js';
export * from './evaluate.js';
export * from './time-bound-counter.js';
export * from './monitor.js';
export * from './rollup-boost.js';
