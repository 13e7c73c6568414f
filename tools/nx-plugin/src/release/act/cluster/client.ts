import type * as k8s from '@kubernetes/client-node';

export type Client = typeof k8s;
// The client is ESM-only; load it once, lazily, so pure modules and their tests never touch it.
let client: Promise<Client> | undefined;
export const loadClient = () => (client ??= import('@kubernetes/client-node'));

export class KubeError extends Error {}

/** The HTTP status of an API error; network errors carry string codes such as ECONNREFUSED instead. */
export const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** The Status object an API error's body carries (its reason and message), or nothing. */
function statusBody(error: unknown): { reason?: string; message?: string } {
  const body = (error as { body?: unknown } | null)?.body;
  try {
    const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    return parsed && typeof parsed === 'object' ? (parsed as { reason?: string; message?: string }) : {};
  } catch {
    return {};
  }
}

export interface KubeTarget {
  context: string;
  namespace: string;
}

/** One connection to the cluster: the typed APIs, and API errors turned into messages an operator can act on. */
export interface Apis {
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  discovery: k8s.DiscoveryV1Api;
  coordination: k8s.CoordinationV1Api;
  /** Jobs (the migrations'): absent from the in-memory API of the unit tests. */
  batch?: k8s.BatchV1Api;
  /** Roles (a service's read-only identity): absent from the in-memory API of the unit tests. */
  rbac?: k8s.RbacAuthorizationV1Api;
}

export class ClusterClient {
  readonly apps: k8s.AppsV1Api;
  readonly core: k8s.CoreV1Api;
  readonly discovery: k8s.DiscoveryV1Api;
  readonly coordination: k8s.CoordinationV1Api;
  readonly batch?: k8s.BatchV1Api;
  readonly rbac?: k8s.RbacAuthorizationV1Api;

  /** Over given API objects: the real ones (connect), or an in-memory API server in tests. */
  constructor(
    readonly k8s: Client,
    readonly server: string,
    readonly target: KubeTarget,
    apis: Apis,
  ) {
    ({ apps: this.apps, core: this.core, discovery: this.discovery, coordination: this.coordination, batch: this.batch, rbac: this.rbac } = apis);
  }

  /** Loads the default kubeconfig (KUBECONFIG or ~/.kube/config, GKE or local) and selects `context`. */
  static async connect(target: KubeTarget): Promise<ClusterClient> {
    const k8s = await loadClient();
    const kc = new k8s.KubeConfig();
    try {
      kc.loadFromDefault();
    } catch (error) {
      throw new KubeError(`cannot load a kubeconfig (${(error as Error).message}): set KUBECONFIG or run gcloud container clusters get-credentials`);
    }
    const contexts = kc.getContexts().map((c) => c.name);
    if (!contexts.includes(target.context)) {
      throw new KubeError(
        `kubeconfig has no context "${target.context}" (has: ${contexts.join(', ') || 'none'}). ` +
          'Start the local cluster with `npx nx run local-cluster:up`, or pass --context / set DEPLOY_CONTEXT.',
      );
    }
    kc.setCurrentContext(target.context);
    return new ClusterClient(k8s, kc.getCurrentCluster()?.server ?? '(unknown server)', target, {
      apps: kc.makeApiClient(k8s.AppsV1Api),
      core: kc.makeApiClient(k8s.CoreV1Api),
      discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
      coordination: kc.makeApiClient(k8s.CoordinationV1Api),
      batch: kc.makeApiClient(k8s.BatchV1Api),
      rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api),
    });
  }

  /** Turns client errors into messages an operator can act on. */
  explain(error: unknown, action: string): Error {
    const code = statusOf(error);
    const message = (error as Error)?.message ?? String(error);
    if (code === 403) return new KubeError(`forbidden to ${action} in namespace ${this.target.namespace} (RBAC): ${message.split('\n')[0]}`);
    const unreachable = (why: string) =>
      new KubeError(
        `cannot reach the Kubernetes API at ${this.server} (context ${this.target.context}) to ${action}: ${why}. Is the cluster up? Locally: npx nx run local-cluster:up`,
      );
    // 503: the API server is shutting down (a stop, an upgrade, a failover) or shedding load; for
    // this run it is as unreachable as a refused connection, and its Status says why.
    if (code === 503) {
      const status = statusBody(error);
      return unreachable(`it answered 503 ${status.reason ?? 'Service Unavailable'}${status.message ? `: ${status.message}` : ''}`);
    }
    if (
      code === undefined &&
      /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|fetch failed/i.test(`${message} ${(error as { cause?: Error })?.cause?.message ?? ''}`)
    ) {
      return unreachable(message);
    }
    return error instanceof Error ? error : new Error(message);
  }

  async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.explain(error, action);
    }
  }

  /** The call's result, or null when the object does not exist (404). */
  async readOrNull<T>(action: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.explain(error, action);
    }
  }

  /**
   * A read-modify-write that retries when another writer got in between (409 Conflict on the
   * resourceVersion), as client-go's retry.RetryOnConflict does: `attempt` reads afresh each time.
   */
  async retryOnConflict<T>(action: string, attempt: () => Promise<T>, attempts = 5): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (statusOf(error) !== 409 || i >= attempts) throw this.explain(error, action);
        await new Promise((r) => setTimeout(r, 20 * i));
      }
    }
  }
}
