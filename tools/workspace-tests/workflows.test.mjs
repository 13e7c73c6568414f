// The GitHub workflows: linted by actionlint (with shellcheck) and audited by zizmor with no
// finding (tools installed by scripts/install-ci-tools.sh); every Nx project, target and script
// they invoke exists; Semgrep's in-repo rules pass here and catch what they are for; and the CI
// entry point (scripts/ci-affected.sh, with the exact targets ci.yml passes) runs only what a
// change to one library affects, and passes on this repository.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, run, scratchCopy, tryRun } from './scratch.mjs';
import { check, invocations, runScripts } from './workflow-commands.mjs';

const WORKFLOWS = join(repoRoot, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));
let scratch;

before(() => {
  assert.equal(tryRun(repoRoot, 'bash', ['scripts/install-ci-tools.sh']).code, 0, 'the CI tools must install');
  scratch = scratchCopy();
});
after(() => scratch?.cleanup());

test('the four workflows exist and pass actionlint, shellcheck and zizmor (auditor persona) with no finding', () => {
  assert.deepEqual(files.sort(), ['ci.yml', 'production-deploy.yml', 'rollback.yml', 'staging-deploy.yml']);
  const result = tryRun(repoRoot, 'bash', ['scripts/security/lint-workflows.sh']);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /actionlint: no findings in 4 workflow\(s\)/);
  assert.match(result.out, /No findings to report/);
});

test('the workflow lint fails on an unpinned action, a template injection and a shell bug', () => {
  const bad = join(scratch.dir, '.github/workflows/bad.yml');
  writeFileSync(bad, [
    'name: bad', 'on: pull_request_target', 'permissions: write-all', 'jobs:', '  x:', '    runs-on: ubuntu-24.04', '    steps:',
    '      - uses: actions/checkout@v4', '      - run: echo "${{ github.event.pull_request.title }}"; cd $DIR', '',
  ].join('\n'));
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
  const all = files.flatMap((f) => runScripts(readFileSync(join(WORKFLOWS, f), 'utf8')).flatMap((s) => invocations(s.run).map((i) => ({ ...i, where: `${f} ${s.job}: ${s.step}` }))));
  const runs = all.filter((i) => i.kind === 'run').map((i) => `${i.project}:${i.target}`);
  for (const expected of ['deploy:staging', 'deploy:production']) assert.ok(runs.includes(expected), `${expected} in ${runs}`);
  assert.ok(all.some((i) => i.kind === 'affected' && i.target === 'docker-build' && i.configuration === 'push'));
  assert.deepEqual(check(all, graph, repoRoot), []);
  // The checker itself catches a missing target, configuration, project and script.
  const wrong = invocations('npx nx run deploy:canary\nnpx nx run nope:build\nnpx nx affected -t docker-build -c fast\nbash scripts/nope.sh');
  assert.deepEqual(check(wrong, graph, repoRoot), [
    'project deploy has no target canary', 'project nope does not exist', "no project's docker-build has a configuration fast", 'script scripts/nope.sh does not exist',
  ]);
});

test('semgrep with the in-repo rules passes here and catches float money, a shell exec and a hard-coded base image', () => {
  const clean = tryRun(repoRoot, 'bash', ['scripts/security/semgrep.sh']);
  assert.equal(clean.code, 0, clean.out);
  mkdirSync(join(scratch.dir, 'apps/agents/src/agents/finance'), { recursive: true });
  appendFileSync(join(scratch.dir, 'apps/agents/src/agents/finance/vwap.py'), '\n\ndef bad_total(x) -> float:\n    return float(x)\n');
  appendFileSync(join(scratch.dir, 'apps/cache-server/src/hash.ts'), "\nimport { execSync } from 'node:child_process';\nexport const run = (c: string) => execSync(`sh ${c}`);\n");
  mkdirSync(join(scratch.dir, 'apps/agents/bad'));
  writeFileSync(join(scratch.dir, 'apps/agents/bad/Dockerfile'), 'ARG BASE=x\nFROM ${BASE} AS build\nFROM build\nFROM debian:bookworm\nUSER root\n');
  const dirty = tryRun(scratch.dir, 'bash', ['scripts/security/semgrep.sh', 'apps']);
  assert.notEqual(dirty.code, 0);
  for (const id of ['no-float-in-money-or-risk-python', 'no-shell-exec-node', 'dockerfile-base-image-must-be-an-arg', 'dockerfile-user-root']) assert.match(dirty.out, new RegExp(id));
  assert.match(dirty.out, /FROM debian:bookworm/);
  assert.doesNotMatch(dirty.out, /┆ FROM build/, 'a build stage is not an image');
  run(scratch.dir, 'git', ['checkout', '--', 'apps']);
  run(scratch.dir, 'rm', ['-rf', 'apps/agents/bad']);
});

test("the CI entry point, with ci.yml's own targets, runs a library's dependents only and passes here", () => {
  const ci = runScripts(readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8')).find((s) => /ci-affected\.sh/.test(s.run));
  const args = /scripts\/ci-affected\.sh ([^\n]+)/.exec(ci.run)[1].trim().split(/\s+/);
  assert.deepEqual(args, ['lint', 'test', 'coverage', 'build', 'docker-build']);
  const money = join(scratch.dir, 'libs/trading-core/src/trading_core/money.py');
  // A change that passes the lint (ruff format too): the module docstring grows a sentence.
  writeFileSync(money, readFileSync(money, 'utf8').replace('never binary floats.', 'never binary floats. Changed by a test.'));
  run(scratch.dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', 'touch trading-core']);
  const result = tryRun(scratch.dir, 'bash', ['scripts/ci-affected.sh', ...args], { NX_BASE: 'HEAD~1', NX_HEAD: 'HEAD', GITHUB_STEP_SUMMARY: join(scratch.dir, 'summary.md') });
  assert.equal(result.code, 0, result.out);
  const ran = [...new Set([...result.out.matchAll(/> nx run ([\w@/.-]+):([\w-]+)/g)].map((m) => m[1]))].sort();
  assert.deepEqual(ran, ['agents', 'trading-core'], result.out);
  for (const target of ['agents:lint', 'agents:test', 'agents:coverage', 'agents:docker-build', 'trading-core:test']) assert.match(result.out, new RegExp(`nx run ${target}`));
  assert.match(readFileSync(join(scratch.dir, 'summary.md'), 'utf8'), /### Affected targets: lint test coverage build docker-build/);
});
