// The services the browser tests run against.
// - By default, as real processes: the engine, the agents sending to it, and the dashboard's
//   production build reading both; the returned function stops them.
// - With E2E_NAMESPACE (and E2E_CONTEXT, the kubeconfig context), the release deployed there: the
//   active Services, each forwarded to a local port through the Kubernetes API (kubectl
//   port-forward: a hosted runner reaches the API server, never a ClusterIP), and the release the
//   dashboard's pods name. Nothing is started or stopped; the test that stops the engine skips.
// Their URLs reach the tests through the environment. (ESM: it imports the shared .mjs helpers.)
import { execFileSync, spawn } from 'node:child_process';
import { startAgents, startDashboard, startEngine } from '../../tools/testing/local-services.mjs';

/**
 * One Service of the release, forwarded to a local port through the Kubernetes API
 * (`kubectl port-forward`): what a hosted runner can reach, where a ClusterIP is not. Resolves
 * once kubectl says where it listens; the returned stop() ends it.
 */
function forward(kubectlArgs, namespace, service, port) {
  const child = spawn('kubectl', [...kubectlArgs, 'port-forward', `service/${service}`, `:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      child.kill();
      reject(new Error(`E2E_NAMESPACE=${namespace}: kubectl port-forward service/${service} ${why}; is the release deployed and the cluster reachable?`));
    };
    const timer = setTimeout(() => fail(`did not listen within 30 s (${out.trim()})`), 30_000);
    const read = (chunk) => {
      out += chunk;
      const listening = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (!listening) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${listening[1]}`, stop: () => child.kill() });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(`exited ${code} (${out.trim()})`);
    });
  });
}

async function deployed(namespace, context) {
  const kubectlArgs = [...(context ? ['--context', context] : []), '-n', namespace];
  const kubectl = (...args) => {
    try {
      return execFileSync('kubectl', [...kubectlArgs, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    } catch (error) {
      throw new Error(
        `E2E_NAMESPACE=${namespace}: kubectl ${args.join(' ')} failed (${String(error.stderr || error.message).trim()}); is the release deployed and the cluster reachable?`,
      );
    }
  };
  const color = kubectl('get', 'service', 'dashboard', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
  const release = kubectl('get', 'deployment', `dashboard-${color}`, '-o', "jsonpath={.spec.template.metadata.labels['app\\.kubernetes\\.io/version']}");
  if (!release) throw new Error(`E2E_NAMESPACE=${namespace}: the dashboard's ${color} pods name no release (label app.kubernetes.io/version)`);
  const forwards = [];
  try {
    for (const service of ['execution-engine', 'agents', 'dashboard']) {
      forwards.push(await forward(kubectlArgs, namespace, service, kubectl('get', 'service', service, '-o', 'jsonpath={.spec.ports[0].port}')));
    }
  } catch (error) {
    for (const f of forwards) f.stop();
    throw error;
  }
  const [engine, agents, dashboard] = forwards.map((f) => f.url);
  return { engine, agents, dashboard, release, stop: () => forwards.forEach((f) => f.stop()) };
}

export default async function globalSetup() {
  if (process.env.E2E_NAMESPACE) {
    const found = await deployed(process.env.E2E_NAMESPACE, process.env.E2E_CONTEXT);
    Object.assign(process.env, { E2E_ENGINE_URL: found.engine, E2E_AGENTS_URL: found.agents, E2E_DASHBOARD_URL: found.dashboard, E2E_RELEASE: found.release });
    console.log(`e2e against the release deployed in ${process.env.E2E_NAMESPACE}: ${found.release} (its Services forwarded through the Kubernetes API)`);
    return async () => found.stop();
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
