/**
 * `npm run test:opstack`: Baton's conductor with the real OP Stack (op-geth, op-node, op-batcher built by
 * e2e/opstack/build.sh) on loopback. Its own test files (*.opstack.ts), one worker (each suite runs a
 * devnet of a dozen processes), and a global setup that builds or finds the binaries first.
 */
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/e2e/opstack'],
  testMatch: ['**/*.opstack.ts'],
  globalSetup: '<rootDir>/e2e/opstack/global-setup.js',
  globalTeardown: undefined,
  testTimeout: 5 * 60 * 1000,
  maxWorkers: 1,
};
