// Benchmark: the local cluster's real node, through `nx`, beside a bare `nx` invocation (`nx show
// projects`): the cluster's start from nothing (binaries built) and when already up; a first deploy
// of the agents onto the real node until the active Service answers; a rollback until requests
// through the active Service are answered by the restored release; and an SLO breach (50% errors)
// until traffic is back on the good release, measured by the clients. The releases differ in
// configuration only: the bad ones carry the agents' fault settings (FAULT_DELAY_MS tells the
// restored release's answers apart: it answers in milliseconds, the slow one after 300 ms).
// Needs: bash tools/stack.sh up docker, the agents image built (dist/agents/image.json), Prometheus
// up (npx nx run monitoring:up). Stops and restarts the local cluster.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { timedGet } from '../tools/load/traffic.mjs';
import { repoRoot, run, scratchCopy, start } from '../tools/workspace-tests/scratch.mjs';
import { kubectl } from '../tools/workspace-tests/local-stack.mjs';

const NS = `bench-real-${process.pid}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e9;
const timed = (fn) => {
  const t = now();
  const out = fn();
  return { s: now() - t, out };
};

/** One GET on a new connection: status and milliseconds (status 0 on failure). */
const probe = (url) => timedGet(url, 2000);
/** Seconds from `since` until `good` holds for 10 probes in a row (every 50 ms), while `work` runs. */
async function until(url, since, good, work) {
  let streak = 0;
  let first = null;
  let done = false;
  const running = work().finally(() => {
    done = true;
  });
  while (streak < 10) {
    const r = await probe(url);
    if (good(r)) {
      first ??= now();
      streak++;
    } else {
      first = null;
      streak = 0;
    }
    if (done && streak === 0 && now() - since > 120) throw new Error(`${url}: never good within 120 s`);
    await sleep(50);
  }
  await running;
  return first - since;
}

const scratch = scratchCopy();
const nxSync = (...args) => run(scratch.dir, 'npx', ['nx', ...args, '--output-style=static']);
const nx = async (...args) => {
  const p = start(scratch.dir, 'npx', ['nx', ...args, '--output-style=static']);
  const code = await p.exited;
  if (code !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${p.output()}`);
  return p.output();
};
const agentsFile = join(scratch.dir, 'tools/deploy/services/agents.yaml');
const baseAgents = readFileSync(agentsFile, 'utf8');
const configure = (env) =>
  writeFileSync(
    agentsFile,
    baseAgents.replace(
      'env:\n',
      `env:\n${Object.entries(env)
        .map(([k, v]) => `  ${k}: "${v}"`)
        .join('\n')}\n`,
    ),
  );

try {
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(envFile, 'utf8'));
  Object.assign(envs.staging, { namespace: NS, scaleDownDelaySeconds: 30 });
  Object.assign(envs.staging.analysis, { intervalSeconds: 2, windowSeconds: 4 });
  writeFileSync(envFile, stringify(envs));
  mkdirSync(join(scratch.dir, 'dist/agents'), { recursive: true });
  copyFileSync(join(repoRoot, 'dist/agents/image.json'), join(scratch.dir, 'dist/agents/image.json'));

  const bare = timed(() => nxSync('show', 'projects'));
  run(repoRoot, 'bash', ['tools/local-cluster/cluster.sh', 'down']);
  const cold = timed(() => run(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up', '--output-style=static']));
  const warm = timed(() => run(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up', '--output-style=static']));
  kubectl('create', 'namespace', NS);
  kubectl('annotate', 'namespace', NS, 'scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real');

  const deployStart = now();
  const first = timed(() => nxSync('run', 'deploy:staging', '--services=agents', '--skipAnalysis'));
  const url = `http://${kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.clusterIP}')}/api/positions`;
  const firstAnswer = await until(
    url,
    deployStart,
    (r) => r.status === 200,
    async () => {},
  );

  configure({ FAULT_DELAY_MS: '300' });
  await nx('run', 'deploy:staging', '--services=agents', '--skipAnalysis');
  const rollbackStart = now();
  let rollbackOut = '';
  const restored = await until(
    url,
    rollbackStart,
    (r) => r.status === 200 && r.ms < 150,
    async () => {
      rollbackOut = await nx('run', 'deploy:rollback', '--services=agents', '--reason=bench');
    },
  );
  const reported = Number(/recovered in ([\d.]+) s/.exec(rollbackOut)?.[1]);

  configure({ FAULT_ERROR_RATE: '0.5' });
  const breachStart = now();
  const samples = [];
  let finished = false;
  const deploying = nx('run', 'deploy:staging', '--services=agents', '--analysisIntervalSeconds=2', '--soakSeconds=60')
    .then(
      () => 'promoted',
      () => 'switched back',
    )
    .finally(() => {
      finished = true;
    });
  while (!finished) {
    const r = await probe(url);
    samples.push({ t: now(), bad: r.status === 0 || r.status >= 500 });
    await sleep(50);
  }
  const outcome = await deploying;
  const errors = samples.filter((x) => x.bad);
  const firstError = errors[0]?.t ?? null;
  const back = errors.length ? (samples.find((x) => !x.bad && x.t > errors.at(-1).t)?.t ?? null) : null;

  const line = (label, s) => console.log(`${label.padEnd(58)} ${s.toFixed(2).padStart(7)} s`);
  line('bare nx invocation (nx show projects)', bare.s);
  line('cluster up from nothing: control plane + real node (nx)', cold.s);
  line('cluster up again when already up (nx)', warm.s);
  line('first deploy of the agents on the real node (nx command)', first.s);
  line('  ... until the active Service answers', firstAnswer);
  line('rollback: until the restored release answers (clients)', restored);
  line('  rollback recovery as the command reports it', reported);
  if (firstError !== null && back !== null) line('SLO breach: first client error to traffic back', back - firstError);
  line('  whole deploy that was switched back (nx command)', now() - breachStart);
  console.log(`outcome of the bad release: ${outcome}`);
  console.log(
    `ratios to bare nx: cold up ${(cold.s / bare.s).toFixed(1)}, warm up ${(warm.s / bare.s).toFixed(1)}, ` +
      `rollback until restored ${(restored / bare.s).toFixed(1)}${back !== null ? `, breach to traffic back ${((back - firstError) / bare.s).toFixed(1)}` : ''}; ` +
      `rollback / 60 s bar ${(restored / 60).toFixed(3)}`,
  );
} finally {
  try {
    kubectl('delete', 'namespace', NS, '--wait=false');
  } catch {
    /* cluster gone */
  }
  scratch.cleanup();
}
