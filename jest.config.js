/** Jest runs TypeScript sources directly as ESM through swc (no build step). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/cli', '<rootDir>/docs', '<rootDir>/conductor', '<rootDir>/operator', '<rootDir>/e2e'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  testTimeout: 30000,
  // One Kubernetes control plane per run, started lazily by the first suite that calls useControlPlane().
  globalSetup: '<rootDir>/e2e/cluster/testing/jest-global-setup.js',
  globalTeardown: '<rootDir>/e2e/cluster/testing/jest-global-teardown.js',
  // Integration suites spawn real processes and bind real ports; two cores do not benefit from more workers.
  maxWorkers: 2,
};
