import type * as k8s from '@kubernetes/client-node';
import type { ClusterClient } from './client';

// A ConfigMap the engine keeps per service (its release history, its analysis record): written
// over the one read just before, guarded by that read's resourceVersion (a concurrent writer's
// change is a conflict, never lost), or created when there was none.
export async function writeServiceConfigMap(
  c: ClusterClient,
  service: string,
  name: string,
  data: Record<string, string>,
  existing: k8s.V1ConfigMap | null,
): Promise<void> {
  const { namespace } = c.target;
  const body: k8s.V1ConfigMap = {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/managed-by': 'nx-gke-deploy' },
      resourceVersion: existing?.metadata?.resourceVersion,
    },
    data,
  };
  if (existing) await c.core.replaceNamespacedConfigMap({ name, namespace, body });
  else await c.core.createNamespacedConfigMap({ namespace, body });
}
