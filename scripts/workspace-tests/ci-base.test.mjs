// @workspace-test cached inputs=workflows
// CI's base on a push (scripts/ci-base.mjs, issue 31 finding 8), run against the GitHub API
// stand-in and a git history of its own: a run whose staging deploy failed after every check
// passed is a base (nx-set-shas would skip it and hold the base back); a run whose checks failed,
// was cancelled, or whose commit left main's history is not; with none, the empty tree; an
// unreachable API or a missing token fails with the reason and prints no base.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EMPTY_TREE } from '../ci-base.mjs';
import { repoRoot } from '../../tools/workspace-tests/scratch.mjs';
import { startGitHubApi } from '../../tools/workflow-runner/github-api-stand-in.mjs';

const REQUIRED = 'Required (every gating job)';
const dir = mkdtempSync(join(tmpdir(), 'ci-base-'));
const git = (...args) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
const commit = (n) => {
  writeFileSync(join(dir, 'file'), `${n}\n`);
  git('add', 'file');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', `c${n}`);
  return git('rev-parse', 'HEAD');
};
let c1, c2, c3, head, gone, api;
const state = { runs: [], commits: [] };

before(async () => {
  git('init', '-q', '-b', 'main');
  c1 = commit(1);
  c2 = commit(2);
  c3 = commit(3);
  git('checkout', '-q', '-b', 'elsewhere', c1);
  gone = commit(9); // a run's commit that main's history does not hold (force-pushed away)
  git('checkout', '-q', 'main');
  head = commit(4);
  api = await startGitHubApi(state);
});
after(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the script in the history's checkout; resolves to { code, out, err }. */
function ciBase(env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'scripts/ci-base.mjs')],
      { cwd: dir, env: { PATH: process.env.PATH, GITHUB_REPOSITORY: 'acme/trading', GITHUB_API_URL: api.url, GITHUB_TOKEN: 't', GITHUB_RUN_ID: '77', ...env } },
      (error, out, err) => resolve({ code: error ? (error.code ?? 1) : 0, out, err }),
    );
  });
}
const run = (id, head_sha, conclusion, jobs) => ({ id, workflow: 'ci.yml', event: 'push', branch: 'main', head_sha, conclusion, jobs });
const checksPassedStagingFailed = [
  { name: REQUIRED, conclusion: 'success' },
  { name: 'Deploy to staging / Deploy to staging', conclusion: 'failure' },
];

test('a run whose checks passed and whose staging deploy then failed is the base; a run whose checks failed, a cancelled one and one off main are not', async () => {
  state.runs = [
    run(50, c3, 'failure', [{ name: REQUIRED, conclusion: 'failure' }]),
    run(49, gone, 'success'),
    run(48, c3, 'cancelled'),
    run(47, c2, 'failure', checksPassedStagingFailed),
    run(46, c1, 'success'),
  ];
  const { code, out, err } = await ciBase();
  assert.equal(code, 0, err);
  assert.equal(out, `NX_BASE=${c2}\nNX_HEAD=${head}\n`);
  assert.match(err, new RegExp(`CI base: ${c2}, the newest commit on main whose ci.yml run 47 passed its checks`));
  const asked = api.requests.filter((r) => r.path.endsWith('/runs'));
  assert.deepEqual(asked.at(-1).query, { branch: 'main', event: 'push', status: 'completed', per_page: '100' });
  // Jobs are asked for only of the failed runs (a success passed every check; a cancelled run did not finish them).
  const jobsAsked = api.requests.filter((r) => r.path.endsWith('/jobs')).map((r) => r.path.split('/').at(-2));
  assert.deepEqual(jobsAsked, ['50', '47']);
});

test('a fully successful newer run is the base without asking for its jobs', async () => {
  state.runs = [run(60, c3, 'success'), run(47, c2, 'failure', checksPassedStagingFailed)];
  const before = api.requests.length;
  const { code, out } = await ciBase();
  assert.equal(code, 0);
  assert.equal(out, `NX_BASE=${c3}\nNX_HEAD=${head}\n`);
  assert.equal(api.requests.slice(before).filter((r) => r.path.endsWith('/jobs')).length, 0);
});

test('no run passed its checks on this history: the empty tree, with a warning, never HEAD~1', async () => {
  state.runs = [run(50, c3, 'failure', [{ name: REQUIRED, conclusion: 'failure' }]), run(49, gone, 'success')];
  const { code, out, err } = await ciBase();
  assert.equal(code, 0);
  assert.equal(out, `NX_BASE=${EMPTY_TREE}\nNX_HEAD=${head}\n`);
  assert.match(err, /::warning::CI base: no run of ci\.yml on main among the last 2 completed passed its checks.*every task runs/);
});

test('an unreachable API, a missing token or repository: a non-zero exit naming what to fix, and no base printed', async () => {
  const unreachable = await ciBase({ GITHUB_API_URL: 'http://127.0.0.1:9' });
  assert.notEqual(unreachable.code, 0);
  assert.equal(unreachable.out, '');
  assert.match(
    unreachable.err,
    /::error::ci-base: GET http:\/\/127\.0\.0\.1:9\/repos\/acme\/trading\/actions\/workflows\/ci\.yml\/runs.*unreachable.*GITHUB_API_URL/,
  );
  const noToken = await ciBase({ GITHUB_TOKEN: '' });
  assert.notEqual(noToken.code, 0);
  assert.equal(noToken.out, '');
  assert.match(noToken.err, /GITHUB_TOKEN is not set.*actions: read/);
  const noRepo = await ciBase({ GITHUB_REPOSITORY: '' });
  assert.notEqual(noRepo.code, 0);
  assert.match(noRepo.err, /GITHUB_REPOSITORY \(owner\/name\) is not set/);
});
