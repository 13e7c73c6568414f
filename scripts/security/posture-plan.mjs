// Pure: the repository's security posture (issue 31, finding 6) as a list of steps, from the
// deploy environments (tools/deploy/environments.yaml), the workflows' jobs and what the operator
// names. scripts/security/posture.mjs prints the steps (a dry run, the default) or applies them.
//
// - GitHub: each environment a workflow job runs in exists with a deployment branch policy of main
//   only (ci-pull-request excepted: pull requests run there, with the read-only cache token), and
//   production with required reviewers who may not approve their own runs; main protected by the
//   one required check of ci.yml.
// - Google Cloud: the Workload Identity provider trusts a token only from this repository
//   (repository_id, not its name, which can be re-registered), from main, in a deploy environment,
//   and from the workflow that environment belongs to (job_workflow_ref): another workflow, or a
//   branch, that names `production` gets nothing. One service account per environment, reachable
//   from that environment and its rollback environment only.

/** GitHub's main branch ref, the one branch that deploys. */
export const MAIN = 'refs/heads/main';
const ROLLBACK = (environment) => `rollback-${environment}`;

/**
 * Which workflow files run a job in which GitHub environment, from the workflows' parsed YAML
 * ({ file: object }). A job's `environment` is a name or { name }; a name with an expression of
 * the form `rollback-${{ … }}` stands for every deploy environment's rollback environment, another
 * expression for the literals it yields. Returns { environment: [files] }.
 */
export function workflowsByEnvironment(workflows, environments) {
  const byEnvironment = {};
  const add = (environment, file) => (byEnvironment[environment] ??= new Set()).add(file);
  for (const [file, workflow] of Object.entries(workflows)) {
    for (const job of Object.values(workflow?.jobs ?? {})) {
      const raw = typeof job.environment === 'string' ? job.environment : job.environment?.name;
      if (typeof raw !== 'string') continue;
      if (!raw.includes('${{')) add(raw, file);
      else if (/^rollback-\$\{\{/.test(raw)) for (const environment of environments) add(ROLLBACK(environment), file);
      // `a && 'x' || 'y'`: the names it yields are the literals after && and ||, not those compared.
      else for (const [, literal] of raw.matchAll(/(?:&&|\|\|)\s*'([\w-]+)'/g)) add(literal, file);
    }
  }
  return Object.fromEntries(
    Object.entries(byEnvironment)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([environment, files]) => [environment, [...files].sort()]),
  );
}

/** `team:123` or `user:456`: GitHub's reviewer types with their numeric ids. */
export function parseReviewers(text) {
  const reviewers = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(team|user):(\d+)$/.exec(entry);
      if (!match) throw new Error(`reviewer "${entry}" is not team:<id> or user:<id> (GitHub's numeric ids: gh api orgs/<org>/teams/<slug> --jq .id)`);
      return { type: match[1] === 'team' ? 'Team' : 'User', id: Number(match[2]) };
    });
  return reviewers;
}

/** The CEL condition of the Workload Identity provider. */
export function attributeCondition({ repositoryId, repo, deployWorkflows }) {
  const workflowRef = (file) => `'${repo}/.github/workflows/${file}@${MAIN}'`;
  const clauses = Object.entries(deployWorkflows).map(
    ([environment, files]) => `(assertion.environment == '${environment}' && assertion.job_workflow_ref in [${files.map(workflowRef).join(', ')}])`,
  );
  return `assertion.repository_id == '${repositoryId}' && assertion.ref == '${MAIN}' && (${clauses.join(' || ')})`;
}

export const ATTRIBUTE_MAPPING = [
  'google.subject=assertion.sub',
  'attribute.repository_id=assertion.repository_id',
  'attribute.ref=assertion.ref',
  'attribute.environment=assertion.environment',
  'attribute.job_workflow_ref=assertion.job_workflow_ref',
].join(',');

/**
 * Every step, in order. options: { repo: 'owner/name', repositoryId, project, projectNumber, pool,
 * provider, reviewers: [{ type, id }], environments: deploy environments, workflows: from
 * workflowsByEnvironment, requiredCheck: the name of ci.yml's required job }.
 * A step is { kind: 'github', method, path, body, why } or { kind: 'gcloud', args, unless?, why }
 * (`unless`: a read-only gcloud call whose success means the step is done already).
 */
/** The deploy service account of an environment (GKE's user name for it too: scripts/security/deploy-rbac.mjs). */
export const deployAccount = (environment, project) => `deploy-${environment}@${project}.iam.gserviceaccount.com`;

