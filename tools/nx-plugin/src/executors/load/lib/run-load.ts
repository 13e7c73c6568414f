import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointsOf, type LoadConfig, readLoadConfig } from './config';
import { ohaArgs, parseOhaReport } from './oha';
import { type EndpointResult, renderLoad } from './render';
import { judge, overall, type Verdict } from './verdict';
import { type InCluster, ohaInCluster } from './in-cluster';

export interface LoadRun {
  workspaceRoot: string;
  projectName: string;
  projectRoot: string;
  config: string;
  baseUrl?: string;
  durationSeconds?: number;
  oha: string;
  reportDir: string;
  log: (message: string) => void;
  stepSummaryFile?: string;
  /** Run oha as a Job in this namespace (baseUrl as the cluster resolves it), not on this machine. */
  inCluster?: InCluster;
}

export class LoadError extends Error {}

function runOha(oha: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(oha, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new LoadError(`${oha} could not start: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new LoadError(`oha exited ${code}: ${err.trim().slice(-500)}`))));
  });
}

async function reachable(url: string): Promise<string | null> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return null;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return `${url} does not answer (${cause})`;
  }
}

/** Runs the project's load test endpoint by endpoint; returns the overall verdict. */
export async function runLoad(run: LoadRun): Promise<Verdict> {
  const base = run.baseUrl ?? process.env.LOAD_BASE_URL;
  if (!base) throw new LoadError(`no service to load: pass --baseUrl=http://host:port or set LOAD_BASE_URL`);
  if (!/^https?:\/\/[^/]+/.test(base)) throw new LoadError(`baseUrl ${base} is not an http(s) URL`);
  const config: LoadConfig = {
    ...readLoadConfig(run.workspaceRoot, run.projectRoot, run.config),
    ...(run.durationSeconds ? { durationSeconds: run.durationSeconds } : {}),
  };
  const endpoints = endpointsOf(config);
  if (run.inCluster) {
    // The Service is dialled from inside its namespace: nothing is checked or run from here.
    run.log(`load ${run.projectName}: oha runs as Jobs in ${run.inCluster.namespace} (${run.inCluster.context}) against ${base}`);
  } else {
    const version = spawnSync(run.oha, ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0)
      throw new LoadError(
        `${run.oha} is missing: run 'bash scripts/install-ci-tools.sh load' (it links oha into $TRADING_BIN, ~/.cache/trading-platform/bin by default: put that on PATH, or pass --oha=<path>)`,
      );
    const unreachable = await reachable(new URL(endpoints[0].path, base).toString());
    if (unreachable) throw new LoadError(`${unreachable}: start the service or point --baseUrl at it`);
  }
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  // In the cluster: one connection for every endpoint's Job; its errors (InClusterError) are the
  // executor's to report, as a failed run.
  const inCluster = run.inCluster ? await ohaInCluster(run.inCluster, run.log) : undefined;
  const oha = (args: string[], index: number): Promise<string> =>
    inCluster ? inCluster({ project: run.projectName, index, runId, args, durationSeconds: config.durationSeconds }) : runOha(run.oha, args);

  const results: EndpointResult[] = [];
  for (const [i, endpoint] of endpoints.entries()) {
    const url = new URL(endpoint.path, base).toString();
    run.log(
      `load ${run.projectName} ${i + 1}/${endpoints.length}: ${endpoint.method} ${url}, ${config.users} users at ${endpoint.rate} req/s for ${config.durationSeconds} s`,
    );
    const args = ohaArgs({
      url,
      method: endpoint.method,
      body: endpoint.body,
      rate: endpoint.rate,
      users: config.users,
      durationSeconds: config.durationSeconds,
    });
    const figures = parseOhaReport(await oha(args, i), config.durationSeconds);
    if (run.inCluster && figures.requests > 0 && figures.errors === figures.requests && !Object.keys(figures.errorKinds).some((k) => k.startsWith('HTTP ')))
      throw new LoadError(
        `${url} does not answer inside ${run.inCluster.namespace} (${Object.keys(figures.errorKinds).join(', ')}): is the Service there and ready? Deploy first`,
      );
    const judged = judge(figures, { rate: endpoint.rate, p95Ms: config.p95Ms });
    run.log(
      `  ${judged.verdict}: ${figures.achievedRate} req/s, p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, p99 ${figures.p99Ms} ms, ${figures.errors} errors`,
    );
    results.push({ path: endpoint.label, rate: endpoint.rate, figures, ...judged });
  }
  const verdict = overall(results.map((r) => r.verdict));
  const markdown = renderLoad(run.projectName, config, results, verdict);
  const dir = join(run.workspaceRoot, run.reportDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${run.projectName}.json`),
    JSON.stringify({ project: run.projectName, baseUrl: base, ...(run.inCluster ? { inCluster: run.inCluster } : {}), config, verdict, results }, null, 2) +
      '\n',
  );
  run.log(markdown);
  if (run.stepSummaryFile) appendFileSync(run.stepSummaryFile, markdown + '\n');
  return verdict;
}
