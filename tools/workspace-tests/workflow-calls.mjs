// Checks GitHub applies to reusable-workflow calls that actionlint 1.7.12 does not: a called
// workflow's jobs may ask for no more permissions than the calling job grants (GitHub refuses to
// load the caller otherwise, for every event), the secrets it reads must be passed (or come from
// its job's environment), and a caller's workflow-level `env` does not reach it.
import { parse } from 'yaml';

const LEVEL = { none: 0, read: 1, write: 2 };
const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'security-events',
  'statuses',
];

/** A permissions value (`read-all`, `write-all`, `{}` or a map) as { scope: level }. */
export function permissionMap(value) {
  if (value === 'read-all' || value === 'write-all') return Object.fromEntries(SCOPES.map((s) => [s, value === 'read-all' ? 'read' : 'write']));
  return Object.fromEntries(SCOPES.map((s) => [s, value?.[s] ?? 'none']));
}

/** The permissions a job runs with: its own, else its workflow's (a missing block is GitHub's default, treated as write-all). */
const effective = (workflow, job) => permissionMap(job.permissions ?? workflow.permissions ?? 'write-all');

const secretsRead = (value) =>
  [...JSON.stringify(value ?? {}).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((n) => n !== 'GITHUB_TOKEN');

/** Every variable a job sets for its steps: workflow env, job env. */
const envOf = (workflow, job) => new Set([...Object.keys(workflow.env ?? {}), ...Object.keys(job.env ?? {})]);

/**
 * Problems with every local reusable-workflow call in `workflows` ({ 'ci.yml': text, ... }),
 * each as "<caller> <job> -> <called> <job>: what is wrong".
 */
export function reusableCallProblems(workflows) {
  const parsed = Object.fromEntries(Object.entries(workflows).map(([file, text]) => [file, parse(text)]));
  const problems = [];
  for (const [file, workflow] of Object.entries(parsed)) {
    for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
      const local = /^\.\/\.github\/workflows\/([\w.-]+)$/.exec(job.uses ?? '');
      if (!local) continue;
      const calledFile = local[1];
      const called = parsed[calledFile];
      const where = `${file} ${jobName} -> ${calledFile}`;
      if (!called) {
        problems.push(`${where}: no such workflow`);
        continue;
      }
      const trigger = called.on?.workflow_call;
      if (trigger === undefined) {
        problems.push(`${where}: it has no workflow_call trigger`);
        continue;
      }
      const granted = effective(workflow, job);
      const declared = trigger?.secrets ?? {};
      const passed = job.secrets === 'inherit' ? null : new Set(Object.keys(job.secrets ?? {}));
      for (const [name, value] of Object.entries(declared)) {
        if (value?.required && passed && !passed.has(name)) problems.push(`${where}: required secret ${name} is not passed`);
      }
      for (const [calledJobName, calledJob] of Object.entries(called.jobs ?? {})) {
        const at = `${where} ${calledJobName}`;
        const asked = effective(called, calledJob);
        for (const scope of SCOPES) {
          if (LEVEL[asked[scope]] > LEVEL[granted[scope]])
            problems.push(`${at}: asks for ${scope}: ${asked[scope]}, the calling job grants ${scope}: ${granted[scope]}`);
        }
        // An environment's own secrets reach a job that names the environment; anything else must be passed.
        if (!calledJob.environment) {
          for (const name of new Set(secretsRead(calledJob))) {
            if (passed && !(name in declared && passed.has(name))) problems.push(`${at}: reads secrets.${name}, which the caller does not pass`);
          }
        }
        const env = envOf(called, calledJob);
        for (const name of Object.keys(workflow.env ?? {})) {
          if (!env.has(name)) problems.push(`${at}: the caller's workflow env ${name} does not reach a called workflow; set it there`);
        }
      }
    }
  }
  return problems;
}
