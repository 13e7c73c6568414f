#!/usr/bin/env node
// The repository's security posture as code (issue 31, finding 6): GitHub environments with
// branch policies and production's required reviewers, main's protection, and the Workload
// Identity provider and deploy identities on Google Cloud (the steps: posture-plan.mjs).
//   node scripts/security/posture.mjs --repo owner/name --repository-id N --project P \
//     --project-number N --reviewers team:<id>[,user:<id>…] [--pool github] [--provider github] [--apply]
// A dry run (the default) prints every step and what each identity can reach, and touches nothing.
// --apply makes the GitHub calls (GITHUB_TOKEN with admin rights on the repository; GITHUB_API_URL,
// default https://api.github.com) and runs gcloud (authenticated as a project IAM admin), in order,
// and stops at the first that fails, naming it; every step can be rerun (PUT, a branch policy only
// when missing, a service account only when `describe` does not find it, bindings are idempotent).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { githubApi } from '../github-api.mjs';
import { parseReviewers, posturePlan, reachTable, workflowsByEnvironment } from './posture-plan.mjs';

const ROOT = join(import.meta.dirname, '../..');
const fail = (message) => {
  console.error(`posture: ${message}`);
  process.exit(1);
};

/** The deploy environments, the workflows' environments and ci.yml's required check, from the repository. */
export function readRepository(root = ROOT) {
  const environments = Object.keys(parse(readFileSync(join(root, 'tools/deploy/environments.yaml'), 'utf8')) ?? {});
  const dir = join(root, '.github/workflows');
  const workflows = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]),
  );
  return { environments, workflows: workflowsByEnvironment(workflows, environments), requiredCheck: workflows['ci.yml']?.jobs?.required?.name };
}

const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
const describe = (step) => (step.kind === 'github' ? `${step.method} ${step.path} ${JSON.stringify(step.body)}` : `gcloud ${step.args.map(quote).join(' ')}`);

async function apply(steps, { api, token }) {
  if (!token) fail('--apply needs GITHUB_TOKEN (a token with admin rights on the repository); nothing was changed');
  const githubCall = githubApi({ url: api, token, rights: 'admin rights on the repository' });
  const gcloud = spawnSync('gcloud', ['--help'], { stdio: 'ignore' });
  if (gcloud.error) fail(`--apply needs the gcloud CLI on PATH (${gcloud.error.code}); nothing was changed`);
  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1}/${steps.length}`;
    try {
      if (step.kind === 'github' && step.method === 'POST' && step.path.endsWith('/deployment-branch-policies')) {
        const existing = await githubCall('GET', step.path);
        if ((existing?.branch_policies ?? []).some((p) => p.name === step.body.name)) {
          console.log(`${label}: already there: ${step.why}`);
          continue;
        }
      }
      if (step.kind === 'github') await githubCall(step.method, step.path, step.body);
      else {
        if (step.unless && spawnSync('gcloud', step.unless, { stdio: 'ignore' }).status === 0) {
          console.log(`${label}: already there: ${step.why}`);
          continue;
        }
        execFileSync('gcloud', step.args, { stdio: ['ignore', 'inherit', 'pipe'] });
      }
      console.log(`${label}: done: ${step.why}`);
    } catch (error) {
      const detail = error.stderr ? String(error.stderr).trim() : error.message;
      const applied = i === 0 ? 'No step was applied' : `Steps 1 to ${i} are applied`;
      fail(`${label} failed (${describe(step)}): ${detail}\n${applied}; fix the cause and run again (every step can be rerun).`);
    }
  }
}

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        repo: { type: 'string' },
        'repository-id': { type: 'string' },
        project: { type: 'string' },
        'project-number': { type: 'string' },
        reviewers: { type: 'string' },
        pool: { type: 'string' }, // defaults: posturePlan's
        provider: { type: 'string' },
        apply: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(error.message);
  }
  let steps;
  let repository;
  try {
    repository = readRepository();
    steps = posturePlan({
      repo: values.repo,
      repositoryId: values['repository-id'],
      project: values.project,
      projectNumber: values['project-number'],
      pool: values.pool,
      provider: values.provider,
      reviewers: parseReviewers(values.reviewers),
      ...repository,
    });
  } catch (error) {
    fail(error.message);
  }
  if (!values.apply) {
    console.log(`Security posture of ${values.repo}: ${steps.length} steps (a dry run: nothing is changed; --apply makes them)`);
    for (const [i, step] of steps.entries()) console.log(`\n${i + 1}. ${step.why}\n   ${describe(step)}`);
    console.log('\nWhat each GitHub environment can reach:');
    for (const row of reachTable(repository.workflows, repository.environments, values.project))
      console.log(`- ${row.environment} (${row.workflows}): ${row.reaches}`);
  } else {
    await apply(steps, { api: process.env.GITHUB_API_URL, token: process.env.GITHUB_TOKEN });
    console.log(`Security posture of ${values.repo}: ${steps.length} steps applied`);
  }
}
