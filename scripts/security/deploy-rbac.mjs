#!/usr/bin/env node
// The deploy identities' rights inside the cluster (issue 31, finding 14): each environment's
// deploy service account (deploy-<env>@<project>.iam.gserviceaccount.com, reached only from its
// own GitHub environments: posture.mjs) gets a Role in its environment's namespace with what the
// release engine does there, and `get` on that one namespace, instead of a project-wide
// roles/container.developer that reaches every namespace of the cluster. A promotion's target
// (production) may read its source's releases (staging's Services, Deployments, the release
// ConfigMaps, leases and pods) and change nothing there. On GKE, a Google service account
// authenticates to the cluster with its e-mail as the user name; its IAM role on the project only
// needs to let it fetch credentials (roles/container.clusterViewer).
//   node scripts/security/deploy-rbac.mjs --project P [--promote production=staging] [--namespaces env=ns,…]
//       [--apply --context <kube context>]
// Prints the manifests (YAML); --apply applies them with kubectl (server-side, rerunnable).
// The namespaces default to tools/deploy/environments.yaml's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { deployAccount } from './posture-plan.mjs';

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

/** What the release engine does in its namespace (tools/nx-plugin/src/release/act/cluster). */
export const DEPLOY_RULES = [
  { apiGroups: [''], resources: ['services', 'configmaps', 'secrets', 'pods', 'persistentvolumeclaims', 'serviceaccounts'], verbs: ALL },
  { apiGroups: [''], resources: ['pods/log', 'endpoints', 'events'], verbs: READ },
  // The release gates' browser tests reach the Services through the API (kubectl port-forward).
  { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] },
  { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale', 'statefulsets', 'statefulsets/scale', 'replicasets'], verbs: ALL },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ALL },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ALL },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  // The release reader's Role and binding, which it writes for the Deployments page.
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ALL },
];

/** What a promotion reads of its source's releases (libs/release-model's readServiceView). */
export const PROMOTION_READ_RULES = [
  { apiGroups: [''], resources: ['services', 'configmaps', 'pods'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: READ },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
];

/**
 * The manifests: `namespaces` { environment: namespace }, `promotions` { target: source }.
 * Pure; names are fixed, so applying them again changes nothing.
 */
export function deployRbac({ project, namespaces, promotions = {} }) {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project ?? '')) throw new Error(`--project: "${project ?? ''}" is not a Google Cloud project id`);
  const subject = (environment) => [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: deployAccount(environment, project) }];
  const manifests = [];
  for (const [environment, namespace] of Object.entries(namespaces)) {
    const meta = (name, ns) => ({ name, ...(ns ? { namespace: ns } : {}), labels: { 'app.kubernetes.io/managed-by': 'trading-deploy-rbac' } });
    manifests.push(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('trading-deploy', namespace), rules: DEPLOY_RULES },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(`trading-deploy-${environment}`, namespace),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'trading-deploy' },
        subjects: subject(environment),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: meta(`trading-deploy-${environment}-namespace`),
        rules: [{ apiGroups: [''], resources: ['namespaces'], resourceNames: [namespace], verbs: ['get'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: meta(`trading-deploy-${environment}-namespace`),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `trading-deploy-${environment}-namespace` },
        subjects: subject(environment),
      },
    );
  }
  for (const [target, source] of Object.entries(promotions)) {
    if (!namespaces[target] || !namespaces[source])
      throw new Error(`--promote ${target}=${source}: both must be environments (${Object.keys(namespaces).join(', ')})`);
    const namespace = namespaces[source];
    manifests.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'trading-promotion-read', namespace, labels: { 'app.kubernetes.io/managed-by': 'trading-deploy-rbac' } },
        rules: PROMOTION_READ_RULES,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `trading-promotion-read-${target}`, namespace, labels: { 'app.kubernetes.io/managed-by': 'trading-deploy-rbac' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'trading-promotion-read' },
        subjects: subject(target),
      },
    );
  }
  return manifests;
}

const pairs = (text, what) =>
  Object.fromEntries(
    (text ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [k, v] = pair.split('=');
        if (!k || !v) throw new Error(`${what}: "${pair}" is not name=value`);
        return [k.trim(), v.trim()];
      }),
  );

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      options: {
        project: { type: 'string' },
        namespaces: { type: 'string' },
        promote: { type: 'string', default: 'production=staging' },
        apply: { type: 'boolean', default: false },
        context: { type: 'string' },
      },
    });
    const fromConfig = () =>
      Object.fromEntries(
        Object.entries(parse(readFileSync(join(import.meta.dirname, '../../tools/deploy/environments.yaml'), 'utf8')) ?? {}).map(([e, c]) => [e, c.namespace]),
      );
    const namespaces = values.namespaces ? pairs(values.namespaces, '--namespaces') : fromConfig();
    const manifests = deployRbac({ project: values.project, namespaces, promotions: pairs(values.promote, '--promote') });
    const yaml = manifests.map((m) => stringify(m)).join('---\n');
    if (!values.apply) process.stdout.write(yaml);
    else {
      if (!values.context) throw new Error('--apply needs --context <kube context> (the cluster the environments deploy to); nothing was applied');
      execFileSync('kubectl', ['--context', values.context, 'apply', '--server-side', '--field-manager=trading-deploy-rbac', '-f', '-'], {
        input: yaml,
        stdio: ['pipe', 'inherit', 'inherit'],
      });
    }
  } catch (error) {
    console.error(`deploy-rbac: ${error.message.split('\n')[0]}`);
    process.exit(1);
  }
}
