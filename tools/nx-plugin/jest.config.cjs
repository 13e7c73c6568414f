/** @type {import('jest').Config} */
module.exports = {
  displayName: 'nx-plugin',
  testEnvironment: 'node',
  // The cluster specs' local cluster and Prometheus, started when they are not up.
  globalSetup: '<rootDir>/jest.global-setup.cjs',
  globalTeardown: '<rootDir>/jest.global-teardown.cjs',
  setupFiles: ['<rootDir>/jest.env.cjs'],
  // One worker per core, not Jest's default of one less: the cluster specs mostly wait on rollouts
  // and timers (measured on 2 cores, the whole suite: 247 s in one worker, 122 s in two).
  maxWorkers: '100%',
  // @kubernetes/client-node 2.x and some of its dependencies are ESM-only: compile them too.
  transform: { '^.+\\.ts$': ['@swc/jest'], '^.+\\.m?js$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|jose|oauth4webapi|jsonpath-plus|rfc4648|socks-proxy-agent|agent-base)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The release model library, from its source (tsconfig.base.json's path).
  moduleNameMapper: { '^@trading/release-model$': '<rootDir>/../../libs/release-model/src/index.ts' },
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/**/schema.d.ts', '!src/index.ts'],
  coverageDirectory: '../../coverage/tools/nx-plugin',
  coverageReporters: ['json-summary', 'json', 'lcov', 'text-summary'],
};
