const nextJest = require('next/jest');

const createJestConfig = nextJest({ dir: __dirname });

/** @type {import('jest').Config} */
module.exports = createJestConfig({
  displayName: 'dashboard',
  testEnvironment: 'jsdom',
  setupFilesAfterEnv: ['<rootDir>/test-setup.ts'],
  moduleNameMapper: {
    '^@trading/api-client$': '<rootDir>/../../libs/api-client/src/index.ts',
    '^@trading/release-model$': '<rootDir>/../../libs/release-model/src/index.ts',
  },
  collectCoverageFrom: ['app/**/*.{ts,tsx}', 'components/**/*.{ts,tsx}', 'lib/**/*.{ts,tsx}', '!**/*.spec.{ts,tsx}'],
  collectCoverage: true,
  coverageDirectory: '../../coverage/apps/dashboard',
  coverageReporters: ['json-summary', 'json', 'lcov', 'text-summary'],
});
