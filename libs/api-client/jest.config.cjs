/** @type {import('jest').Config} */
module.exports = {
  displayName: 'api-client',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/index.ts'],
  collectCoverage: true,
  coverageDirectory: '../../coverage/libs/api-client',
  coverageReporters: ['json-summary', 'json', 'lcov', 'text-summary'],
};
