import type * as k8s from '@kubernetes/client-node';
import type { ClusterReader } from './observed';

// The model's reader over @kubernetes/client-node (the module is passed in: this library loads
// nothing at run time), for a reader without the deploy engine's retries: the dashboard's pod
// with its read-only identity, a test reading as that identity. A missing object is null; any
// other error is thrown as the client raised it.

export function clientReader(client: typeof k8s, kc: k8s.KubeConfig, namespace: string): ClusterReader {
  const core = kc.makeApiClient(client.CoreV1Api);
  const apps = kc.makeApiClient(client.AppsV1Api);
  const discovery = kc.makeApiClient(client.DiscoveryV1Api);
  const coordination = kc.makeApiClient(client.CoordinationV1Api);
  const orNull = async <T>(read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      if ((error as { code?: number }).code === 404) return null;
      throw error;
    }
  };
  return {
    readService: (name) => orNull(() => core.readNamespacedService({ name, namespace })),
    readDeployment: (name) => orNull(() => apps.readNamespacedDeployment({ name, namespace })),
    readConfigMap: (name) => orNull(() => core.readNamespacedConfigMap({ name, namespace })),
    readLease: (name) => orNull(() => coordination.readNamespacedLease({ name, namespace })),
    listEndpointSlices: async (service) =>
      (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` })).items,
    listPods: async (labelSelector) => (await core.listNamespacedPod({ namespace, labelSelector })).items,
    listDeployments: async (labelSelector) => (await apps.listNamespacedDeployment({ namespace, labelSelector })).items,
  };
}
