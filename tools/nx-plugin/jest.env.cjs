// The workspace's .env in every test file's environment, as Nx loads it into every task (a
// variable already set wins): a bare `npx jest` and each of Jest's worker processes see the same
// local stack names as `nx test` does. Assigned by hand: Jest gives a test file its own copy of
// process.env, which process.loadEnvFile would not reach.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseEnv } = require('node:util');

for (const [key, value] of Object.entries(parseEnv(readFileSync(join(__dirname, '../../.env'), 'utf8')))) {
  process.env[key] ||= value;
}
