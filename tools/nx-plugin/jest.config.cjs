/** @type {import('jest').Config} */
module.exports = {
  displayName: 'nx-plugin',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/**/schema.d.ts', '!src/index.ts'],
  coverageDirectory: '../../coverage/tools/nx-plugin',
  coverageReporters: ['json-summary', 'json', 'lcov', 'text-summary'],
};
