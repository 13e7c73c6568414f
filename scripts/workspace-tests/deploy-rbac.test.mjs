// @workspace-test uses=cluster cached inputs=workspaceConfig,tools/deploy/**/*,tools/nx-plugin/src/**/*
// The deploy identities' rights in the cluster (scripts/security/deploy-rbac.mjs, issue 31 finding
// 14), applied to two namespaces of the local cluster's real API server (RBAC on) and exercised as
// the identities themselves (impersonated, as GKE names a Google service account: its e-mail):
// each environment's identity may act in its own namespace only; production's may read staging's
// releases and change nothing there; and the deploy engine, through nx, reads and refuses a
// promotion as the production identity, while the staging identity cannot read production at all.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { deployRbac } from '../security/deploy-rbac.mjs';
import { deployAccount } from '../security/posture-plan.mjs';
import { repoRoot, scratchCopy, tryRun } from '../../tools/workspace-tests/scratch.mjs';
import { CONTEXT, kubectl } from '../../tools/workspace-tests/local-stack.mjs';

const PROJECT = 'acme-trading';
const STAGING = `it-rbac-stg-${process.pid}`;
const PRODUCTION = `it-rbac-prod-${process.pid}`;
const OTHER = `it-rbac-other-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'deploy-rbac-'));
const kubeconfig = join(work, 'kubeconfig');
let scratch;

/** The manifests for the test's namespaces, applied to the local cluster by the script itself. */
const applyRbac = () =>
  tryRun(repoRoot, 'node', [
    'scripts/security/deploy-rbac.mjs',
    '--project',
    PROJECT,
    '--namespaces',
    `staging=${STAGING},production=${PRODUCTION}`,
    '--apply',
    '--context',
    CONTEXT,
  ]);

/** `kubectl auth can-i` as an environment's deploy identity: true or false. A subresource as `pods#log`. */
const can = (environment, verb, resource, namespace) => {
  const [kind, subresource] = resource.split('#');
  const args = [
    '--context',
    CONTEXT,
    'auth',
    'can-i',
    verb,
    kind,
    ...(subresource ? [`--subresource=${subresource}`] : []),
    `--as=${deployAccount(environment, PROJECT)}`,
  ];
  const result = spawnSync('kubectl', namespace ? [...args, '-n', namespace] : args, { encoding: 'utf8' });
  return result.stdout.trim() === 'yes';
};

before(() => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  for (const ns of [STAGING, PRODUCTION, OTHER]) kubectl('create', 'namespace', ns);
  const applied = applyRbac();
  assert.equal(applied.code, 0, applied.out);
  // A kubeconfig whose contexts act as each identity (the local admin, impersonating).
  const config = parse(execFileSync('kubectl', ['config', 'view', '--raw', '--minify', '--flatten', '--context', CONTEXT], { encoding: 'utf8' }));
  const [admin] = config.users;
  const [cluster] = config.clusters;
  for (const environment of ['staging', 'production']) {
    config.users.push({ name: `as-${environment}`, user: { ...admin.user, as: deployAccount(environment, PROJECT) } });
    config.contexts.push({ name: `as-${environment}`, context: { cluster: cluster.name, user: `as-${environment}` } });
  }
  writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  scratch = scratchCopy();
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(envFile, 'utf8'));
  envs.staging.namespace = STAGING;
  envs.production.namespace = PRODUCTION;
  writeFileSync(envFile, stringify(envs));
});

