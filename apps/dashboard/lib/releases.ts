import type * as k8s from '@kubernetes/client-node';
import { type ClusterReader, readServiceView, releasedServices, type ServiceView } from '@trading/release-model';

// The Deployments page's data: every environment the dashboard can see, read through the release
// model (libs/release-model), the same reading `nx run deploy:status` does. In its pod the
// dashboard runs as its own ServiceAccount with a read-only Role in its own namespace
// (RELEASES_NAMESPACE, RELEASES_ENVIRONMENT, set by the deploy); elsewhere RELEASES_NAMESPACES
// (`staging=trading-staging,production=trading-production`) and RELEASES_CONTEXT name what to
// read through the kubeconfig.

export interface Target {
  environment: string;
  namespace: string;
}

export type EnvironmentReleases = Target & ({ services: ServiceView[] } | { error: string });

export interface Releases {
  readAt: string;
  environments: EnvironmentReleases[];
}

/** The environments to read, from the environment variables; none when nothing is configured. */
export function targets(env: Record<string, string | undefined> = process.env): Target[] {
  if (env.RELEASES_NAMESPACES) {
    return env.RELEASES_NAMESPACES.split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => {
        const m = /^([a-z][a-z0-9-]*)=([a-z0-9]([a-z0-9-]*[a-z0-9])?)$/.exec(pair);
        if (!m) throw new Error(`RELEASES_NAMESPACES: "${pair}" is not environment=namespace (e.g. staging=trading-staging)`);
        return { environment: m[1], namespace: m[2] };
      });
  }
  if (env.RELEASES_NAMESPACE) return [{ environment: env.RELEASES_ENVIRONMENT || env.RELEASES_NAMESPACE, namespace: env.RELEASES_NAMESPACE }];
  return [];
}

/** The model's reader over one namespace of a cluster client; a missing object is null. */
export function readerFor(client: typeof k8s, kc: k8s.KubeConfig, namespace: string): ClusterReader {
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

/** Why a read failed, for the page: the API's status and message, not a stack. */
export function explain(error: unknown): string {
  const e = error as { code?: number; body?: string; message?: string };
  if (e.code === 403) return `forbidden: this identity may not read the releases here (${e.message ?? 'no message'})`;
  if (e.code) return `the Kubernetes API answered ${e.code}: ${(e.body ?? e.message ?? '').toString().slice(0, 200)}`;
  return `cannot reach the Kubernetes API: ${e.message ?? String(error)}`;
}

/** One environment's services, or why they could not be read. */
export async function readEnvironment(reader: ClusterReader, target: Target, now = Date.now()): Promise<EnvironmentReleases> {
  try {
    const services = await releasedServices(reader);
    return { ...target, services: await Promise.all(services.map((name) => readServiceView(reader, name, now))) };
  } catch (error) {
    return { ...target, error: explain(error) };
  }
}

/** Every configured environment, read now (in its pod: the in-cluster identity; else the kubeconfig). */
export async function readReleases(env: Record<string, string | undefined> = process.env): Promise<Releases> {
  const wanted = targets(env);
  const readAt = new Date().toISOString();
  if (!wanted.length) return { readAt, environments: [] };
  const client = await import('@kubernetes/client-node');
  const kc = new client.KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST && !env.RELEASES_CONTEXT) {
    kc.loadFromCluster();
    // By name, as the API server's certificate names itself (kubernetes.default.svc): not every
    // cluster's certificate carries the Service's ClusterIP (the local cluster's does not).
    const cluster = kc.getCurrentCluster();
    if (cluster)
      kc.loadFromOptions({
        clusters: [{ ...cluster, server: `https://kubernetes.default.svc:${env.KUBERNETES_SERVICE_PORT ?? '443'}` }],
        users: kc.users,
        contexts: kc.contexts,
        currentContext: kc.currentContext,
      });
  } else {
    kc.loadFromDefault();
    if (env.RELEASES_CONTEXT) kc.setCurrentContext(env.RELEASES_CONTEXT);
  }
  return { readAt, environments: await Promise.all(wanted.map((t) => readEnvironment(readerFor(client, kc, t.namespace), t))) };
}
