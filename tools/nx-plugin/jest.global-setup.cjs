// The plugin's cluster specs (*.cluster.spec.ts) run against the real local cluster and the local
// Prometheus. Like any of the project's tests, `nx test @trading/nx-plugin` starts what it needs:
// both are brought up when they are not (idempotent, a second or two when they are), so a
// developer's run and a CI shard's run need no separate step; a run replayed from the Nx cache
// starts nothing. kwok's simulated nodes are all these specs use: unless LOCAL_CLUSTER_REAL_NODE
// says otherwise, a cluster started here leaves the real node out (an existing one keeps it).
// NX_PLUGIN_SPECS_SERVICES=skip starts nothing (the cluster specs then fail, saying what is down).
const { execFileSync } = require('node:child_process');
const { resolve } = require('node:path');

module.exports = async () => {
  if (process.env.NX_PLUGIN_SPECS_SERVICES === 'skip') return;
  const root = resolve(__dirname, '../..');
  const env = { LOCAL_CLUSTER_REAL_NODE: 'false', ...process.env };
  // Their progress goes to stderr: Jest's reporters keep stdout.
  execFileSync('bash', ['tools/stack.sh', 'up', 'cluster', 'prometheus'], { cwd: root, env, stdio: ['ignore', process.stderr, process.stderr] });
};