after(() => {
  for (const ns of [STAGING, PRODUCTION, OTHER]) spawnSync('kubectl', ['--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false'], { stdio: 'ignore' });
  for (const environment of ['staging', 'production'])
    spawnSync('kubectl', ['--context', CONTEXT, 'delete', 'clusterrole,clusterrolebinding', `trading-deploy-${environment}-namespace`, '--ignore-not-found'], {
      stdio: 'ignore',
    });
  scratch?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('each deploy identity acts in its own namespace only; production reads staging and changes nothing there', () => {
  for (const [environment, own, other] of [
    ['staging', STAGING, PRODUCTION],
    ['production', PRODUCTION, STAGING],
  ]) {
    for (const [verb, resource] of [
      ['patch', 'services'],
      ['create', 'deployments.apps'],
      ['delete', 'jobs.batch'],
      ['update', 'leases.coordination.k8s.io'],
      ['create', 'roles.rbac.authorization.k8s.io'],
      // The release gates: the load Jobs' logs, the browser tests' port-forward (scripts/staging-gates.sh).
      ['get', 'pods#log'],
      ['create', 'pods#portforward'],
    ]) {
      assert.equal(can(environment, verb, resource, own), true, `${environment}: ${verb} ${resource} in its namespace`);
      assert.equal(can(environment, verb, resource, other), false, `${environment}: ${verb} ${resource} in ${other}`);
      assert.equal(can(environment, verb, resource, OTHER), false, `${environment}: ${verb} ${resource} elsewhere`);
    }
    assert.equal(can(environment, 'get', `namespace/${own}`), true, `${environment}: get its namespace`);
    assert.equal(can(environment, 'get', `namespace/${other}`), false, `${environment}: get ${other}`);
    assert.equal(can(environment, 'create', 'namespaces'), false, `${environment}: create namespaces`);
    assert.equal(can(environment, 'get', 'secrets', OTHER), false, `${environment}: secrets elsewhere`);
  }
  // A promotion's target reads its source's releases, and nothing else of it.
  for (const resource of ['services', 'configmaps', 'deployments.apps', 'pods', 'leases.coordination.k8s.io'])
    assert.equal(can('production', 'get', resource, STAGING), true, `production: get ${resource} in staging`);
  assert.equal(can('production', 'get', 'secrets', STAGING), false, 'production: staging secrets');
  assert.equal(can('staging', 'get', 'services', PRODUCTION), false, 'staging: read production');
});

test('through nx, as the production identity: a promotion reads staging and is refused for what staging has not judged; the staging identity cannot read production', () => {
  const env = { KUBECONFIG: kubeconfig, DEPLOY_CONTEXT: '' };
  const promotion = tryRun(
    scratch.dir,
    'npx',
    ['nx', 'run', 'deploy:production', '--promoteFrom=staging', '--dryRun', '--context=as-production', '--output-style=static'],
    env,
  );
  assert.notEqual(promotion.code, 0, promotion.out);
  assert.match(
    promotion.out,
    new RegExp(`promotion from staging \\(namespace ${STAGING}\\) refused; nothing was deployed:[\\s\\S]*agents: never deployed in staging`),
  );
  assert.doesNotMatch(promotion.out, /forbidden/i, 'the production identity may read staging');
  const status = tryRun(
    scratch.dir,
    'npx',
    ['nx', 'run', 'deploy:status', '--environment=production', '--context=as-production', '--output-style=static'],
    env,
  );
  assert.equal(status.code, 0, status.out);
  const denied = tryRun(scratch.dir, 'npx', ['nx', 'run', 'deploy:status', '--environment=production', '--context=as-staging', '--output-style=static'], env);
  assert.notEqual(denied.code, 0, denied.out);
  assert.match(denied.out, /forbidden/i);
});

test('the manifests: fixed names, so a second apply succeeds over the first; a bad project, promotion or missing context refused', () => {
  const once = deployRbac({ project: PROJECT, namespaces: { staging: 's', production: 'p' }, promotions: { production: 'staging' } });
  assert.deepEqual(
    once.map((m) => `${m.kind} ${m.metadata.namespace ?? '-'} ${m.metadata.name}`),
    [
      'Role s trading-deploy',
      'RoleBinding s trading-deploy-staging',
      'ClusterRole - trading-deploy-staging-namespace',
      'ClusterRoleBinding - trading-deploy-staging-namespace',
      'Role p trading-deploy',
      'RoleBinding p trading-deploy-production',
      'ClusterRole - trading-deploy-production-namespace',
      'ClusterRoleBinding - trading-deploy-production-namespace',
      'Role s trading-promotion-read',
      'RoleBinding s trading-promotion-read-production',
    ],
  );
  const again = applyRbac();
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /role\.rbac\.authorization\.k8s\.io\/trading-deploy serverside-applied/);
  assert.throws(() => deployRbac({ project: 'X', namespaces: { staging: 's' } }), /--project: "X" is not a Google Cloud project id/);
  assert.throws(
    () => deployRbac({ project: PROJECT, namespaces: { staging: 's' }, promotions: { production: 'staging' } }),
    /--promote production=staging: both must be environments/,
  );
  const noContext = tryRun(repoRoot, 'node', ['scripts/security/deploy-rbac.mjs', '--project', PROJECT, '--apply']);
  assert.notEqual(noContext.code, 0);
  assert.match(noContext.out, /--apply needs --context <kube context>.*nothing was applied/);
});
