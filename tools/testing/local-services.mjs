// The services as real processes on free loopback ports, for the integration, e2e and DAST tests:
// the execution engine (its debug build) with its trading state in a throwaway database of the
// local PostgreSQL (tools/postgres/postgres.sh), the agents (uv) and the dashboard (its standalone build).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const ENGINE_BIN = resolve(ROOT, 'target/debug/execution-engine');

export async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

async function waitHealthy(url, child, log) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer /healthz within 30 s:\n${log()}`);
}

function start(command, args, env, url) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const log = () => output.slice(-3000);
  return {
    url,
    pid: child.pid,
    log,
    ready: () => waitHealthy(url, child, log),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const postgres = (...args) => execFileSync('bash', [resolve(ROOT, 'tools/postgres/postgres.sh'), ...args], { cwd: ROOT, encoding: 'utf8' }).trim();

/**
 * A new database on the local PostgreSQL (brought up when it is not): { name, url, drop() }.
 * Names are unique per process and call, so side-by-side tests never share one.
 */
let databases = 0;
export function throwawayDatabase(prefix) {
  postgres('up');
  databases += 1;
  const name = `${prefix}_${process.pid}_${databases}`.replace(/[^a-z0-9_]/g, '_');
  postgres('createdb', name);
  return { name, url: postgres('url', name), drop: () => postgres('dropdb', name) };
}

/**
 * The engine's debug build, up to date: `nx run execution-engine:build-debug` builds it, or replays it
 * from the Nx cache while the Rust sources are unchanged (a workspace test's target also depends on
 * it, so Nx has it in place before the test starts and this takes a few seconds).
 */
export function buildEngine() {
  execFileSync('npx', ['nx', 'run', 'execution-engine:build-debug', '--output-style=static'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_INVOCATION_ROOT_PID: undefined },
  });
}

/**
 * The engine's debug build on `port` (else a free one). Its state goes to `env.DATABASE_URL`, else
 * to a throwaway database dropped when it stops (`ENGINE_STATE=memory`: in the process).
 */
export async function startEngine(port, env = {}) {
  if (!existsSync(ENGINE_BIN)) throw new Error(`${ENGINE_BIN} is missing: build it with npx nx run execution-engine:build-debug`);
  port ??= await freePort();
  const database = env.DATABASE_URL || env.ENGINE_STATE === 'memory' ? undefined : throwawayDatabase('engine');
  const engine = start(ENGINE_BIN, [], { PORT: String(port), ...(database ? { DATABASE_URL: database.url } : {}), ...env }, `http://127.0.0.1:${port}`);
  const stop = engine.stop;
  engine.database = database;
  engine.stop = async () => {
    await stop();
    database?.drop();
  };
  try {
    await engine.ready();
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}

/**
 * The agents (uv) sending to `engineUrl`. Their state goes to `env.DATABASE_URL`, else to a
 * throwaway database dropped when they stop (`AGENTS_STATE=memory`: in the process).
 */
export async function startAgents(engineUrl, env = {}) {
  const port = await freePort();
  const database = env.DATABASE_URL || env.AGENTS_STATE === 'memory' ? undefined : throwawayDatabase('agents');
  const agents = start(
    'uv',
    ['run', '--locked', '--quiet', '--project', 'apps/agents', 'python', '-m', 'agents'],
    {
      PORT: String(port),
      ENGINE_URL: engineUrl,
      AGENTS_RETRY_SECONDS: '0.2',
      AGENTS_BREAKER_SECONDS: '1',
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...env,
    },
    `http://127.0.0.1:${port}`,
  );
  const stop = agents.stop;
  agents.database = database;
  agents.stop = async () => {
    await stop();
    database?.drop();
  };
  try {
    await agents.ready();
  } catch (error) {
    await agents.stop();
    throw error;
  }
  return agents;
}

/** The dashboard's standalone server (`nx run dashboard:build` first), reading the given services. */
export async function startDashboard({ agentsUrl, engineUrl, release, env = {} }) {
  const port = await freePort();
  // The standalone server serves the browser's scripts from beside it, as the image has them
  // (Dockerfile): without them no page hydrates, and the Deployments page never refreshes.
  const standalone = resolve(ROOT, 'apps/dashboard/.next/standalone/apps/dashboard');
  if (!existsSync(resolve(standalone, '.next/static')))
    cpSync(resolve(ROOT, 'apps/dashboard/.next/static'), resolve(standalone, '.next/static'), { recursive: true });
  const dashboard = start(
    'node',
    ['apps/dashboard/.next/standalone/apps/dashboard/server.js'],
    { PORT: String(port), HOSTNAME: '127.0.0.1', AGENTS_URL: agentsUrl, ENGINE_URL: engineUrl, RELEASE_REVISION: release, ...env },
    `http://127.0.0.1:${port}`,
  );
  await dashboard.ready();
  return dashboard;
}

export async function call(url, path, body) {
  const response = await fetch(
    `${url}${path}`,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
  );
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}
