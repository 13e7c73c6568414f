// @workspace-test uses=docker cached inputs=workspaceConfig,workflows
// ci.yml's check jobs run by act as GitHub runs them (see act-ci.test.mjs for how): the workflow
// lint job and the security job. Apart from act-ci.test.mjs (the shards on a push and a pull
// request, and the plan), so the two run side by side: each has its own runner clone and act state
// (act.sh's ACT_STATE_DIR), and neither uses the cluster.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stepOutcome } from '../../workspace-tests/act-runner.mjs';
import { actFixture } from './act-fixture.mjs';

let fixture; // runner clone, act, stand-ins (act-fixture.mjs)
const act = (...args) => fixture.act(...args);
const rootOwned = () => fixture.runner.rootOwned();

before(async () => {
  fixture = await actFixture(`act-checks-${process.pid}`, {
    staging: `it-act-checks-${process.pid}`,
    production: `it-act-checks-prod-${process.pid}`,
    apiState: { runs: [], commits: [] },
  });
});

after(async () => {
  await fixture?.close();
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
  assert.match(result.out, /actionlint: no findings in 5 workflow\(s\)/);
  assert.match(result.out, /No findings to report/);
  assert.match(result.out, /LocalRepositoryCache matched https:\/\/github\.com\/actions\/setup-python/);
  assert.match(result.out, /Found in cache @ \/home\/runner\/work\/act-checks-\d+\/act-state\/tool_cache\/go\//, "setup-go used the machine's Go");
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
