import { type ClusterReader, clientReader, readServiceView, releasedServices, type ServiceView } from '@trading/release-model';

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
  const key = `${env.KUBERNETES_SERVICE_HOST ?? ''}|${env.RELEASES_CONTEXT ?? ''}`;
  // A configuration that failed to load is tried again on the next request, not kept.
  const { client, kc } = await (connections[key] ??= connect(env).catch((error) => {
    delete connections[key];
    throw error;
  }));
  return { readAt, environments: await Promise.all(wanted.map((t) => readEnvironment(clientReader(client, kc, t.namespace), t))) };
}

/**
 * The client and its configuration, loaded once per process (the page polls every 2 s): in its
 * pod, the ServiceAccount's (its token file is read again as it rotates); elsewhere the kubeconfig.
 */
const connections: Record<string, ReturnType<typeof connect>> = {};
async function connect(env: Record<string, string | undefined>) {
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
  return { client, kc };
}
