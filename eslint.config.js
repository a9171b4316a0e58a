import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The pure decision cores: no I/O, no clock, no network — their inputs come in as values and their
 * decisions go out as values, which is what lets the seeded simulations and property tests drive them.
 * Their shells (consensus/node.ts, operator/reconcile/, conductor/control/loop.ts) do the I/O.
 */
export const PURE_CORES = [
  'conductor/raft/**/*.ts',
  'conductor/consensus/driver.ts',
  'conductor/control/decide.ts',
  'operator/plan/**/*.ts',
  'operator/render/**/*.ts',
];

const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'dgram',
  'dns',
  'os',
  'readline',
  'worker_threads',
  'cluster',
].flatMap((m) => [m, `node:${m}`]);

const pureCoreRule = {
  files: PURE_CORES,
  ignores: ['**/*.test.ts', '**/testing/**'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [
          ...IO_MODULES.map((name) => ({ name, message: 'a pure core does no I/O: take the data as input' })),
          ...['@grpc/grpc-js', 'pino', 'prom-client', 'viem', 'ox/RpcTransport'].map((name) => ({
            name,
            message: 'a pure core does no I/O: its shell talks to the network, logs and metrics',
          })),
          {
            name: '@kubernetes/client-node',
            allowTypeImports: true,
            message: 'a pure core may use the Kubernetes types, not the client',
          },
        ],
        patterns: [
          {
            group: [
              '**/storage/**',
              '**/transport/**',
              '**/kube/**',
              '**/reconcile/**',
              '**/rpc/**',
              '**/sequencer/**',
              '**/service/**',
              '**/ctl/**',
              '**/localcluster/**',
            ],
            message: 'a pure core does not import an I/O shell; the shell imports the core',
          },
        ],
      },
    ],
  },
};

/**
 * The simulated op-node and op-geth model the real binaries on their own: reusing the operator's code
 * (say, its p2p id derivation) would make the simulator agree with an operator bug instead of exposing it.
 */
const simulatorIndependence = {
  files: ['e2e/sim/**/*.ts'],
  ignores: ['**/*.test.ts', '**/testing/**'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/operator/**'],
            message: 'the simulator models op-node and op-geth independently of the operator',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'charts/**', '.scratch/**', '.baton-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  pureCoreRule,
  simulatorIndependence,
);
