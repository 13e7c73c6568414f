import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

// The local cluster's context for the cluster specs: the workspace's .env, which Nx loads into
// every task; a bare `npx jest` reads it here (a variable already set wins). Assigned by hand:
// Jest gives a test file its own copy of process.env, which process.loadEnvFile would not reach.
for (const [key, value] of Object.entries(parseEnv(readFileSync(join(__dirname, '../../../../.env'), 'utf8')))) {
  process.env[key] ||= value;
}

export const LOCAL_CONTEXT = process.env.LOCAL_CLUSTER_CONTEXT as string;
