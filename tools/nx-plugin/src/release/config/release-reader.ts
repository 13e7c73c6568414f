import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { ServiceConfig } from './config';

// The identity of a service that reads the namespace's releases (readsReleases: the dashboard): a
// ServiceAccount named as the service, and a Role that gets, lists and watches exactly the objects
// the release model reads (libs/release-model's ClusterReader) and nothing else: no write, no
// Secret, nothing outside its namespace.

/** What the release model reads, per API group. */
export const RELEASE_READER_RULES = [
  { apiGroups: [''], resources: ['services', 'configmaps', 'pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch'] },
];

export const releaseReaderRole = (service: string) => `${service}-release-reader`;

export function releaseReaderManifests(
  service: ServiceConfig,
  namespace: string,
  environment: string,
): { serviceAccount: V1ServiceAccount; role: V1Role; roleBinding: V1RoleBinding } {
  const labels = { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/managed-by': 'trading-deploy', 'trading.dev/environment': environment };
  const metadata = (name: string) => ({ name, namespace, labels });
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(service.name), automountServiceAccountToken: false },
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(releaseReaderRole(service.name)), rules: RELEASE_READER_RULES },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(releaseReaderRole(service.name)),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: releaseReaderRole(service.name) },
      subjects: [{ kind: 'ServiceAccount', name: service.name, namespace }],
    },
  };
}
