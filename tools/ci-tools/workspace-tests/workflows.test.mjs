// @workspace-test uses=postgres cached inputs=workspaceConfig,workflows,apps/dashboard-e2e/global-setup.mjs,tools/deploy/environments.yaml
// The GitHub workflows: linted by actionlint (with shellcheck) and audited by zizmor with no
// finding (tools installed by scripts/install-ci-tools.sh); every Nx project, target and script
// they invoke exists; Semgrep's in-repo rules catch what they are for; and the sharded
// CI's entry points (scripts/ci-shard.sh, with the exact targets and shard count ci.yml gives) run
// only what a change to one library affects, and pass on this repository.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, run, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';
import { check, invocations, runScripts } from '../../workspace-tests/workflow-commands.mjs';
import { reusableCallProblems } from '../../workspace-tests/workflow-calls.mjs';
import { assertRanAffectedByMoney } from './affected-runs.mjs';
import { existsSync } from 'node:fs';
import { parse } from 'yaml';

const WORKFLOWS = join(repoRoot, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));
const texts = Object.fromEntries(files.map((f) => [f, readFileSync(join(WORKFLOWS, f), 'utf8')]));
const parsed = Object.fromEntries(files.map((f) => [f, parse(texts[f])]));
/** Every job of every workflow: { file, name, job, steps }. */
const jobs = files.flatMap((file) => Object.entries(parsed[file].jobs).map(([name, job]) => ({ file, name, job, steps: job.steps ?? [] })));
const stepIndex = (steps, predicate) => steps.findIndex(predicate);
let scratch;

before(() => {
  assert.equal(tryRun(repoRoot, 'bash', ['scripts/install-ci-tools.sh']).code, 0, 'the CI tools must install');
  // node_modules hard-linked, not symlinked: the CI entry point's run builds the dashboard (the e2e
  // target's dependency), and Turbopack resolves next only inside the workspace root.
  scratch = scratchCopy({ hardLinkNodeModules: true });
});
after(() => scratch?.cleanup());

test('the five workflows exist and pass actionlint, shellcheck and zizmor (auditor persona) with no finding', () => {
  assert.deepEqual(files.sort(), ['ci.yml', 'production-deploy.yml', 'reconcile.yml', 'rollback.yml', 'staging-deploy.yml']);
  const result = tryRun(repoRoot, 'bash', ['scripts/security/lint-workflows.sh']);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /actionlint: no findings in 5 workflow\(s\)/);
  assert.match(result.out, /No findings to report/);
});

test('the workflow lint fails on an unpinned action, a template injection and a shell bug', () => {
  const bad = join(scratch.dir, '.github/workflows/bad.yml');
  writeFileSync(
    bad,
    [
      'name: bad',
      'on: pull_request_target',
      'permissions: write-all',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - run: echo "${{ github.event.pull_request.title }}"; cd $DIR',
      '',
    ].join('\n'),
  );
  try {
    // The script stops at actionlint's findings; zizmor is asked about the same file directly.
    const result = tryRun(scratch.dir, 'bash', ['scripts/security/lint-workflows.sh']);
    assert.notEqual(result.code, 0);
    assert.match(result.out, /bad\.yml.*(SC2086|shellcheck)/s);
    const zizmor = tryRun(scratch.dir, 'zizmor', ['--offline', '--persona=auditor', '--no-progress', '.github/workflows/bad.yml']);
    assert.notEqual(zizmor.code, 0);
    for (const audit of ['unpinned-uses', 'template-injection', 'dangerous-triggers', 'excessive-permissions']) assert.match(zizmor.out, new RegExp(audit));
  } finally {
    run(scratch.dir, 'rm', ['-f', bad]);
  }
});

test('every Nx project, target, configuration and script the workflows invoke exists', () => {
  const graphFile = join(scratch.dir, 'graph.json');
  run(repoRoot, 'npx', ['nx', 'graph', `--file=${graphFile}`]);
  const graph = JSON.parse(readFileSync(graphFile, 'utf8'));
  const all = files.flatMap((f) =>
    runScripts(readFileSync(join(WORKFLOWS, f), 'utf8')).flatMap((s) => invocations(s.run).map((i) => ({ ...i, where: `${f} ${s.job}: ${s.step}` }))),
  );
  const runs = all.filter((i) => i.kind === 'run').map((i) => `${i.project}:${i.target}`);
  for (const expected of ['deploy:staging', 'deploy:production']) assert.ok(runs.includes(expected), `${expected} in ${runs}`);
  assert.ok(all.some((i) => i.kind === 'affected' && i.target === 'docker-build' && i.configuration === 'push'));
  assert.deepEqual(check(all, graph, repoRoot), []);
  // The checker itself catches a missing target, configuration, project and script.
  const wrong = invocations('npx nx run deploy:canary\nnpx nx run nope:build\nnpx nx affected -t docker-build -c fast\nbash scripts/nope.sh');
  assert.deepEqual(check(wrong, graph, repoRoot), [
    'project deploy has no target canary',
    'project nope does not exist',
    "no project's docker-build has a configuration fast",
    'script scripts/nope.sh does not exist',
  ]);
});

// Whether the repository itself is clean is ci-tools:semgrep's verdict (run by test-all.sh and the
// security job on every run): this cached test's outcome must not depend on every source file.
test('semgrep with the in-repo rules catches float money, a shell exec and a base image not pinned by digest', () => {
  mkdirSync(join(scratch.dir, 'apps/agents/src/agents/finance'), { recursive: true });
  appendFileSync(join(scratch.dir, 'apps/agents/src/agents/finance/vwap.py'), '\n\ndef bad_total(x) -> float:\n    return float(x)\n');
  appendFileSync(
    join(scratch.dir, 'apps/cache-server/src/hash.ts'),
    "\nimport { execSync } from 'node:child_process';\nexport const run = (c: string) => execSync(`sh ${c}`);\n",
  );
  mkdirSync(join(scratch.dir, 'apps/agents/bad'));
  writeFileSync(
    join(scratch.dir, 'apps/agents/bad/Dockerfile'),
    `ARG BASE=x\nFROM \${BASE} AS build\nFROM build\nFROM debian:bookworm\nFROM debian:bookworm@sha256:${'a'.repeat(64)} AS pinned\nUSER root\n`,
  );
  const dirty = tryRun(scratch.dir, 'bash', ['scripts/security/semgrep.sh', 'apps']);
  assert.notEqual(dirty.code, 0);
  for (const id of ['no-float-in-money-or-risk-python', 'no-shell-exec-node', 'dockerfile-base-image-must-be-pinned', 'dockerfile-user-root'])
    assert.match(dirty.out, new RegExp(id));
  // The bad Dockerfile's findings, by line: the base from a build argument (2; Dependabot cannot read
  // it), the unpinned tag (4) and the root user (6); not the build stage (3) nor the pinned base (5).
  const block = /apps\/agents\/bad\/Dockerfile\n([\s\S]*?)(\n {4}\S|$)/.exec(dirty.out)[1];
  assert.deepEqual([...new Set([...block.matchAll(/(\d+)┆/g)].map((m) => Number(m[1])))], [2, 4, 6], block);
  run(scratch.dir, 'git', ['checkout', '--', 'apps']);
  run(scratch.dir, 'rm', ['-rf', 'apps/agents/bad']);
});

