// @workspace-test exclusive=docker,cluster,prometheus cached inputs=workspaceConfig,workflows,tools/nx-plugin/src/**/*,tools/deploy/**/*,apps/cache-server/src/**/*
// The workflows themselves, run end to end by act (tools/workflow-runner/act.sh) as GitHub runs them:
// as the non-root user `runner` with passwordless sudo and its own HOME, the pinned actions from
// their local copies, setup-node/-go/-python from the machine's toolchains, events from JSON.
// The cloud is replaced by clearly named local stand-ins (tools/workflow-runner/stand-ins: gcloud,
// google-github-actions/auth; github-api-stand-in.mjs for nx-set-shas), so the deploy workflows
// really deploy to and roll back the local staging cluster through their own steps. Each run also
// proves that nothing under the runner's HOME ends up owned by root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startGitHubApi } from '../../workflow-runner/github-api-stand-in.mjs';
import { parse, stringify } from 'yaml';
import { startCacheServer } from '../../workspace-tests/cache-server.mjs';
import { pushVariant } from '../../workspace-tests/images.mjs';
import { failedSteps, prepareRunnerUser, runnerWorkspace, shardTimes, stepOutcomes } from '../../workspace-tests/act-runner.mjs';
import { repoRoot, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';
import { startExporter, waitForSeries } from '../../workspace-tests/slo-exporter.mjs';
import { CONTEXT, kubectl } from '../../workspace-tests/local-stack.mjs';

const NS = `it-act-${process.pid}`;
const NS_PROD = `it-act-prod-${process.pid}`;
const SERVICES = ['agents', 'cache-server', 'dashboard', 'execution-engine'];
let runner; // the runner user's clone and act (act-runner.mjs)
const selector = (svc) => kubectl('-n', NS, 'get', 'service', svc, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
const history = (svc) => JSON.parse(kubectl('-n', NS, 'get', 'configmap', `${svc}-releases`, '-o', 'jsonpath={.data.history}'));
const vars = [
  'GCP_PROJECT=acme',
  'GKE_CLUSTER=staging-1',
  'GKE_LOCATION=europe-west1',
  'GCP_WORKLOAD_IDENTITY_PROVIDER=projects/1/locations/global/workloadIdentityPools/github/providers/repo',
  'GCP_DEPLOY_SERVICE_ACCOUNT=deployer@acme.iam.gserviceaccount.com',
]
  .flatMap((v) => ['--var', v])
  .concat('-s', 'GITHUB_TOKEN=token-for-the-github-api-stand-in'); // github.token, for nx-set-shas
const WRITE = `write-${randomBytes(12).toString('hex')}`;
const READ = `read-${randomBytes(12).toString('hex')}`;
let cache; // the remote cache server (apps/cache-server) the affected jobs use
let cacheWork;
let deployer; // a scratch copy, as root, that deploys the release a rollback goes back from
let api;
const apiState = { runs: [], commits: [] }; // what the GitHub API stand-in answers
const images = {};
/** The test's namespaces, and production's canary and soak shortened to seconds (the same code judges them). */
function setNamespace(dir) {
  const file = join(dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(file, 'utf8'));
  Object.assign(envs.staging, { namespace: NS, scaleDownDelaySeconds: 1 });
  Object.assign(envs.production, { namespace: NS_PROD, scaleDownDelaySeconds: 1, rolloutTimeoutSeconds: 60 });
  Object.assign(envs.production.analysis, { intervalSeconds: 2, windowSeconds: 3, soakSeconds: 6 });
  envs.production.canary.analysisSeconds = 6;
  // kwok's pods serve no traffic (the exporter stands in): no baseline to compare the canary with
  // (canary-baseline.test.mjs judges that on the real node).
  delete envs.production.canary.baseline;
  writeFileSync(file, stringify(envs));
}

function deploy(image) {
  mkdirSync(join(deployer.dir, 'dist/execution-engine'), { recursive: true });
  writeFileSync(
    join(deployer.dir, 'dist/execution-engine/image.json'),
    JSON.stringify({ project: 'execution-engine', reference: image, revision: 'f'.repeat(40) }),
  );
  const result = tryRun(deployer.dir, 'npx', ['nx', 'run', 'deploy:staging', '--services=execution-engine', '--skipAnalysis', '--output-style=static']);
  assert.equal(result.code, 0, result.out);
}

/** act.sh in the runner's clone, with the stand-ins for the cloud: { code, out }. */
const act = (workflow, event, payload, ...flags) =>
  runner.act(workflow, event, payload, [...vars, ...flags], {
    ACT_PATH_PREPEND: join(repoRoot, 'tools/workflow-runner/stand-ins/bin'),
    STAND_IN_KUBECONFIG: join(runner.base, 'local-cluster.kubeconfig'),
    STAND_IN_LOG: join(runner.base, 'stand-in.log'),
  });
const commitAsRunner = (...args) => runner.commit(...args);
const gitAsRunner = (...args) => runner.git(...args);
const rootOwned = () => runner.rootOwned();

before(async () => {
  prepareRunnerUser();
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  assert.equal(tryRun(repoRoot, 'bash', ['tools/prometheus/prometheus.sh', 'up']).code, 0, 'prometheus must start');
  for (const n of [1, 2, 3]) images[n] = pushVariant('it-act', n);
  deployer = scratchCopy();
  setNamespace(deployer.dir);
  api = await startGitHubApi(apiState);
  cacheWork = mkdtempSync(join(tmpdir(), 'act-cache-'));
  cache = await startCacheServer(cacheWork, { write: WRITE, read: READ });
  runner = runnerWorkspace(`act-${process.pid}`, {
    edit: setNamespace,
    // production-deploy.yml's integration-tests job runs scripts/test-all.sh: the run this test is part of.
    env: [`GITHUB_API_URL=${api.url}`, 'TEST_ALL_NESTED=skip'],
  });
  // What the stand-in gcloud hands out as GKE credentials: the local cluster, readable by the runner.
  writeFileSync(
    join(runner.base, 'local-cluster.kubeconfig'),
    execFileSync('kubectl', ['config', 'view', '--context', CONTEXT, '--minify', '--flatten', '--raw'], { encoding: 'utf8' }),
    { mode: 0o600 },
  );
  execFileSync('chown', ['runner:runner', join(runner.base, 'local-cluster.kubeconfig')]);
});

after(async () => {
  await api?.close();
  cache?.child.kill();
  if (cacheWork) rmSync(cacheWork, { recursive: true, force: true });
  deployer?.cleanup();
  for (const ns of [NS, NS_PROD]) {
    try {
      kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
    } catch {
      /* cluster gone */
    }
  }
  runner?.cleanup();
  console.log(`act wall times:\n  ${runner?.timings.join('\n  ')}`);
});

test('ci.yml on a pull request: the workflow lint job passes as the runner user and leaves nothing root-owned', async () => {
  const result = await act(
    'ci.yml',
    'pull_request',
    { number: 7, pull_request: { number: 7, base: { ref: 'main' }, head: { ref: 'feature' } } },
    '-j',
    'workflows',
  );
  assert.equal(result.code, 0, result.out.slice(-4000));
  assert.match(result.out, /actionlint: no findings in 4 workflow\(s\)/);
  assert.match(result.out, /No findings to report/);
  assert.match(result.out, /LocalRepositoryCache matched https:\/\/github\.com\/actions\/setup-python/);
  assert.match(result.out, /Found in cache @ \/home\/runner\/\.cache\/act\/tool_cache\/go\//, "setup-go used the machine's Go");
  assert.deepEqual(rootOwned(), []);
});

test("rollback.yml by hand (workflow_dispatch): the local staging cluster goes back to the previous release through the workflow's own steps", async () => {
  deploy(images[1]);
  deploy(images[2]);
  assert.equal(selector('execution-engine'), 'green');
  const result = await act('rollback.yml', 'workflow_dispatch', { inputs: { service: 'execution-engine', environment: 'staging', reason: 'act: by hand' } });
  assert.equal(result.code, 0, result.out.slice(-4000));
  assert.equal(selector('execution-engine'), 'blue', 'traffic is back on the previous release');
  assert.match(JSON.stringify(history('execution-engine').at(-1)), /act: by hand/);
  assert.match(result.out, /stand-in auth: would exchange GitHub's OIDC token for deployer@acme/);
  const gcloud = readFileSync(join(runner.base, 'stand-in.log'), 'utf8');
  assert.match(gcloud, /gcloud container clusters get-credentials staging-1 --location europe-west1 --project acme/);
  assert.doesNotMatch(gcloud, /configure-docker/, 'a rollback configures no registry');
  assert.deepEqual(rootOwned(), []);
});

test('rollback.yml from an SLO alert (repository_dispatch): the service the firing alert names goes back', async () => {
  deploy(images[3]);
  assert.equal(selector('execution-engine'), 'green');
  const payload = {
    action: 'slo-alert',
    client_payload: {
      environment: 'staging',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'ErrorRateHigh', service: 'execution-engine', environment: 'staging' } }],
    },
  };
  const result = await act('rollback.yml', 'repository_dispatch', payload);
  assert.equal(result.code, 0, result.out.slice(-4000));
  assert.equal(selector('execution-engine'), 'blue');
  assert.match(JSON.stringify(history('execution-engine').at(-1)), /ErrorRateHigh/);
  assert.deepEqual(rootOwned(), []);
});

test('staging-deploy.yml by hand after a docs-only merge: compares with the last successful CI run on main, has nothing to deploy, and passes', async () => {
  const before = commitAsRunner('docs/act-note.md', 'A docs-only change.\n', 'docs only');
  const head = gitAsRunner('rev-parse', 'HEAD');
  api.requests.length = 0;
  Object.assign(apiState, { runs: [{ workflow: 'ci.yml', event: 'push', branch: 'main', head_sha: before }], commits: [head, before] });
  const result = await act(
    'staging-deploy.yml',
    'workflow_dispatch',
    { inputs: {}, ref: 'refs/heads/main' },
    '--var',
    `ARTIFACT_REGISTRY=127.0.0.1:5000/trading`,
    '--var',
    'PROMETHEUS_URL=http://127.0.0.1:9090',
  );
  assert.equal(result.code, 0, result.out.slice(-6000));
  assert.ok(
    api.requests.some((r) => /\/actions\/workflows\/ci\.yml\/runs$/.test(r.path) && r.query.event === 'push'),
    JSON.stringify(api.requests),
  );
  assert.match(result.out, new RegExp(`Commit: ${before}`), 'nx-set-shas took the last successful CI run as the base');
  assert.match(result.out, /nothing to deploy: no service has a pushed image record .*the live releases stay as they are/);
  assert.deepEqual(rootOwned(), []);
});

/** Which projects the affected step ran, and how each step ended, from act's log. */
const ranProjects = (out) => [...new Set([...out.matchAll(/> nx run ([\w@/.-]+):([\w-]+)/g)].map((m) => m[1]))].sort();
const stepOutcome = (out, name) => new RegExp(`(Success|Failure) - Main ${name}`).exec(out)?.[1];
const MONEY = 'libs/trading-core/src/trading_core/money.py';
/** The module docstring's sentence, changed (ruff format keeps passing: the line stays short). */
const editMoney = (word) => readFileSync(join(runner.work, MONEY), 'utf8').replace(/never binary floats\.( \w+\.)?/, `never binary floats. ${word}.`);

const SHARD_STEP = "nx affected, this shard's tasks of lint test integration e2e coverage build docker-build and workspace tests";
const PLAN_STEP = 'Plan the affected lint test integration e2e coverage build docker-build and workspace tests into shards';
/** The tasks the plan job's log lists for its shards. */
const plannedTasks = (out) => [...out.matchAll(/^.*shard \d+ tasks: (.*)$/gm)].flatMap((m) => m[1].split(', ')).sort();

// The affected tasks are planned once into the matrix's shards (plan job), each shard job runs its
// own; act runs the matrix's jobs side by side on this one machine.
test('ci.yml on a pull request touching one library: planned into 3 shards that together run it and its dependents only, read the remote cache without writing, and stop only at the image scan (no vulnerability database here)', async () => {
  commitAsRunner(MONEY, editMoney('Reviewed'), 'trading-core docs', { moveMain: false });
  const before = cache.log().length;
  const result = await act(
    'ci.yml',
    'pull_request',
    { number: 8, pull_request: { number: 8, base: { ref: 'main' }, head: { ref: 'money' } } },
    '-j',
    'affected',
    '-s',
    `NX_CACHE_TOKEN=${READ}`,
    '--var',
    `NX_REMOTE_CACHE_URL=${cache.address}`,
  );
  assert.notEqual(result.code, 0, 'the image scan cannot fetch its database here');
  assert.equal(stepOutcome(result.out, PLAN_STEP.replace(/[().;:,'-]/g, '.')), 'Success', failedSteps(result.out));
  assert.match(
    result.out,
    /Shard plan: \d+ affected task\(s\) of lint, test, integration, e2e, coverage, build, docker-build, workspace-test--\* .* in 3 shard\(s\)/,
  );
  // The plan job sets up too (the project graph needs the toolchains): four setups, three shards.
  for (const [step, times] of [
    ['Set up toolchains and dependencies', 4],
    ['Container engine, registry, base images; promtool for monitoring:lint', 3],
    [SHARD_STEP, 3],
  ]) {
    assert.deepEqual(stepOutcomes(result.out, step.replace(/[().;:,'-]/g, '.')), Array(times).fill('Success'), `${step}\n${failedSteps(result.out)}`);
  }
  for (const shard of [1, 2, 3]) assert.match(result.out, new RegExp(`Shard ${shard} of 3: passed`));
  const times = shardTimes(result.out);
  console.log(
    `ci.yml pull request, 3 shards side by side on one machine: ${times.map((t) => `shard ${t.shard} ${t.seconds} s (estimated ${t.estimated} s)`).join(', ')}; sum ${times.reduce((a, t) => a + t.seconds, 0)} s`,
  );
  // deploy: the deployed services' workspace test, planned as a task; inside this run (itself a
  // workspace test) it says it is nested instead of driving the local stack a second time.
  assert.deepEqual(ranProjects(result.out), ['agents', 'dashboard', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']);
  assert.ok(plannedTasks(result.out).includes('deploy:workspace-test--deployed-flow'), plannedTasks(result.out).join(' '));
  assert.match(result.out, /nx run agents:docker-build/);
  // The integration tests of agents and engine run on a change to the agents' library; the DAST (shard 1 only) scans all three APIs.
  assert.match(result.out, /nx run flow-integration:integration/);
  assert.deepEqual(stepOutcomes(result.out, 'DAST .Schemathesis against the agents, engine and cache-server APIs.'), ['Success']);
  assert.match(result.out, /DAST: the three APIs are clean/);
  assert.match(result.out, /remote cache: http:\/\/127\.0\.0\.1:\d+ answers; using it/);
  const requests = cache.log().slice(before);
  assert.ok(
    requests.some((r) => r.method === 'GET'),
    'the remote cache was read',
  );
  assert.ok(
    requests.some((r) => r.method === 'PUT' && r.status === 403),
    `uploads refused: read-only token\n${JSON.stringify(requests)}`,
  );
  assert.ok(!requests.some((r) => r.method === 'PUT' && r.status === 200), 'nothing written from a pull request');
  assert.ok(stepOutcomes(result.out, 'Image vulnerability scan').includes('Failure'));
  assert.match(result.out, /failed to load vulnerability db/);
  // The reports are uploaded even so. act v0.2.89's artifact server refuses upload-artifact v6's blob
  // upload ("Error unauthorized", nektos/act#6021, open): a runner limitation; the attempt is asserted.
  assert.match(result.out, /Run Main Coverage and test reports[\s\S]*With the provided path, there will be \d+ files uploaded/);
  assert.deepEqual(rootOwned(), []);
});

test('ci.yml on a push to main: the shards compare with the last successful run and write to the remote cache; the required check aggregates them', async () => {
  const previous = commitAsRunner(MONEY, editMoney('Merged'), 'trading-core docs on main');
  const head = gitAsRunner('rev-parse', 'HEAD');
  Object.assign(apiState, {
    currentWorkflow: 'ci.yml',
    runs: [{ workflow: 'ci.yml', event: 'push', branch: 'main', head_sha: previous }],
    commits: [head, previous],
  });
  const before = cache.log().length;
  const result = await act(
    'ci.yml',
    'push',
    { ref: 'refs/heads/main', before: previous, after: head },
    '-j',
    'affected-result',
    '-s',
    `NX_CACHE_TOKEN=${WRITE}`,
    '--var',
    `NX_REMOTE_CACHE_URL=${cache.address}`,
  );
  assert.deepEqual(stepOutcomes(result.out, SHARD_STEP.replace(/[().;:,'-]/g, '.')), ['Success', 'Success', 'Success'], failedSteps(result.out));
  assert.match(result.out, new RegExp(`Commit: ${previous}`));
  assert.deepEqual(ranProjects(result.out), ['agents', 'dashboard', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']);
  assert.ok(
    cache
      .log()
      .slice(before)
      .some((r) => r.method === 'PUT' && r.status === 200),
    'main writes to the remote cache',
  );
  assert.ok(stepOutcomes(result.out, 'Image vulnerability scan').includes('Failure'));
  // The required check: the shards failed (the image scan), so it fails and says so.
  assert.equal(stepOutcome(result.out, "Shards' results"), 'Failure');
  assert.match(result.out, /plan: success; shards \[1,2,3\]: failure/);
  assert.deepEqual(rootOwned(), []);
});

// Issue 29: the workspace tests are tasks of the projects they test, so a change to the release
// engine plans its deploy scenarios, and a change to the dashboard does not (the plan job alone).
test("ci.yml's plan on a pull request: a release-engine change plans the deploy scenarios, a dashboard change does not", async () => {
  const plan = async (file, text, number) => {
    commitAsRunner(file, text, `touch ${file}`, { moveMain: false });
    const result = await act('ci.yml', 'pull_request', { number, pull_request: { number, base: { ref: 'main' }, head: { ref: `t${number}` } } }, '-j', 'plan');
    assert.equal(stepOutcome(result.out, PLAN_STEP.replace(/[().;:,'-]/g, '.')), 'Success', failedSteps(result.out));
    gitAsRunner('reset', '-q', '--hard', 'HEAD~1'); // the next plan sees only its own change
    return plannedTasks(result.out);
  };
  const planner = 'tools/nx-plugin/src/release/planner.ts';
  const engine = await plan(planner, `${readFileSync(join(runner.work, planner), 'utf8')}// touched\n`, 11);
  for (const scenario of ['deploy', 'release', 'slo', 'real-staging', 'canary-baseline']) {
    assert.ok(engine.includes(`@trading/nx-plugin:workspace-test--${scenario}`), `${scenario} planned for a release-engine change: ${engine.join(' ')}`);
  }
  const page = 'apps/dashboard/lib/format.ts';
  const dashboard = await plan(page, `${readFileSync(join(runner.work, page), 'utf8')}// touched\n`, 12);
  assert.ok(dashboard.includes('dashboard:test'), dashboard.join(' '));
  assert.deepEqual(
    dashboard.filter((t) => t.startsWith('@trading/nx-plugin:')),
    [],
    'no deploy scenario for a dashboard change',
  );
  console.log(
    `plan for ${planner}: ${engine.filter((t) => t.includes('workspace-test')).length} workspace tests of ${engine.length} tasks; for ${page}: ${dashboard.filter((t) => t.includes('workspace-test')).join(', ')} of ${dashboard.length}`,
  );
  assert.deepEqual(rootOwned(), []);
});

test('ci.yml security job: Semgrep passes; the dependency audits fail only because no advisory database is reachable here', async () => {
  const result = await act(
    'ci.yml',
    'pull_request',
    { number: 9, pull_request: { number: 9, base: { ref: 'main' }, head: { ref: 'audit' } } },
    '-j',
    'security',
  );
  assert.notEqual(result.code, 0);
  assert.equal(stepOutcome(result.out, 'Install the CI tools .pinned.'), 'Success', result.out.slice(-5000));
  assert.equal(stepOutcome(result.out, 'Semgrep .rules in tools/ci-tools/semgrep.'), 'Success', result.out.slice(-5000));
  assert.equal(stepOutcome(result.out, 'Dependency audits .npm, Python, Rust.'), 'Failure');
  // Every audit ran (none stopped the others), none for a reason of ours: the hash problem is gone.
  for (const audit of ['npm audit', 'pip-audit libs/trading-core', 'pip-audit apps/agents', 'cargo audit']) assert.match(result.out, new RegExp(audit));
  assert.doesNotMatch(result.out, /does not contain a hash|Permission denied/);
  assert.match(result.out, /dependency audit failed: .*an unreachable advisory database fails too/);
  assert.deepEqual(rootOwned(), []);
});

// The production promotion, past its approval (GitHub's protected environment; act has none): the
// integration-tests job (scripts/test-all.sh, which is the run this test belongs to, so it says so
// and stops), then the deploy job as written: credentials from the stand-ins, setup, every image
// built at this commit and pushed, and nx run deploy:production against the local cluster: each
// service's canary judged by the SLO analysis on the local Prometheus, the swap, the soak.
test('production-deploy.yml (past its approval): builds every image at this commit, canaries each service against the SLOs, swaps and soaks in the local cluster', async () => {
  // What is live in production before: a release of each service (deployed as root, unjudged).
  for (const service of SERVICES) {
    mkdirSync(join(deployer.dir, 'dist', service), { recursive: true });
    writeFileSync(join(deployer.dir, 'dist', service, 'image.json'), JSON.stringify({ project: service, reference: images[1], revision: 'f'.repeat(40) }));
  }
  const first = tryRun(deployer.dir, 'npx', ['nx', 'run', 'deploy:production', '--skipAnalysis', '--output-style=static']);
  assert.equal(first.code, 0, first.out);
  // The pods' metrics: healthy canaries (beside blue, the live colour) and green after the swap.
  const pods = await startExporter({ name: `act-prod-${process.pid}` });
  try {
    pods.target(
      SERVICES.flatMap((service) => [
        { namespace: NS_PROD, service, color: 'blue', track: 'canary' },
        { namespace: NS_PROD, service, color: 'green' },
      ]),
    );
    for (const service of SERVICES) await waitForSeries(`namespace="${NS_PROD}",service="${service}",color="green"`);
    const result = await act(
      'production-deploy.yml',
      'workflow_dispatch',
      { inputs: { reason: 'act: promote the staged commit' } },
      '-s',
      `NX_CACHE_TOKEN=${WRITE}`,
      '--var',
      `NX_REMOTE_CACHE_URL=${cache.address}`,
      '--var',
      'ARTIFACT_REGISTRY=127.0.0.1:5000/trading',
      '--var',
      'PROMETHEUS_URL=http://127.0.0.1:9090',
    );
    assert.equal(result.code, 0, result.out.slice(-8000));
    assert.match(result.out, /test-all: nested inside a run of scripts\/test-all\.sh/);
    assert.match(result.out, /Promoting [0-9a-f]{40}: act: promote the staged commit/);
    for (const service of SERVICES) {
      assert.match(
        result.out,
        new RegExp(`\\[${service}\\] canary passed[\\s\\S]*\\[${service}\\] switch traffic blue -> green[\\s\\S]*\\[${service}\\] soak passed`),
        service,
      );
      assert.equal(kubectl('-n', NS_PROD, 'get', 'service', service, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}'), 'green', service);
      // The job's own build: pushed by this run's docker-build step, now live on green.
      const live = kubectl('-n', NS_PROD, 'get', 'deploy', `${service}-green`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
      assert.match(live, new RegExp(`^127\\.0\\.0\\.1:5000/trading/${service}@sha256:[0-9a-f]{64}$`));
      const [, repository, digest] = /^127\.0\.0\.1:5000\/(.+)@(sha256:[0-9a-f]{64})$/.exec(live);
      const manifest = await fetch(`http://127.0.0.1:5000/v2/${repository}/manifests/${digest}`, {
        method: 'HEAD',
        headers: {
          Accept:
            'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json',
        },
      });
      assert.equal(manifest.status, 200, `${live} is in the registry`);
      assert.notEqual(live, images[1]);
    }
    assert.match(readFileSync(join(runner.base, 'stand-in.log'), 'utf8'), /gcloud auth configure-docker 127\.0\.0\.1:5000 --quiet/);
    assert.deepEqual(rootOwned(), []);
  } finally {
    await pods.close();
  }
});
