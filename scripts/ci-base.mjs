// The base of a push's affected tasks: the newest commit on main whose CI passed its own checks
// (the `Required (every gating job)` job of ci.yml), whatever happened to the staging deploy the
// same run called. nrwl/nx-set-shas takes the last run whose every job passed, staging's included,
// so one red staging deploy held CI's base back and every later push ran everything since
// (issue 31, finding 8). Staging itself still compares with the last fully successful run
// (staging-deploy.yml's nx-set-shas): that is the last commit it deployed.
//
// Usage (ci.yml's plan job, on a push): node scripts/ci-base.mjs >> "$GITHUB_ENV"
//   env: GITHUB_TOKEN (actions: read), GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_RUN_ID,
//        CI_WORKFLOW (ci.yml), CI_REQUIRED_JOB (the aggregate check's name), CI_BRANCH (main)
// Prints NX_BASE=<sha> and NX_HEAD=<sha> on stdout and why on stderr. With no such commit among the
// last 100 completed runs, the base is the empty tree (every task runs), never HEAD~1.
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { githubApi } from './github-api.mjs';

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * Whether a completed run passed CI's own checks: the whole run succeeded, or its required job
 * did (a later job, the staging deploy, may have failed). `jobs` is asked for only when needed.
 */
export async function passedChecks(run, requiredJob, jobs) {
  if (run.conclusion === 'success') return true;
  if (run.conclusion !== 'failure') return false; // cancelled, timed out, skipped: the checks did not finish
  return (await jobs()).some((job) => job.name === requiredJob && job.conclusion === 'success');
}

/** The newest run (newest first) whose checks passed and whose commit `isAncestor` of HEAD. */
export async function findBase({ runs, requiredJob, jobsOf, isAncestor, currentRunId }) {
  for (const run of runs) {
    if (String(run.id) === String(currentRunId) || !run.head_sha) continue;
    if (!(await passedChecks(run, requiredJob, () => jobsOf(run.id)))) continue;
    if (!isAncestor(run.head_sha)) continue; // rebased away, or not on this history
    return run;
  }
  return undefined;
}

const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const isAncestorOfHead = (sha) => {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', sha, 'HEAD'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

async function main(env = process.env) {
  const workflow = env.CI_WORKFLOW || 'ci.yml';
  const requiredJob = env.CI_REQUIRED_JOB || 'Required (every gating job)';
  const branch = env.CI_BRANCH || 'main';
  if (!/^[\w.-]+\/[\w.-]+$/.test(env.GITHUB_REPOSITORY ?? '')) throw new Error('GITHUB_REPOSITORY (owner/name) is not set');
  const call = githubApi({ url: env.GITHUB_API_URL, token: env.GITHUB_TOKEN, rights: 'actions: read' });
  const repo = `/repos/${env.GITHUB_REPOSITORY}`;
  const query = new URLSearchParams({ branch, event: 'push', status: 'completed', per_page: '100' });
  const { workflow_runs: runs = [] } = await call('GET', `${repo}/actions/workflows/${encodeURIComponent(workflow)}/runs?${query}`);
  const jobsOf = async (id) => (await call('GET', `${repo}/actions/runs/${id}/jobs?per_page=100`)).jobs ?? [];
  const head = git('rev-parse', 'HEAD');
  const found = await findBase({ runs, requiredJob, jobsOf, isAncestor: isAncestorOfHead, currentRunId: env.GITHUB_RUN_ID });
  if (found) {
    const how = found.conclusion === 'success' ? 'passed' : `passed its checks ("${requiredJob}"); a later job failed`;
    console.error(`CI base: ${found.head_sha}, the newest commit on ${branch} whose ${workflow} run ${found.id} ${how}`);
  } else {
    console.error(
      `::warning::CI base: no run of ${workflow} on ${branch} among the last ${runs.length} completed passed its checks on this history: the base is the empty tree, so every task runs`,
    );
  }
  process.stdout.write(`NX_BASE=${found?.head_sha ?? EMPTY_TREE}\nNX_HEAD=${head}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`::error::ci-base: ${error.message}`);
    process.exit(1);
  });
}
