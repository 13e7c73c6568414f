// @workspace-test cached inputs=workflows,tools/deploy/environments.yaml
// The security posture script (issue 31, finding 6) against this repository's workflows and
// environments: its dry run names every step and changes nothing; --apply makes them against the
// GitHub API stand-in (tools/workflow-runner/github-api-stand-in.mjs) and a gcloud that records its
// calls (there is no Google Cloud here), a second --apply changes nothing more, and bad input or a
// refused token stops it with the reason before, or at, the step that failed.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../tools/testing/local-services.mjs';
import { startGitHubApi } from '../../tools/workflow-runner/github-api-stand-in.mjs';
import { repoRoot, start } from '../../tools/workspace-tests/scratch.mjs';
import { attributeCondition, parseReviewers, posturePlan, workflowsByEnvironment } from '../security/posture-plan.mjs';

const ARGS = ['--repo', 'acme/trading', '--repository-id', '812345', '--project', 'acme-trading', '--project-number', '4711', '--reviewers', 'team:99,user:7'];
/** The script, run asynchronously: the API stand-in answers from this process meanwhile. */
const posture = async (args, env = {}) => {
  const child = start(repoRoot, 'node', ['scripts/security/posture.mjs', ...args], env);
  const code = await child.exited;
  return { code, out: child.output() };
};
let dir;
let api;
const state = { runs: [], commits: [], token: 'admin-token' };
const gcloudLog = () => readFileSync(join(dir, 'gcloud.log'), 'utf8').trim().split('\n').filter(Boolean);
const env = () => ({ GITHUB_API_URL: api.url, GITHUB_TOKEN: 'admin-token', PATH: `${dir}:${process.env.PATH}` });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'posture-'));
  // A gcloud that records each call; `describe` finds the accounts `create` made.
  writeFileSync(
    join(dir, 'gcloud'),
    `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${dir}/gcloud.log"\n` +
      `if [ "$3" = describe ]; then grep -q "create \${4%%@*} " "${dir}/gcloud.log"; exit; fi\n`,
  );
  chmodSync(join(dir, 'gcloud'), 0o755);
  writeFileSync(join(dir, 'gcloud.log'), '');
  api = await startGitHubApi(state);
});
after(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the environments come from the workflows' jobs: deploys, their rollbacks (an expression), and CI's two (another)", () => {
  const workflows = {
    'ci.yml': { jobs: { affected: { environment: { name: "${{ github.event_name == 'push' && 'ci-main' || 'ci-pull-request' }}" } } } },
    'deploy.yml': { jobs: { deploy: { environment: 'staging' }, other: {} } },
    'rollback.yml': { jobs: { rollback: { environment: { name: '${{ format(1) }}' } }, back: { environment: { name: 'rollback-${{ needs.t.outputs.e }}' } } } },
  };
  assert.deepEqual(workflowsByEnvironment(workflows, ['staging', 'production']), {
    'ci-main': ['ci.yml'],
    'ci-pull-request': ['ci.yml'],
    'rollback-production': ['rollback.yml'],
    'rollback-staging': ['rollback.yml'],
    staging: ['deploy.yml'],
  });
  assert.deepEqual(parseReviewers('team:3, user:4'), [
    { type: 'Team', id: 3 },
    { type: 'User', id: 4 },
  ]);
  assert.throws(() => parseReviewers('octocat'), /reviewer "octocat" is not team:<id> or user:<id>/);
  const condition = attributeCondition({ repositoryId: '5', repo: 'a/b', deployWorkflows: { staging: ['s.yml'] } });
  assert.equal(
    condition,
    "assertion.repository_id == '5' && assertion.ref == 'refs/heads/main' && ((assertion.environment == 'staging' && assertion.job_workflow_ref in ['a/b/.github/workflows/s.yml@refs/heads/main']))",
  );
  const base = {
    repo: 'a/b',
    repositoryId: 5,
    project: 'acme-trading',
    projectNumber: 1,
    reviewers: [{ type: 'User', id: 1 }],
    environments: ['staging'],
    requiredCheck: 'Required',
  };
  assert.throws(() => posturePlan({ ...base, workflows: { qa: ['q.yml'] } }), /environments that tools\/deploy\/environments.yaml does not define: qa/);
  assert.throws(() => posturePlan({ ...base, reviewers: [], workflows: {} }), /production needs at least one required reviewer/);
});