test("the sharded CI entry points, with ci.yml's own targets and shard count: a library's change is planned once into shards that together run its dependents only, and pass here", () => {
  const ci = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8');
  const planStep = runScripts(ci).find((s) => /ci-shard\.sh plan/.test(s.run));
  const args = /scripts\/ci-shard\.sh plan \S+ ([^\n]+)/
    .exec(planStep.run)[1]
    .trim()
    .split(/\s+/)
    .map((a) => a.replace(/^'|'$/g, ''));
  assert.deepEqual(args, ['lint', 'typecheck', 'test', 'integration', 'e2e', 'coverage', 'build', 'docker-build', 'workspace-test--*']);
  // The repository variable CI_SHARDS, else the workflow's default.
  const count = Number(/^\$\{\{ vars\.CI_SHARDS \|\| '(\d+)' \}\}$/.exec(parse(ci).jobs.plan.env.CI_SHARDS)?.[1]);
  assert.equal(count, 3);
  assert.match(runScripts(ci).find((s) => /ci-shard\.sh run/.test(s.run)).run, /ci-shard\.sh run "\$SHARD"/);
  const money = join(scratch.dir, 'libs/trading-core/src/trading_core/money.py');
  // A change that passes the lint (ruff format too): the module docstring grows a sentence.
  writeFileSync(money, readFileSync(money, 'utf8').replace('never binary floats.', 'never binary floats. Changed by a test.'));
  run(scratch.dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', 'touch trading-core']);
  // The workspace tests the change affects are planned and run as tasks; inside this test (itself a
  // workspace test) they say they are nested instead of driving the stack a second time.
  const env = {
    TEST_ALL_NESTED: 'skip',
    NX_BASE: 'HEAD~1',
    NX_HEAD: 'HEAD',
    GITHUB_STEP_SUMMARY: join(scratch.dir, 'summary.md'),
    GITHUB_OUTPUT: join(scratch.dir, 'outputs'),
    CI_DURATIONS_FILE: join(scratch.dir, 'durations.json'),
  };
  const planned = tryRun(scratch.dir, 'bash', ['scripts/ci-shard.sh', 'plan', String(count), ...args], env);
  assert.equal(planned.code, 0, planned.out);
  const outputs = Object.fromEntries(
    readFileSync(env.GITHUB_OUTPUT, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  assert.deepEqual(JSON.parse(outputs.shards), [1, 2, 3], 'the matrix is made of the plan');
  writeFileSync(join(scratch.dir, 'plan.json'), outputs.plan);
  let out = '';
  for (const shard of JSON.parse(outputs.shards)) {
    const result = tryRun(scratch.dir, 'bash', ['scripts/ci-shard.sh', 'run', String(shard), 'plan.json'], env);
    assert.equal(result.code, 0, result.out);
    out += result.out;
  }
  // The agents' dependents run too, and of the engine only the debug build they start.
  assertRanAffectedByMoney(out, out);
  for (const target of [
    'agents:lint',
    'agents:test',
    'agents:coverage',
    'agents:docker-build',
    'trading-core:test',
    'flow-integration:integration',
    'dashboard-e2e:e2e',
  ])
    assert.match(out, new RegExp(`nx run ${target}`));
  const summary = readFileSync(join(scratch.dir, 'summary.md'), 'utf8');
  assert.match(
    summary,
    /### Shard plan: \d+ affected task\(s\) of lint, typecheck, test, integration, e2e, coverage, build, docker-build, workspace-test--\* .* in 3 shard\(s\)/,
  );
  for (const shard of [1, 2, 3]) assert.match(summary, new RegExp(`### Shard ${shard} of 3: passed`));
});

test('reusable-workflow calls: the called jobs ask for no more than the caller grants, and get the secrets and env they read', () => {
  assert.deepEqual(reusableCallProblems(texts), []);
  // Planted: the caller drops `actions: read` (GitHub then refuses ci.yml for every event), the
  // called workflow loses the remote cache URL and reads a secret nobody passes.
  const planted = {
    ...texts,
    'ci.yml': texts['ci.yml'].replace(/\n\s+actions: read # the called job's nrwl\/nx-set-shas/, ''),
    'staging-deploy.yml': texts['staging-deploy.yml']
      .replace(/\n\s+NX_SELF_HOSTED_REMOTE_CACHE_SERVER: .*/, '')
      .replace('    environment:\n      name: staging\n', '')
      .replace('secrets.NX_CACHE_TOKEN', 'secrets.CACHE_TOKEN_NOBODY_PASSES'),
  };
  assert.deepEqual(reusableCallProblems(planted), [
    'ci.yml staging -> staging-deploy.yml deploy: asks for actions: read, the calling job grants actions: none',
    'ci.yml staging -> staging-deploy.yml deploy: reads secrets.CACHE_TOKEN_NOBODY_PASSES, which the caller does not pass',
    "ci.yml staging -> staging-deploy.yml deploy: the caller's workflow env NX_SELF_HOSTED_REMOTE_CACHE_SERVER does not reach a called workflow; set it there",
  ]);
});

test('every job that runs scripts/setup.sh or test-all.sh sets up the pinned Python first (runners ship 3.12)', () => {
  const needing = jobs.filter((j) => j.steps.some((s) => /scripts\/(setup|test-all)\.sh|install-ci-tools\.sh/.test(s.run ?? '')));
  assert.ok(needing.length >= 6, needing.map((j) => j.name).join());
  for (const { file, name, steps } of needing) {
    const python = stepIndex(steps, (s) => /^actions\/setup-python@/.test(s.uses ?? '') && s.with?.['python-version-file'] === '.python-version');
    const first = stepIndex(steps, (s) => /scripts\/(setup|test-all)\.sh|install-ci-tools\.sh/.test(s.run ?? ''));
    assert.ok(python >= 0 && python < first, `${file} ${name}: actions/setup-python with python-version-file: .python-version before step ${first}`);
  }
});

test('no step runs a repository script through sudo: the scripts ask for root only where they need it', () => {
  const sudo = jobs.flatMap(({ file, name, steps }) =>
    steps.filter((s) => /\bsudo\b[^\n]*\b(bash|sh) /.test(s.run ?? '')).map((s) => `${file} ${name}: ${s.name}`),
  );
  assert.deepEqual(sudo, []);
});

test('the affected job installs promtool before it runs monitoring:lint', () => {
  const { steps } = jobs.find((j) => j.file === 'ci.yml' && j.name === 'affected');
  const promtool = stepIndex(steps, (s) => /tools\/prometheus\/install\.sh/.test(s.run ?? ''));
  const affected = stepIndex(steps, (s) => /ci-shard\.sh run/.test(s.run ?? ''));
  assert.ok(promtool >= 0 && promtool < affected, 'tools/prometheus/install.sh (Debian prometheus: promtool) before scripts/ci-shard.sh run');
});

test('every job that builds with Nx has the remote cache: server URL in its env, token on the building step', () => {
  const building = jobs.filter((j) => j.steps.some((s) => /ci-affected\.sh|ci-shard\.sh run|nx run-many/.test(s.run ?? '')));
  assert.ok(building.length >= 2);
  for (const { file, name, job, steps } of building) {
    const env = { ...parsed[file].env, ...job.env };
    assert.match(env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER ?? '', /vars\.NX_REMOTE_CACHE_URL/, `${file} ${name}: NX_SELF_HOSTED_REMOTE_CACHE_SERVER`);
    for (const step of steps.filter((s) => /ci-affected\.sh|ci-shard\.sh run|nx run-many/.test(s.run ?? ''))) {
      assert.match(step.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN ?? '', /secrets\.NX_CACHE_TOKEN/, `${file} ${name}: ${step.name}`);
    }
  }
});

// Issue 31, finding 11: setup-go v7 sets GOTOOLCHAIN=local, so the Go it installs must be at least
// what every Go module here asks for.
test('every setup-go takes its version from the go.mod that asks for the newest Go', () => {
  const version = (file) => /^go (\d+\.\d+(?:\.\d+)?)$/m.exec(readFileSync(join(repoRoot, file), 'utf8'))[1];
  const newer = (a, b) =>
    a
      .split('.')
      .map(Number)
      .reduce((acc, n, i) => acc || n - (b.split('.').map(Number)[i] ?? 0), 0) > 0
      ? a
      : b;
  const modules = readdirSync(join(repoRoot, 'tools'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(repoRoot, 'tools', d.name, 'go.mod')))
    .map((d) => `tools/${d.name}/go.mod`);
  const newest = modules.map(version).reduce(newer);
  const steps = jobs.flatMap(({ file, name, steps }) =>
    steps.filter((s) => /^actions\/setup-go@/.test(s.uses ?? '')).map((s) => ({ file, name, with: s.with ?? {} })),
  );
  assert.ok(steps.length >= 5, `${steps.length} setup-go steps`);
  for (const step of steps) {
    assert.equal(step.with['go-version'], undefined, `${step.file} ${step.name}: go-version-file, not a go-version that can lag the modules`);
    assert.ok(modules.includes(step.with['go-version-file']), `${step.file} ${step.name}: go-version-file ${step.with['go-version-file']}`);
    assert.equal(version(step.with['go-version-file']), newest, `${step.file} ${step.name}: ${step.with['go-version-file']} is not the newest (${newest})`);
  }
});

// Issue 31, finding 9: setup-go's cache key is the hash of cache-dependency-path, so every job that
// named tools/*/go.sum shared one key; GitHub keeps the first save, and the light jobs (workflow
// lint, security: only the CI tools' module) finish first, so the shards' heavy Go builds (the
// cluster, BuildKit, Prometheus) were never cached. Each job now names the go.sum of the modules
// it builds: jobs share a key only when they build the same modules.
test('every setup-go cache is keyed by the go.sum of the Go modules its job builds', () => {
  /** The Go modules a job builds (scripts/build-go-tools.sh sets), from what its steps run. */
  const builds = (steps) => {
    const runs = steps.map((s) => s.run ?? '').join('\n');
    if (/scripts\/test-all\.sh|scripts\/ci-shard\.sh run/.test(runs)) return ['*']; // every test: every module
    const modules = new Set();
    if (/tools\/stack\.sh up docker/.test(runs)) modules.add('image-builder').add('supply-chain');
    if (/scripts\/build-go-tools\.sh supply-chain/.test(runs)) modules.add('supply-chain');
    if (/scripts\/install-ci-tools\.sh(?! (load|dast))/.test(runs)) modules.add('ci-tools');
    if (/scripts\/security\/scan-images\.sh/.test(runs)) modules.add('image-scanner');
    return [...modules].sort();
  };
  const seen = jobs.flatMap(({ file, name, steps }) =>
    steps
      .filter((s) => /^actions\/setup-go@/.test(s.uses ?? ''))
      .map((s) => ({ where: `${file} ${name}`, path: s.with?.['cache-dependency-path'], modules: builds(steps) })),
  );
  assert.ok(seen.length >= 5, `${seen.length} setup-go steps`);
  for (const { where, path, modules } of seen) {
    assert.ok(modules.length > 0, `${where}: sets up Go but builds no Go module (drop setup-go)`);
    const want = modules.map((m) => `tools/${m}/go.sum`).join('\n');
    assert.equal((path ?? '').trim(), want, `${where} builds ${modules.join(', ')}: its Go cache is keyed by ${want.replace(/\n/g, ' ')}`);
  }
  // The light jobs no longer share the shards' key.
  const keyOf = (w) => seen.find((s) => s.where === w).path.trim();
  for (const light of ['ci.yml workflows', 'ci.yml security', 'staging-deploy.yml deploy']) assert.notEqual(keyOf(light), keyOf('ci.yml affected'), light);
});

// Issue 31, finding 9: the tools `cargo install` builds (cargo-llvm-cov for coverage, cargo-audit)
// were rebuilt on every run: nothing kept ~/.cargo/bin. Each job that installs one now caches its
// binary under a key made from the script that pins its version.
test('every tool a job builds with cargo install is cached, keyed by the script pinning its version', () => {
  const installs = [
    { tool: 'cargo-llvm-cov', script: 'scripts/setup.sh', runs: /scripts\/(setup|test-all)\.sh/ },
    { tool: 'cargo-audit', script: 'scripts/security/audit.sh', runs: /scripts\/security\/audit\.sh .*rust/ },
  ];
  for (const { tool, script, runs } of installs) {
    assert.match(readFileSync(join(repoRoot, script), 'utf8'), new RegExp(`cargo install --locked --quiet ${tool} --version`), `${script} installs ${tool}`);
    const users = jobs.filter(({ steps }) => steps.some((s) => runs.test(s.run ?? '')));
    assert.ok(users.length > 0, `a job runs ${script}`);
    for (const { file, name, steps } of users) {
      const cache = steps.find((s) => /^actions\/cache@/.test(s.uses ?? '') && s.with?.path?.trim() === `~/.cargo/bin/${tool}`);
      assert.ok(cache, `${file} ${name} runs ${script} but does not cache ~/.cargo/bin/${tool}`);
      assert.equal(cache.with.key, `${tool}-\${{ runner.os }}-\${{ hashFiles('${script}') }}`, `${file} ${name}`);
      const first = stepIndex(steps, (s) => runs.test(s.run ?? ''));
      assert.ok(stepIndex(steps, (s) => s === cache) < first, `${file} ${name}: the cache of ${tool} is restored before ${script} runs`);
    }
  }
});

// Issue 31, finding 5: production rebuilt every image after its approval, at whatever commit the
// dispatch named, instead of promoting what staging had verified. Its deploy job now builds nothing:
// no toolchains, no image build, no registry login; it deploys staging's judged digests.
test("production builds nothing: it promotes staging's judged releases by digest", () => {
  const { steps, job } = jobs.find((j) => j.file === 'production-deploy.yml' && j.name === 'deploy');
  const runs = steps.map((s) => s.run ?? '').join('\n');
  const deploy = steps.find((s) => s.id === 'deploy');
  assert.match(deploy.run, /npx nx run deploy:production --promoteFrom=staging\b/);
  assert.doesNotMatch(runs, /docker-build|scripts\/setup\.sh|tools\/stack\.sh|ci-affected\.sh/, 'the production deploy job builds nothing');
  assert.ok(!steps.some((s) => /^actions\/setup-python@/.test(s.uses ?? '')), 'no Python is set up');
  // Go only for oras, which reads the promoted images' SBOMs and provenance before the deploy moves
  // anything (requireAttestations); the registry login is for that reading.
  const goBuilds = runs.match(/scripts\/build-go-tools\.sh.*/g) ?? [];
  assert.deepEqual(goBuilds, ['scripts/build-go-tools.sh supply-chain'], 'Go builds oras (supply-chain) and nothing else');
  assert.ok(stepIndex(steps, (s) => /build-go-tools\.sh supply-chain/.test(s.run ?? '')) < stepIndex(steps, (s) => s.id === 'deploy'));
  assert.match(steps.find((s) => /scripts\/gke-credentials\.sh production/.test(s.run ?? '')).name, /read only/);
  assert.equal(job.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER, undefined, 'nothing to replay from the remote cache');
});

// Staging's gates (load, browser tests) judge a release after its soak: one that fails them goes off
// staging's traffic (deploy:rollback), so it is RolledBack there and --promoteFrom=staging refuses it.
test('a release that fails the staging gates is rolled back there, so production never promotes it', () => {
  const { steps } = jobs.find((j) => j.file === 'staging-deploy.yml');
  const gates = stepIndex(steps, (s) => /scripts\/staging-gates\.sh/.test(s.run ?? ''));
  assert.ok(steps[gates].id, 'the gates step has an id');
  const back = steps.find((s) => /npx nx run deploy:rollback -c staging\b/.test(s.run ?? ''));
  assert.ok(back, 'a step rolls staging back');
  assert.ok(steps.indexOf(back) > gates);
  assert.equal(back.if, `\${{ failure() && steps.${steps[gates].id}.outcome == 'failure' }}`);
  assert.match(back.run, /--reason=/);
  assert.ok(back['timeout-minutes'] > 0);
});

// Issue 31, finding 2: a hosted runner has no route to the cluster's Service or pod network; the
// gates reach a release only through the Kubernetes API (tools/nx-plugin/workspace-tests/load-in-cluster.test.mjs runs the Job path).
test('the staging gates dial no ClusterIP: the load runs as Jobs inside the namespace, the browser tests through the Kubernetes API', () => {
  const gates = readFileSync(join(repoRoot, 'scripts/staging-gates.sh'), 'utf8');
  const setup = readFileSync(join(repoRoot, 'apps/dashboard-e2e/global-setup.mjs'), 'utf8');
  for (const [name, text] of [
    ['scripts/staging-gates.sh', gates],
    ['apps/dashboard-e2e/global-setup.mjs', setup],
  ]) {
    assert.doesNotMatch(text, /clusterIP|podIP|curl /, `${name} dials a cluster address`);
  }
  const loads = gates.split('\n').filter((l) => /npx nx run "\$project:load"/.test(l));
  assert.equal(loads.length, 1);
  assert.match(loads[0], /--namespace="\$NAMESPACE" --context="\$CONTEXT" --baseUrl="http:\/\/\$project"/);
  assert.match(setup, /'port-forward', `service\/\$\{service\}`/);
  // The deploy job's image records hold the load generator's too; the gates' rollback names services only.
  const { steps } = jobs.find((j) => j.file === 'staging-deploy.yml');
  const deploy = steps.find((s) => s.id === 'deploy');
  assert.match(deploy.run, /\[ ! -f "tools\/deploy\/services\/\$p\.yaml" \] \|\| echo "\$p"/);
  // The analysis' traffic too: a Job in the namespace, from the load image staging builds before
  // its deploy; production, which builds nothing, takes the image staging recorded.
  const envs = parse(readFileSync(join(repoRoot, 'tools/deploy/environments.yaml'), 'utf8'));
  for (const name of ['staging', 'production']) {
    const command = envs[name].analysis.load.command;
    assert.deepEqual(command.slice(0, 2), ['node', 'tools/load/in-cluster.mjs'], name);
    assert.ok(command.includes('--') && !command.includes('--context', command.indexOf('--')), `${name}: traffic.mjs runs in the cluster, no context`);
  }
  const production = envs.production.analysis.load.command;
  assert.equal(production[production.indexOf('--image-from') + 1], envs.staging.namespace);
  const build = steps.findIndex((s) => /load:docker-build -c push/.test(s.run ?? ''));
  assert.ok(build >= 0 && build < steps.indexOf(deploy), 'staging builds the load image before it deploys');
});

// Issue 31, finding 10: a change that affects no task runs no shard, and the checks still pass.
test('ci.yml: no shard runs for an empty plan, and the shards check passes it only when the plan was empty', () => {
  const { affected, 'affected-result': result } = parsed['ci.yml'].jobs;
  assert.equal(affected.if, "${{ needs.plan.outputs.shards != '[]' }}");
  const script = result.steps.at(-1).run;
  const summary = join(mkdtempSync(join(tmpdir(), 'shards-')), 'summary');
  const check = (plan, shards, results) =>
    tryRun(repoRoot, 'bash', ['-c', script], { PLAN_RESULT: plan, SHARDS: shards, SHARDS_RESULT: results, GITHUB_STEP_SUMMARY: summary }).code;
  assert.equal(check('success', '[]', 'skipped'), 0, 'nothing affected');
  assert.equal(check('success', '[1,2,3]', 'success'), 0);
  assert.notEqual(check('success', '[1,2,3]', 'failure'), 0);
  assert.notEqual(check('success', '[1,2,3]', 'skipped'), 0, 'shards skipped for another reason');
  assert.notEqual(check('failure', '[]', 'skipped'), 0, 'no plan');
});

// Issue 31, finding 9: the next plan is balanced by every shard's durations. Each shard used to keep
// its whole record (the base it restored plus its own) under ci-durations-, of which the next plan
// restored only the newest: one shard's measurements, and none when the shards failed at a later
// step (actions/cache saves only from a job that passed).
test("ci.yml: every shard keeps its own measured durations, even when a later step fails, and affected-result merges them all into the next plan's record", () => {
  const { plan, affected, 'affected-result': result } = parsed['ci.yml'].jobs;
  const usesCache = (step, kind) => step.uses?.startsWith(`actions/cache/${kind}@`);
  // Where the next plan reads: the merged record, restored by prefix, never saved by plan or shard.
  for (const job of [plan, affected]) {
    const restore = job.steps.find((step) => usesCache(step, 'restore') && step.with.path === '~/ci-durations');
    assert.ok(restore, 'it restores the merged record');
    assert.equal(restore.with['restore-keys'], 'ci-durations-');
    assert.ok(
      !job.steps.some((step) => step.uses?.startsWith('actions/cache@') && String(step.with?.path).includes('ci-durations')),
      'no save of a whole record',
    );
  }
  const shardStep = affected.steps.findIndex((step) => /CI_DURATIONS_MEASURED="\$HOME\/ci-durations-shard-\$SHARD\/measured\.json"/.test(step.run ?? ''));
  assert.ok(shardStep >= 0, 'the shard writes its measurements apart');
  const save = affected.steps.findIndex((step) => usesCache(step, 'save'));
  assert.ok(save > shardStep, 'saved after the shard ran');
  assert.equal(affected.steps[save].if, '${{ !cancelled() }}', 'saved even when the image scan fails');
  assert.equal(affected.steps[save].with.path, '~/ci-durations-shard-${{ matrix.shard }}');
  // affected-result restores each shard's (as many as the plan allows), merges, saves one record.
  const restored = result.steps.filter((step) => usesCache(step, 'restore') && step.with.path.startsWith('~/ci-durations-shard-'));
  assert.deepEqual(
    restored.map((step) => step.with.key),
    [1, 2, 3, 4].map((n) => `ci-shard-durations-\${{ github.run_id }}-\${{ github.run_attempt }}-${n}`),
  );
  assert.match(plan.steps.find((step) => step.id === 'plan').run, /\^\[1-4\]\$/, 'the plan refuses more shards than are merged');
  const merge = result.steps.find((step) => step.id === 'merge');
  assert.ok(result.steps.some((step) => usesCache(step, 'save') && step.with.path === '~/ci-durations'));
  // The merge step itself: the older record, updated by what each shard measured.
  const home = mkdtempSync(join(tmpdir(), 'durations-'));
  const write = (file, value) => {
    mkdirSync(join(home, file, '..'), { recursive: true });
    writeFileSync(join(home, file), JSON.stringify(value));
  };
  write('ci-durations/durations.json', { 'a:test': 10, 'b:test': 20, 'gone:test': 5 });
  write('ci-durations-shard-1/measured.json', { 'a:test': 12 });
  write('ci-durations-shard-3/measured.json', { 'c:lint': 3, 'd:build': 4 });
  const summary = join(home, 'summary.md');
  const merged = tryRun(repoRoot, 'bash', ['-c', merge.run], { HOME: home, RUNNER_TEMP: home, GITHUB_STEP_SUMMARY: summary });
  assert.equal(merged.code, 0, merged.out);
  assert.deepEqual(JSON.parse(readFileSync(join(home, 'ci-durations/durations.json'), 'utf8')), {
    'a:test': 12,
    'b:test': 20,
    'gone:test': 5,
    'c:lint': 3,
    'd:build': 4,
  });
  assert.match(readFileSync(summary, 'utf8'), /durations: 2 shard\(s\) measured 3 task\(s\); 5 task\(s\) known for the next plan/);
  rmSync(home, { recursive: true, force: true });
});

// Issue 31, finding 7: what branch protection requires is every gating job, merge queue included.
test("ci.yml's required check needs every gating job and fails unless each passed; the merge queue runs CI", () => {
  const ci = parsed['ci.yml'];
  assert.deepEqual(ci.on.merge_group, { types: ['checks_requested'] });
  const { required } = ci.jobs;
  // Every job but the aggregate itself, the deploy after it, and the plan and shards (which
  // affected-result aggregates): a gating job added later fails this until it is required.
  const gating = Object.keys(ci.jobs).filter((name) => !['required', 'staging', 'plan', 'affected'].includes(name));
  assert.deepEqual([...required.needs].sort(), gating.sort());
  assert.equal(required.if, '${{ always() }}');
  const script = required.steps.at(-1).run;
  const summary = join(mkdtempSync(join(tmpdir(), 'required-')), 'summary');
  const check = (results) =>
    tryRun(repoRoot, 'bash', ['-c', script], {
      RESULTS: JSON.stringify(Object.fromEntries(Object.entries(results).map(([job, result]) => [job, { result, outputs: {} }]))),
      GITHUB_STEP_SUMMARY: summary,
    });
  assert.equal(check({ 'affected-result': 'success', workflows: 'success', security: 'success' }).code, 0);
  const failed = check({ 'affected-result': 'success', workflows: 'success', security: 'failure' });
  assert.notEqual(failed.code, 0);
  assert.match(failed.out, /security: failure/);
  assert.notEqual(check({ 'affected-result': 'success', workflows: 'skipped', security: 'success' }).code, 0, 'a skipped gate is no pass');
});

// Issue 31, findings 3 and 4: GitHub's semantics act cannot show, checked on the file.
test('rollback.yml: one concurrency group per environment and service; the GitHub environment named only after its target is validated', () => {
  const rollback = parsed['rollback.yml'];
  const group = rollback.concurrency.group;
  assert.match(group, /inputs\.environment \|\| github\.event\.client_payload\.environment/);
  assert.match(group, /inputs\.service \|\| github\.event\.client_payload\.service/, `alerts for different services must not share a group: ${group}`);
  assert.equal(rollback.concurrency['cancel-in-progress'], false);
  const { target, rollback: job } = rollback.jobs;
  assert.ok(target && job.needs === 'target', 'a validating job runs first');
  assert.equal(target.environment, undefined, 'the validating job names no GitHub environment');
  assert.equal(job.environment.name, 'rollback-${{ needs.target.outputs.environment }}');
  assert.doesNotMatch(JSON.stringify(job), /client_payload\.environment/, 'the rollback job reads the environment only from the validated output');
});

test('rollback-target.sh: an unknown environment, or an alert dispatch without its alert, is refused before anything is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rollback-target-'));
  const output = join(dir, 'output');
  const event = (payload) => {
    const file = join(dir, `${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ client_payload: payload }));
    return file;
  };
  const target = (env) => tryRun(repoRoot, 'bash', ['scripts/rollback-target.sh'], { GITHUB_OUTPUT: output, ...env });
  const unknown = target({ TARGET_ENVIRONMENT: 'qa' });
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.out, /unknown environment 'qa': one of staging production/);
  const old = target({
    TARGET_ENVIRONMENT: 'staging',
    GITHUB_EVENT_NAME: 'repository_dispatch',
    GITHUB_EVENT_PATH: event({ environment: 'staging', alerts: [] }),
  });
  assert.notEqual(old.code, 0);
  assert.match(old.out, /client_payload has no alert: send \{environment, service, alert/);
  const ok = target({
    TARGET_ENVIRONMENT: 'production',
    GITHUB_EVENT_NAME: 'repository_dispatch',
    GITHUB_EVENT_PATH: event({ environment: 'production', service: 'agents', alert: { alerts: [] } }),
  });
  assert.equal(ok.code, 0, ok.out);
  assert.equal(readFileSync(output, 'utf8'), 'environment=production\n');
  rmSync(dir, { recursive: true, force: true });
});

// Issue 31, finding 5: one 60-minute limit covered setup, builds, the canary and the soak, so a slow
// build let the job's limit cut the deploy mid-soak: traffic left on a release nobody judged until
// the reconcile workflow's next run. Now each step up to a reconcile that runs when the deploy step
// did not pass has its own limit, the deploy's long enough for its environment, and their sum is
// inside the job's.
test("deploy jobs: the deploy step's limit covers its environment's rollouts, canary and soak; a failed, timed-out or cancelled deploy is reconciled at once; no job limit can cut in before that", () => {
  const environments = parse(readFileSync(join(repoRoot, 'tools/deploy/environments.yaml'), 'utf8'));
  for (const [file, environment] of [
    ['production-deploy.yml', 'production'],
    ['staging-deploy.yml', 'staging'],
  ]) {
    const { job, steps } = jobs.find((j) => j.file === file && j.steps.some((s) => s.id === 'deploy'));
    const env = environments[environment];
    const longest = 2 * env.rolloutTimeoutSeconds + (env.canary?.analysisSeconds ?? 0) + env.analysis.soakSeconds;
    const deploy = stepIndex(steps, (s) => s.id === 'deploy');
    assert.ok(
      steps[deploy]['timeout-minutes'] * 60 >= longest * 1.2,
      `${file}: the deploy step's limit (${steps[deploy]['timeout-minutes']} min) must exceed what a deploy of ${environment} can take (${longest} s) with room`,
    );
    const reconcile = steps.findIndex((s, i) => i > deploy && /nx run deploy:reconcile/.test(s.run ?? ''));
    assert.ok(reconcile > deploy, `${file}: a step after the deploy runs deploy:reconcile`);
    assert.match(steps[reconcile].run, new RegExp(`--environment=${environment}\\b`), file);
    assert.match(steps[reconcile].if, /always\(\)/, `${file}: the reconcile runs even when the job was cancelled`);
    for (const outcome of ['failure', 'cancelled']) assert.match(steps[reconcile].if, new RegExp(`steps\\.deploy\\.outcome == '${outcome}'`), file);
    const untimed = steps.slice(0, reconcile + 1).filter((s) => !s['timeout-minutes']);
    assert.deepEqual(
      untimed.map((s) => s.name ?? s.uses),
      [],
      `${file}: every step up to the reconcile has its own limit`,
    );
    const sum = steps.slice(0, reconcile + 1).reduce((total, s) => total + s['timeout-minutes'], 0);
    assert.ok(sum <= job['timeout-minutes'], `${file}: the steps' limits up to the reconcile add up to ${sum} min, over the job's ${job['timeout-minutes']}`);
  }
});

// Issue 31, finding 8 (its silent half): with no successful run on main among the 100 it reads,
// nx-set-shas used HEAD~1, so a push ran only its last commit's tasks. Every use that can reach its
// fallback (all but ci.yml's, which runs for pull requests and the merge queue only) now falls back
// to the empty tree (every task; scripts/ci-affected.sh and ci-shards.mjs take it as a base).
test('every nx-set-shas that can fall back falls back to the empty tree, never to HEAD~1', () => {
  const emptyTree = run(repoRoot, 'git', ['hash-object', '-t', 'tree', '/dev/null']).trim();
  const uses = jobs.flatMap(({ file, name, steps }) =>
    steps.filter((s) => s.uses?.startsWith('nrwl/nx-set-shas@')).map((s) => ({ where: `${file} ${name}`, step: s })),
  );
  assert.ok(uses.length >= 2, uses.map((u) => u.where).join(', '));
  for (const { where, step } of uses) if (!/github\.event_name != 'push'/.test(step.if ?? '')) assert.equal(step.with?.['fallback-sha'], emptyTree, where);
});

// Issue 31, finding 8: nx-set-shas takes the base from the last run whose every job passed, and
// ci.yml's run on main includes the staging deploy, so one red staging froze CI's base. A push's
// base is now the last commit whose run passed CI's own checks (scripts/ci-base.mjs reads the
// required job by its name; ci-base.test.mjs runs it against the GitHub API stand-in).
test("a push's base in ci.yml comes from CI's own required job, not from a run that staging can fail", async () => {
  const { steps, job } = jobs.find((j) => j.file === 'ci.yml' && j.name === 'plan');
  const shas = steps.find((s) => s.uses?.startsWith('nrwl/nx-set-shas@'));
  assert.match(shas.if ?? '', /github\.event_name != 'push'/, 'nx-set-shas must not pick the base of a push');
  const base = steps.find((s) => /node scripts\/ci-base\.mjs >> "\$GITHUB_ENV"/.test(s.run ?? ''));
  assert.ok(base, 'the plan job sets the base of a push with scripts/ci-base.mjs');
  assert.match(base.if ?? '', /github\.event_name == 'push'/);
  assert.ok(stepIndex(steps, (s) => s === base) < stepIndex(steps, (s) => s.id === 'plan'), 'the base is set before the plan');
  assert.equal(base.env?.GITHUB_TOKEN, '${{ github.token }}');
  assert.equal(job.permissions?.actions, 'read');
  const required = Object.values(parsed['ci.yml'].jobs).find((j) => j.needs?.includes?.('affected-result') && !j.uses && /Required/.test(j.name));
  const script = readFileSync(join(repoRoot, 'scripts/ci-base.mjs'), 'utf8');
  assert.ok(script.includes(`env.CI_REQUIRED_JOB || '${required.name}'`), `ci-base.mjs must read the job named "${required.name}"`);
});

test('the staging deploy compares against the last successful CI run on main, for workflow_call and workflow_dispatch alike', () => {
  const { steps } = jobs.find((j) => j.file === 'staging-deploy.yml');
  const shas = steps.find((s) => /^nrwl\/nx-set-shas@/.test(s.uses ?? ''));
  assert.equal(shas.with?.['workflow-id'], 'ci.yml');
  assert.equal(shas.with?.['last-successful-event'], 'push');
  assert.ok(parsed['staging-deploy.yml'].on.workflow_dispatch !== undefined);
  const deploy = steps.find((s) => /nx run deploy:staging/.test(s.run ?? ''));
  assert.match(deploy.run, /--allowNothingToDeploy/, 'a merge that changed no image must not turn main red');
});

test('every action is pinned by full SHA with its tag, to a release that runs on Node 24 where the pinned copy is at hand', (t) => {
  const shared =
    [process.env.SHARED_ACTIONS, join(repoRoot, '../shared/github-actions'), '/work/shared/github-actions'].find((d) => d && existsSync(d)) ??
    join(repoRoot, '../shared/github-actions');
  const uses = [...new Set(jobs.flatMap((j) => j.steps.map((s) => s.uses).filter(Boolean)))];
  // owner/name, or an action in a folder of its repository (actions/cache/restore), at a full SHA.
  for (const use of uses) assert.match(use, /^[\w-]+\/[\w-]+(\/[\w-]+)*@[0-9a-f]{40}$/, use);
  for (const file of files)
    for (const m of texts[file].matchAll(/uses: ([\w-]+\/[\w-]+(?:\/[\w-]+)*@[0-9a-f]{40})(.*)/g))
      assert.match(m[2], /# v\d+\.\d+\.\d+/, `${file}: ${m[1]} needs its tag as a comment`);
  if (!existsSync(shared)) return t.skip(`${shared} is absent: the runtimes of the pinned actions are not checked`);
  for (const use of uses) {
    const [path, sha] = use.split('@');
    const [owner, name, ...folder] = path.split('/');
    const actionYml = join(shared, owner, name, sha, ...folder, 'action.yml');
    assert.ok(existsSync(actionYml), `${use}: no pinned copy in ${shared}`);
    assert.match(readFileSync(actionYml, 'utf8'), /using: ['"]?node24/, `${use} runs on an old Node`);
  }
});

test('Dependabot keeps every ecosystem current, grouped, proposing only releases a week old', () => {
  const config = parse(readFileSync(join(repoRoot, '.github/dependabot.yml'), 'utf8'));
  const ecosystems = config.updates.map((u) => u['package-ecosystem']).sort();
  for (const e of ['cargo', 'docker', 'github-actions', 'npm', 'uv']) assert.ok(ecosystems.includes(e), `${e} in ${ecosystems}`);
  for (const u of config.updates) assert.ok(u.groups && Object.keys(u.groups).length > 0, `${u['package-ecosystem']} ${u.directory ?? u.directories}: grouped`);
  // Issue 31, finding 13 (zizmor over .github/ audits it too: scripts/security/lint-workflows.sh).
  for (const u of config.updates) assert.ok(u.cooldown?.['default-days'] >= 7, `${u['package-ecosystem']}: a cooldown of at least 7 days`);
});

// Issue 31, finding 1: GKE credentials as GitHub's ubuntu-24.04 runner allows them. The facts come
// from the runner image's own files (tools/ci-tools/runner-images): gcloud from apt with Google's
// apt source removed afterwards, and no gke-gcloud-auth-plugin. Before, scripts/gke-credentials.sh
// installed the plugin with apt or `gcloud components`: every deploy and rollback died there.
const RUNNER_IMAGE = join(repoRoot, 'tools/ci-tools/runner-images');
const code = (text) =>
  text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
test('GKE credentials on the hosted runner: the kubeconfig from get-gke-credentials (a token), nothing installed that the runner image lacks', () => {
  const report = readFileSync(join(RUNNER_IMAGE, 'Ubuntu2404-Readme.md'), 'utf8');
  const install = readFileSync(join(RUNNER_IMAGE, 'install-google-cloud-cli.sh'), 'utf8');
  assert.match(report, /^- Google Cloud CLI \d/m, 'the runner has gcloud');
  assert.match(report, /^- Kubectl \d/m, 'the runner has kubectl');
  assert.doesNotMatch(report, /gke-gcloud-auth-plugin/, 'the runner has no gke-gcloud-auth-plugin');
  assert.match(install, /rm \/etc\/apt\/sources\.list\.d\/google-cloud-sdk\.list/, "Google's apt source is gone after the install");
  const script = code(readFileSync(join(repoRoot, 'scripts/gke-credentials.sh'), 'utf8'));
  const problems = [];
  const forbidden = [
    [/apt(-get)? install[^\n]*google-cloud/, "installs a Google Cloud package with apt (the runner removed Google's apt source)"],
    [/gcloud components/, "uses gcloud's component manager (disabled in the runner's apt-installed gcloud)"],
    [/(^|[\s;|&(])gke-gcloud-auth-plugin\b/m, 'runs gke-gcloud-auth-plugin (not on the runner)'],
    [/container clusters get-credentials/, 'asks gcloud for a kubeconfig that needs gke-gcloud-auth-plugin'],
  ];
  for (const [pattern, why] of forbidden) if (pattern.test(script)) problems.push(`scripts/gke-credentials.sh ${why}`);
  for (const file of readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'))) {
    const workflow = parse(readFileSync(join(WORKFLOWS, file), 'utf8'));
    for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
      const steps = job.steps ?? [];
      for (const step of steps)
        for (const [pattern, why] of forbidden) if (step.run && pattern.test(code(step.run))) problems.push(`${file} ${name}: a step ${why}`);
      const at = steps.findIndex((st) => st.run?.includes('scripts/gke-credentials.sh'));
      if (at < 0) continue;
      const auth = steps.findIndex((st) => st.uses?.startsWith('google-github-actions/auth@'));
      const credentials = steps.findIndex((st) => st.uses?.startsWith('google-github-actions/get-gke-credentials@'));
      if (credentials < 0 || credentials > at) {
        problems.push(`${file} ${name}: no google-github-actions/get-gke-credentials step before scripts/gke-credentials.sh`);
        continue;
      }
      const get = steps[credentials];
      if (!(auth >= 0 && auth < credentials)) problems.push(`${file} ${name}: get-gke-credentials before google-github-actions/auth`);
      if (!/@[0-9a-f]{40}$/.test(get.uses)) problems.push(`${file} ${name}: get-gke-credentials not pinned by SHA`);
      if (String(get.with?.use_auth_provider ?? 'false') !== 'false') problems.push(`${file} ${name}: use_auth_provider needs the plugin the runner lacks`);
      for (const input of ['cluster_name', 'location', 'project_id'])
        if (!get.with?.[input]) problems.push(`${file} ${name}: get-gke-credentials without ${input}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('scripts/gke-credentials.sh: the GKE context from get-gke-credentials, Docker only for a registry the workflow names (the rollback has none)', () => {
  const home = mkdtempSync(join(tmpdir(), 'gke-credentials-'));
  try {
    const log = join(home, 'gcloud.log');
    const kubeconfig = join(home, 'kubeconfig');
    const env = {
      PATH: `${join(repoRoot, 'tools/workflow-runner/stand-ins/bin')}:${process.env.PATH}`,
      STAND_IN_LOG: log,
      KUBECONFIG: kubeconfig,
      GITHUB_ENV: join(home, 'github-env'),
      GCP_PROJECT: 'acme',
      GKE_LOCATION: 'europe-west1',
      GKE_CLUSTER: 'staging-1',
    };
    const missing = tryRun(repoRoot, 'bash', ['scripts/gke-credentials.sh', 'staging'], { ...env, DOCKER_REGISTRY: '' });
    assert.notEqual(missing.code, 0);
    assert.match(missing.out, /no kubeconfig context gke_acme_europe-west1_staging-1 .*run google-github-actions\/get-gke-credentials before this step/);
    // What get-gke-credentials writes: the context, its cluster and a user with a token.
    run(home, 'kubectl', ['config', '--kubeconfig', kubeconfig, 'set-cluster', 'gke', '--server=https://198.18.0.1']);
    run(home, 'kubectl', ['config', '--kubeconfig', kubeconfig, 'set-credentials', 'gke', '--token=ya29.token']);
    run(home, 'kubectl', ['config', '--kubeconfig', kubeconfig, 'set-context', 'gke_acme_europe-west1_staging-1', '--cluster=gke', '--user=gke']);
    const rollback = tryRun(repoRoot, 'bash', ['scripts/gke-credentials.sh', 'staging'], { ...env, DOCKER_REGISTRY: '' });
    assert.equal(rollback.code, 0, rollback.out);
    assert.equal(existsSync(log), false, 'no registry named: gcloud is not called');
    assert.match(readFileSync(join(home, 'github-env'), 'utf8'), /^DEPLOY_CONTEXT=gke_acme_europe-west1_staging-1$/m);
    const deploy = tryRun(repoRoot, 'bash', ['scripts/gke-credentials.sh', 'staging'], { ...env, DOCKER_REGISTRY: 'europe-docker.pkg.dev/acme/trading' });
    assert.equal(deploy.code, 0, deploy.out);
    assert.equal(readFileSync(log, 'utf8'), 'gcloud auth configure-docker europe-docker.pkg.dev --quiet\n');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the Python audit exports hashed requirements without the local path dependency, and audits every project', () => {
  const audit = tryRun(repoRoot, 'bash', ['scripts/security/audit.sh', 'python']);
  assert.doesNotMatch(audit.out, /does not contain a hash/);
  for (const project of ['libs/trading-core', 'apps/agents']) assert.match(audit.out, new RegExp(`pip-audit ${project}`));
  // pip-audit needs PyPI's vulnerability API, which does not answer here: then the audit fails, never passes.
  if (audit.code !== 0) assert.match(audit.out, /dependency audit failed: .*an unreachable advisory database fails too/);
  else assert.match(audit.out, /No known vulnerabilities found/);
});

// Found by the sharding benchmark under act: ci.yml kept its durations at
// `${{ github.workspace }}/../ci-durations`, and actions/cache refuses a path with "." or ".."
// ("Relative pathing '.' and '..' is not allowed"): it restored nothing and saved nothing, ever,
// so every plan was balanced by the 60 s default.
test('no actions/cache path has a "." or ".." segment (actions/cache would neither save nor restore it)', () => {
  const bad = jobs.flatMap(({ file, name, steps }) =>
    steps
      .filter((s) => /^actions\/cache(\/(save|restore))?@/.test(s.uses ?? ''))
      .flatMap((s) =>
        String(s.with?.path ?? '')
          .split('\n')
          .map((p) => p.trim())
          .filter(Boolean)
          .filter((p) => p.split('/').some((segment) => segment === '.' || segment === '..'))
          .map((p) => `${file} ${name}: ${p}`),
      ),
  );
  assert.deepEqual(bad, []);
});
