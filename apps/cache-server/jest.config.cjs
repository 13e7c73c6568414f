/** @type {import('jest').Config} */
module.exports = {
  displayName: 'cache-server',
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js'],
  roots: ['<rootDir>/specs'],
  collectCoverageFrom: ['src/**/*.ts', '!src/main.ts'],
  collectCoverage: true,
  coverageDirectory: '../../coverage/apps/cache-server',
  coverageReporters: ['json-summary', 'json', 'lcov', 'text-summary'],
};