test('a dry run names every step, pins the provider to this repository, main and each environment to its own workflow, and changes nothing', async () => {
  const result = await posture(ARGS, { GITHUB_API_URL: api.url, PATH: `${dir}:${process.env.PATH}` });
  assert.equal(result.code, 0, result.out);
  result.out = result.out.replaceAll(`'\\''`, "'"); // the gcloud lines are shell-quoted
  assert.match(result.out, /a dry run: nothing is changed/);
  for (const environment of ['ci-main', 'staging', 'production', 'rollback-staging', 'rollback-production'])
    assert.match(
      result.out,
      new RegExp(
        `PUT /repos/acme/trading/environments/${environment} .*"deployment_branch_policy":\\{"protected_branches":false,"custom_branch_policies":true\\}`,
      ),
    );
  assert.match(result.out, /PUT \/repos\/acme\/trading\/environments\/ci-pull-request .*"deployment_branch_policy":null/);
  assert.match(result.out, /environments\/production \{"reviewers":\[\{"type":"Team","id":99\},\{"type":"User","id":7\}\],"prevent_self_review":true/);
  assert.match(result.out, /branches\/main\/protection .*"checks":\[\{"context":"Required \(every gating job\)"\}\]/);
  assert.match(
    result.out,
    /assertion\.repository_id == '812345' && assertion\.ref == 'refs\/heads\/main' && .*\(assertion\.environment == 'production' && assertion\.job_workflow_ref in \['acme\/trading\/\.github\/workflows\/production-deploy\.yml@refs\/heads\/main'\]\)/,
  );
  assert.match(result.out, /attribute\.environment\/rollback-production/);
  assert.match(result.out, /- ci-pull-request \(ci\.yml\): NX_CACHE_TOKEN with read access/);
  assert.match(result.out, /- rollback-staging \(reconcile\.yml, rollback\.yml\): deploy-staging@acme-trading/);
  assert.deepEqual(api.requests, [], 'a dry run calls nothing');
  assert.deepEqual(gcloudLog(), []);
});

test('--apply makes every step against the API and gcloud; a second --apply changes nothing more', async () => {
  const first = await posture([...ARGS, '--apply'], env());
  assert.equal(first.code, 0, first.out);
  assert.equal(state.environments.production.prevent_self_review, true);
  assert.deepEqual(state.environments.production.reviewers, [
    { type: 'Team', id: 99 },
    { type: 'User', id: 7 },
  ]);
  for (const environment of ['ci-main', 'staging', 'production', 'rollback-staging', 'rollback-production'])
    assert.deepEqual(state.environments[environment].branch_policies, [{ name: 'main', type: 'branch' }], environment);
  assert.equal(state.environments['ci-pull-request'].deployment_branch_policy, null);
  assert.equal(state.protection.main.enforce_admins, true);
  const calls = gcloudLog();
  assert.match(
    calls.find((c) => /update-oidc/.test(c)) ?? '',
    /^iam workload-identity-pools providers update-oidc github --project acme-trading .*job_workflow_ref/,
  );
  assert.equal(calls.filter((c) => / create deploy-/.test(c)).length, 2);
  assert.equal(calls.filter((c) => /add-iam-policy-binding/.test(c)).length, 4);

  const writes = api.requests.filter((r) => r.method !== 'GET').length;
  const second = await posture([...ARGS, '--apply'], env());
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /already there: staging: the branch policy "main"/);
  assert.match(second.out, /already there: staging: its own deploy identity/);
  for (const environment of Object.keys(state.environments)) assert.ok(state.environments[environment].branch_policies.length <= 1, environment);
  assert.equal(gcloudLog().filter((c) => / create deploy-/.test(c)).length, 2, 'no account created twice');
  assert.ok(api.requests.filter((r) => r.method !== 'GET').length > writes, 'the PUTs are made again (idempotent)');
});

test('bad input and a refused token stop it with the reason; what was not reached is not changed', async () => {
  const missing = await posture(ARGS.filter((a, i) => i !== 2 && i !== 3));
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /--repository-id \(missing\): the repository's numeric id \(gh api repos\/acme\/trading --jq \.id\)/);
  const reviewers = await posture([...ARGS.slice(0, -1), 'octocat']);
  assert.notEqual(reviewers.code, 0);
  assert.match(reviewers.out, /reviewer "octocat" is not team:<id> or user:<id>/);
  const before = api.requests.length;
  const noToken = await posture([...ARGS, '--apply'], { ...env(), GITHUB_TOKEN: '' });
  assert.notEqual(noToken.code, 0);
  assert.match(noToken.out, /--apply needs GITHUB_TOKEN .*nothing was changed/);
  assert.equal(api.requests.length, before);
  const refused = await posture([...ARGS, '--apply'], { ...env(), GITHUB_TOKEN: 'wrong' });
  assert.notEqual(refused.code, 0);
  assert.match(refused.out, /step 1\/\d+ failed \(PUT \/repos\/acme\/trading\/environments\/ci-main .*answered 401: the token is refused \(GITHUB_TOKEN\)/);
  assert.match(refused.out, /No step was applied; fix the cause and run again/);
  const unreachable = await posture([...ARGS, '--apply'], { ...env(), GITHUB_API_URL: `http://127.0.0.1:${await freePort()}` });
  assert.notEqual(unreachable.code, 0);
  assert.match(unreachable.out, /GitHub's API is unreachable \(ECONNREFUSED\); check GITHUB_API_URL/);
});
