// The services the browser tests run against.
// - By default, as real processes: the engine, the agents sending to it, and the dashboard's
//   production build reading both; the returned function stops them.
// - With E2E_NAMESPACE (and E2E_CONTEXT, the kubeconfig context), the release deployed there: the
//   active Services' ClusterIPs (reachable from this machine on the local cluster) and the release
//   the dashboard's pods name. Nothing is started or stopped; the test that stops the engine skips.
// Their URLs reach the tests through the environment. (ESM: it imports the shared .mjs helpers.)
import { execFileSync } from 'node:child_process';
import { startAgents, startDashboard, startEngine } from '../../tools/testing/local-services.mjs';

function deployed(namespace, context) {
  const kubectl = (...args) => {
    try {
      return execFileSync('kubectl', [...(context ? ['--context', context] : []), '-n', namespace, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    } catch (error) {
      throw new Error(
        `E2E_NAMESPACE=${namespace}: kubectl ${args.join(' ')} failed (${String(error.stderr || error.message).trim()}); is the release deployed and the cluster reachable?`,
      );
    }
  };
  const url = (service) => {
    const ip = kubectl('get', 'service', service, '-o', 'jsonpath={.spec.clusterIP}');
    const port = kubectl('get', 'service', service, '-o', 'jsonpath={.spec.ports[0].port}');
    return `http://${ip}:${port}`;
  };
  const color = kubectl('get', 'service', 'dashboard', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
  const release = kubectl('get', 'deployment', `dashboard-${color}`, '-o', "jsonpath={.spec.template.metadata.labels['app\\.kubernetes\\.io/version']}");
  if (!release) throw new Error(`E2E_NAMESPACE=${namespace}: the dashboard's ${color} pods name no release (label app.kubernetes.io/version)`);
  return { engine: url('execution-engine'), agents: url('agents'), dashboard: url('dashboard'), release };
}

export default async function globalSetup() {
  if (process.env.E2E_NAMESPACE) {
    const found = deployed(process.env.E2E_NAMESPACE, process.env.E2E_CONTEXT);
    Object.assign(process.env, { E2E_ENGINE_URL: found.engine, E2E_AGENTS_URL: found.agents, E2E_DASHBOARD_URL: found.dashboard, E2E_RELEASE: found.release });
    console.log(`e2e against the release deployed in ${process.env.E2E_NAMESPACE}: ${found.release} (dashboard ${found.dashboard})`);
    return async () => {};
  }
  const release = `e2e-${process.pid}`;
  const engine = await startEngine();
  const agents = await startAgents(engine.url);
  const dashboard = await startDashboard({ agentsUrl: agents.url, engineUrl: engine.url, release });
  Object.assign(process.env, {
    E2E_ENGINE_URL: engine.url,
    E2E_AGENTS_URL: agents.url,
    E2E_DASHBOARD_URL: dashboard.url,
    E2E_RELEASE: release,
    E2E_ENGINE_PID: String(engine.pid),
    E2E_FRESH: '1',
  });
  return async () => {
    await dashboard.stop();
    await agents.stop();
    await engine.stop();
  };
}