export function posturePlan(options) {
  const { repo, repositoryId, project, projectNumber, pool = 'github', provider = 'github', reviewers, environments, workflows, requiredCheck } = options;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo ?? '')) throw new Error(`--repo ${repo ?? '(missing)'}: owner/name`);
  if (!/^\d+$/.test(String(repositoryId ?? '')))
    throw new Error(`--repository-id ${repositoryId ?? '(missing)'}: the repository's numeric id (gh api repos/${repo} --jq .id)`);
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project ?? '')) throw new Error(`--project ${project ?? '(missing)'}: a Google Cloud project id`);
  if (!/^\d+$/.test(String(projectNumber ?? '')))
    throw new Error(
      `--project-number ${projectNumber ?? '(missing)'}: the project's number (gcloud projects describe ${project} --format='value(projectNumber)')`,
    );
  if (!reviewers?.length) throw new Error('--reviewers: production needs at least one required reviewer (team:<id> or user:<id>)');
  if (!requiredCheck) throw new Error('ci.yml has no `required` job: branch protection needs the one check that aggregates every gating job');
  const unknown = Object.keys(workflows).filter((e) => !['ci-main', 'ci-pull-request', ...environments, ...environments.map(ROLLBACK)].includes(e));
  if (unknown.length) throw new Error(`the workflows run jobs in environments that tools/deploy/environments.yaml does not define: ${unknown.join(', ')}`);

  const steps = [];
  const github = (method, path, body, why) => steps.push({ kind: 'github', method, path: `/repos/${repo}${path}`, body, why });
  const mainOnly = { protected_branches: false, custom_branch_policies: true };
  for (const environment of Object.keys(workflows)) {
    const production = environment === 'production';
    const open = environment === 'ci-pull-request';
    github(
      'PUT',
      `/environments/${environment}`,
      {
        ...(production ? { reviewers, prevent_self_review: true } : { reviewers: [] }),
        deployment_branch_policy: open ? null : mainOnly,
      },
      open
        ? `${environment}: any branch (pull requests run here, with the read-only cache token); used by ${workflows[environment].join(', ')}`
        : `${environment}: main only${production ? ', required reviewers who cannot approve their own run' : ''}; used by ${workflows[environment].join(', ')}`,
    );
    if (!open)
      github('POST', `/environments/${environment}/deployment-branch-policies`, { name: 'main', type: 'branch' }, `${environment}: the branch policy "main"`);
  }
  github(
    'PUT',
    '/branches/main/protection',
    {
      required_status_checks: { strict: true, checks: [{ context: requiredCheck }] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true },
      restrictions: null,
      allow_force_pushes: false,
      allow_deletions: false,
    },
    `main: merges need "${requiredCheck}" (every gating job of ci.yml) and a review; admins too`,
  );

  const deployWorkflows = Object.fromEntries(Object.entries(workflows).filter(([e]) => !e.startsWith('ci-')));
  const where = ['--project', project];
  steps.push({
    kind: 'gcloud',
    args: [
      'iam',
      'workload-identity-pools',
      'providers',
      'update-oidc',
      provider,
      ...where,
      '--location',
      'global',
      '--workload-identity-pool',
      pool,
      '--attribute-mapping',
      ATTRIBUTE_MAPPING,
      '--attribute-condition',
      attributeCondition({ repositoryId, repo, deployWorkflows }),
    ],
    why: `the provider trusts only repository ${repositoryId}, ref main, a deploy environment and that environment's own workflow`,
  });
  for (const environment of environments) {
    const account = deployAccount(environment, project);
    steps.push({
      kind: 'gcloud',
      args: ['iam', 'service-accounts', 'create', `deploy-${environment}`, ...where, '--display-name', `Deploys to ${environment} (GitHub Actions)`],
      unless: ['iam', 'service-accounts', 'describe', account, ...where],
      why: `${environment}: its own deploy identity`,
    });
    for (const githubEnvironment of [environment, ROLLBACK(environment)].filter((e) => deployWorkflows[e])) {
      steps.push({
        kind: 'gcloud',
        args: [
          'iam',
          'service-accounts',
          'add-iam-policy-binding',
          account,
          ...where,
          '--role',
          'roles/iam.workloadIdentityUser',
          '--member',
          `principalSet://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${pool}/attribute.environment/${githubEnvironment}`,
        ],
        why: `${account}: reachable from the GitHub environment ${githubEnvironment} only`,
      });
    }
  }
  return steps;
}

/** What each identity can reach, for the dry run's end and docs/pipeline.md. */
export function reachTable(workflows, environments, project) {
  const rows = [];
  for (const [environment, files] of Object.entries(workflows)) {
    const deploy = environments.find((e) => environment === e || environment === ROLLBACK(e));
    rows.push({
      environment,
      workflows: files.join(', '),
      reaches: deploy
        ? `${deployAccount(deploy, project)} (GKE credentials, its namespaces' Role; the registry)`
        : environment === 'ci-main'
          ? 'NX_CACHE_TOKEN with write access to the remote cache'
          : 'NX_CACHE_TOKEN with read access to the remote cache',
    });
  }
  return rows;
}
