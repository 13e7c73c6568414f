// The local stack's names and addresses for the tests and benchmarks: the workspace's .env, loaded
// into this process's environment as Nx and scripts/lib.sh load it (a variable already set wins),
// and kubectl against the local cluster.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

process.loadEnvFile(join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), '.env'));

/** The local cluster's kubeconfig context and name. */
export const CONTEXT = process.env.LOCAL_CLUSTER_CONTEXT;
export const CLUSTER_NAME = process.env.LOCAL_CLUSTER_NAME;
export const PROMETHEUS_URL = `http://${process.env.PROMETHEUS_ADDR}`;

/** kubectl against the local cluster: its trimmed output; a failure throws with kubectl's message. */
export const kubectl = (...args) => execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
/** kubectl in one namespace of the local cluster. */
export const kubectlIn =
  (namespace) =>
  (...args) =>
    kubectl('-n', namespace, ...args);
