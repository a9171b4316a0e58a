/**
 * `npm run test:e2e`: the whole system on the local Kubernetes lab (e2e/cluster/up.sh). Separate from `npm test`
 * (the lab takes minutes): its own test files (*.e2e.ts), one worker, and a global setup that brings the lab up
 * (and a teardown that removes it) unless BATON_LAB_KUBECONFIG names a running lab.
 */
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/e2e/lab'],
  testMatch: ['**/*.e2e.ts'],
  globalSetup: '<rootDir>/e2e/lab/global-setup.js',
  globalTeardown: '<rootDir>/e2e/lab/global-teardown.js',
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
};
