// The plugin's cluster specs (*.cluster.spec.ts) run against the real local cluster and the local
// Prometheus, its *.postgres.spec.ts against the local PostgreSQL, its *.registry.spec.ts against
// the Docker daemon and the local registry. Like any of the project's tests, `nx test @trading/nx-plugin` starts what it needs:
// both are brought up when they are not (tools/stack.sh: idempotent, a second or two when they
// are), so a developer's run and a CI shard's run need no separate step; a run replayed from the Nx
// cache starts nothing. kwok's simulated nodes are all these specs use: unless LOCAL_CLUSTER_REAL_NODE
// says otherwise, a cluster started here leaves the real node out (an existing one keeps it).
// While the specs run they hold shared locks on the cluster and Prometheus, as the workspace tests
// do (tools/workspace-tests/run.sh): a workspace test that restarts the cluster (exclusive) waits
// for them, and they for it.
// NX_PLUGIN_SPECS_SERVICES=skip starts nothing (the cluster specs then fail, saying what is down).
const { execFileSync, spawn } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const { homedir } = require('node:os');
const { join, resolve } = require('node:path');

module.exports = async () => {
  if (process.env.NX_PLUGIN_SPECS_SERVICES === 'skip') return;
  const root = resolve(__dirname, '../..');
  const env = { LOCAL_CLUSTER_REAL_NODE: 'false', ...process.env };
  const locks = join(process.env.TRADING_HOME || join(homedir(), '.cache/trading-platform'), 'locks');
  mkdirSync(locks, { recursive: true });
  // The holder keeps both locks until its stdin (this process) closes: when Jest exits, however.
  const holder = spawn(
    'flock',
    ['-s', join(locks, 'cluster.lock'), 'flock', '-s', join(locks, 'prometheus.lock'), 'sh', '-c', 'echo locked; exec cat >/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolveLocked, reject) => {
    holder.stdout.once('data', resolveLocked);
    holder.once('exit', (code) => reject(new Error(`could not take the cluster and Prometheus locks in ${locks} (flock exit ${code})`)));
  });
  globalThis.__clusterLocks = holder;
  // Their progress goes to stderr: Jest's reporters keep stdout.
  execFileSync('bash', ['tools/stack.sh', 'up', 'docker', 'cluster', 'prometheus', 'postgres'], {
    cwd: root,
    env,
    stdio: ['ignore', process.stderr, process.stderr],
  });
};
