/** @type {import('jest').Config} */
module.exports = {
  displayName: 'release-model',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/index.ts', '!src/testing/**'],
  collectCoverage: true,
  coverageDirectory: '../../coverage/libs/release-model',
  coverageReporters: ['json-summary', 'json', 'lcov', 'text-summary'],
};
