// The services the browser tests run against, as real processes: the engine, the agents sending to
// it, and the dashboard's production build reading both. Their URLs reach the tests through the
// environment; the returned function stops them. (ESM: it imports the shared .mjs helpers.)
import { startAgents, startDashboard, startEngine } from '../../tools/testing/local-services.mjs';

export default async function globalSetup() {
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
  });
  return async () => {
    await dashboard.stop();
    await agents.stop();
    await engine.stop();
  };
}
