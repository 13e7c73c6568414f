import type * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { type Color, COLORS, COLOR_LABEL, SWITCHED_AT, deploymentName, previewName, releaseLabel } from './manifests';
import { ABORTED_REASON, ABORTED_RELEASE, RELEASE_LABEL, parseState } from './release-state';
import { type ColorState, type Observed } from './planner';
import { parseHistory, type Release } from './history';
import { renewalLost } from './lease-policy';

type Client = typeof k8s;
// The client is ESM-only; load it once, lazily, so pure modules and their tests never touch it.
let client: Promise<Client> | undefined;
const loadClient = () => (client ??= import('@kubernetes/client-node'));

export class KubeError extends Error {}

/** The HTTP status of an API error; network errors carry string codes such as ECONNREFUSED instead. */
const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

export interface KubeTarget {
  context: string;
  namespace: string;
}

/** The Kubernetes side of a deploy: observe one service's colours, apply, switch, lease and history. */
export class Kube {
  private constructor(
    private readonly k8s: Client,
    private readonly kc: k8s.KubeConfig,
    readonly target: KubeTarget,
    private readonly apps: k8s.AppsV1Api,
    private readonly core: k8s.CoreV1Api,
    private readonly discovery: k8s.DiscoveryV1Api,
    private readonly coordination: k8s.CoordinationV1Api,
  ) {}

  /** Loads the default kubeconfig (KUBECONFIG or ~/.kube/config, GKE or local) and selects `context`. */
  static async connect(target: KubeTarget): Promise<Kube> {
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
    return new Kube(k8s, kc, target, kc.makeApiClient(k8s.AppsV1Api), kc.makeApiClient(k8s.CoreV1Api), kc.makeApiClient(k8s.DiscoveryV1Api), kc.makeApiClient(k8s.CoordinationV1Api));
  }

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '(unknown server)';
  }

  /** Turns client errors into messages an operator can act on. */
  explain(error: unknown, action: string): Error {
    const code = statusOf(error);
    const message = (error as Error)?.message ?? String(error);
    if (code === 403) return new KubeError(`forbidden to ${action} in namespace ${this.target.namespace} (RBAC): ${message.split('\n')[0]}`);
    if (code === undefined && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|fetch failed/i.test(`${message} ${(error as { cause?: Error })?.cause?.message ?? ''}`)) {
      return new KubeError(`cannot reach the Kubernetes API at ${this.server} (context ${this.target.context}) to ${action}: ${message}. Is the cluster up? Locally: npx nx run local-cluster:up`);
    }
    return error instanceof Error ? error : new Error(message);
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.explain(error, action);
    }
  }

  private async readOrNull<T>(action: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.explain(error, action);
    }
  }

  async ensureNamespace(): Promise<void> {
    const { namespace } = this.target;
    const existing = await this.readOrNull('read the namespace', () => this.core.readNamespace({ name: namespace }));
    if (!existing) await this.call('create the namespace', () => this.core.createNamespace({ body: { metadata: { name: namespace } } }));
  }

  async observe(service: string, now = Date.now()): Promise<Observed> {
    const { namespace } = this.target;
    const [active, preview] = await Promise.all([
      this.readOrNull('read the active Service', () => this.core.readNamespacedService({ name: service, namespace })),
      this.readOrNull('read the preview Service', () => this.core.readNamespacedService({ name: previewName(service), namespace })),
    ]);
    const colorOf = (svc: k8s.V1Service | null) => (svc?.spec?.selector?.[COLOR_LABEL] as Color | undefined) ?? null;
    const releaseOf = (svc: k8s.V1Service | null) => svc?.spec?.selector?.[RELEASE_LABEL] ?? '';
    const previewColor = colorOf(preview);
    const readyPreview = preview ? await this.readyEndpoints(previewName(service)) : 0;
    const deployments: Partial<Record<Color, ColorState>> = {};
    for (const color of COLORS) {
      const d = await this.readOrNull(`read Deployment ${deploymentName(service, color)}`, () =>
        this.apps.readNamespacedDeployment({ name: deploymentName(service, color), namespace }),
      );
      if (!d) continue;
      deployments[color] = {
        image: d.spec?.template.spec?.containers[0]?.image ?? '',
        release: releaseLabel(d),
        replicas: d.spec?.replicas ?? 0,
        generation: d.metadata?.generation ?? 0,
        observedGeneration: d.status?.observedGeneration ?? 0,
        podReplicas: d.status?.replicas ?? 0,
        updatedReplicas: d.status?.updatedReplicas ?? 0,
        availableReplicas: d.status?.availableReplicas ?? 0,
        readyEndpoints: previewColor === color ? readyPreview : 0,
      };
    }
    const switched = active?.metadata?.annotations?.[SWITCHED_AT];
    return {
      active: colorOf(active),
      preview: previewColor,
      activeRelease: releaseOf(active),
      previewRelease: releaseOf(preview),
      state: parseState(active?.metadata?.annotations),
      abortedRelease: active?.metadata?.annotations?.[ABORTED_RELEASE] || null,
      abortedReason: active?.metadata?.annotations?.[ABORTED_REASON] ?? '',
      deployments,
      switchedAt: switched ? Date.parse(switched) : null,
      now,
    };
  }

  /** Ready endpoint addresses behind a Service, from its EndpointSlices. */
  async readyEndpoints(serviceName: string): Promise<number> {
    const slices = await this.call('list EndpointSlices', () =>
      this.discovery.listNamespacedEndpointSlice({ namespace: this.target.namespace, labelSelector: `kubernetes.io/service-name=${serviceName}` }),
    );
    return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).reduce((n, e) => n + e.addresses.length, 0);
  }

  async applyDeployment(body: k8s.V1Deployment): Promise<void> {
    const { namespace } = this.target;
    const name = body.metadata!.name!;
    const existing = await this.readOrNull(`read Deployment ${name}`, () => this.apps.readNamespacedDeployment({ name, namespace }));
    if (!existing) {
      await this.call(`create Deployment ${name}`, () => this.apps.createNamespacedDeployment({ namespace, body }));
      return;
    }
    body.metadata!.resourceVersion = existing.metadata?.resourceVersion;
    await this.call(`update Deployment ${name}`, () => this.apps.replaceNamespacedDeployment({ name, namespace, body }));
  }

  async scale(service: string, color: Color, replicas: number): Promise<void> {
    const { namespace } = this.target;
    const name = deploymentName(service, color);
    const existing = await this.call(`read Deployment ${name}`, () => this.apps.readNamespacedDeployment({ name, namespace }));
    existing.spec!.replicas = replicas;
    await this.call(`scale Deployment ${name}`, () => this.apps.replaceNamespacedDeployment({ name, namespace, body: existing }));
  }

  /**
   * Points a Service at the colour and release its manifest selects, merging `annotations` (the
   * persisted phase, the switch time) in the same replace: created if missing, otherwise replaced
   * under the resourceVersion just read, so a concurrent change fails instead of being overwritten.
   */
  async pointService(body: k8s.V1Service, annotations: Record<string, string> = {}): Promise<void> {
    const { namespace } = this.target;
    const name = body.metadata!.name!;
    const existing = await this.readOrNull(`read Service ${name}`, () => this.core.readNamespacedService({ name, namespace }));
    if (!existing) {
      body.metadata!.annotations = { ...body.metadata!.annotations, ...annotations };
      await this.call(`create Service ${name}`, () => this.core.createNamespacedService({ namespace, body }));
      return;
    }
    existing.spec!.selector = body.spec!.selector;
    existing.metadata!.annotations = { ...existing.metadata!.annotations, ...annotations };
    await this.call(`switch Service ${name}`, () => this.core.replaceNamespacedService({ name, namespace, body: existing }));
  }

  /**
   * Records a phase on the active Service, only while it still selects `release` (a rollback or
   * another deploy that moved it meanwhile wins), guarded by the resourceVersion just read.
   */
  async recordPhase(service: string, release: string, annotations: Record<string, string>): Promise<void> {
    const { namespace } = this.target;
    const existing = await this.call(`read Service ${service}`, () => this.core.readNamespacedService({ name: service, namespace }));
    const selected = existing.spec?.selector?.[RELEASE_LABEL] ?? '';
    if (selected !== release) throw new KubeError(`the active Service ${service} selects release ${selected || '(none)'} now, not ${release}: someone else moved it; nothing recorded`);
    existing.metadata!.annotations = { ...existing.metadata!.annotations, ...annotations };
    await this.call(`record the phase on Service ${service}`, () => this.core.replaceNamespacedService({ name: service, namespace, body: existing }));
  }

  async readHistory(service: string): Promise<Release[]> {
    const cm = await this.readOrNull('read the release history', () =>
      this.core.readNamespacedConfigMap({ name: `${service}-releases`, namespace: this.target.namespace }),
    );
    return parseHistory(cm?.data?.history);
  }

  async writeHistory(service: string, history: Release[]): Promise<void> {
    const { namespace } = this.target;
    const name = `${service}-releases`;
    const existing = await this.readOrNull('read the release history', () => this.core.readNamespacedConfigMap({ name, namespace }));
    const body: k8s.V1ConfigMap = {
      metadata: { name, namespace, labels: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/managed-by': 'nx-gke-deploy' }, resourceVersion: existing?.metadata?.resourceVersion },
      data: { history: JSON.stringify(history, null, 1) },
    };
    if (existing) await this.call('update the release history', () => this.core.replaceNamespacedConfigMap({ name, namespace, body }));
    else await this.call('create the release history', () => this.core.createNamespacedConfigMap({ namespace, body }));
  }

  /**
   * Takes the per-service deploy Lease, so two deploys cannot race. The holder renews it while
   * it works; a holder that crashed stops renewing, and its lease expires after `seconds`.
   */
  async acquireLease(service: string, seconds: number, holder = `${hostname()}-${process.pid}`): Promise<Lease> {
    const { namespace } = this.target;
    const name = `deploy-${service}`;
    const now = () => new this.k8s.V1MicroTime();
    const existing = await this.readOrNull('read the deploy lease', () => this.coordination.readNamespacedLease({ name, namespace }));
    const spec = { holderIdentity: holder, leaseDurationSeconds: seconds, acquireTime: now(), renewTime: now() };
    if (!existing) {
      await this.call('create the deploy lease', () => this.coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } }));
    } else {
      const renewed = existing.spec?.renewTime ? new Date(existing.spec.renewTime).getTime() : 0;
      const expires = renewed + (existing.spec?.leaseDurationSeconds ?? 0) * 1000;
      if (existing.spec?.holderIdentity && existing.spec.holderIdentity !== holder && expires > Date.now()) {
        throw new LeaseHeld(
          `another deploy of ${service} holds the lease (${existing.spec.holderIdentity}, expires ${new Date(expires).toISOString()} unless renewed); wait for it to finish`,
        );
      }
      existing.spec = spec;
      // Guarded by the resourceVersion just read: of two deploys taking over at once, one fails.
      await this.call('take the deploy lease', () => this.coordination.replaceNamespacedLease({ name, namespace, body: existing }));
    }
    const renew = async () => {
      const lease = await this.call('renew the deploy lease', () => this.coordination.readNamespacedLease({ name, namespace }));
      if (lease.spec?.holderIdentity !== holder) throw new TakenOver(`lost the deploy lease of ${service} to ${lease.spec?.holderIdentity}`);
      lease.spec.renewTime = now();
      await this.call('renew the deploy lease', () => this.coordination.replaceNamespacedLease({ name, namespace, body: lease }));
    };
    // Renewed in the background for as long as the holder works (a 15-minute soak included). A
    // failed renewal is retried at the next tick; the lease is lost (and the deploy loop stops at its
    // next step) when another holder has it, or when no renewal succeeded for the lease's duration.
    let lastRenewed = Date.now();
    const handle: Lease = {
      lost: undefined,
      // Only while it is still ours: a holder that stalled past the lease's expiry and was taken
      // over must not delete the new holder's lease. The delete is guarded by the resourceVersion
      // just read, so a takeover between the read and the delete fails it instead.
      release: async () => {
        clearInterval(timer);
        const current = await this.readOrNull('read the deploy lease', () => this.coordination.readNamespacedLease({ name, namespace }));
        if (!current || current.spec?.holderIdentity !== holder) return;
        const resourceVersion = current.metadata?.resourceVersion;
        await this.readOrNull('release the deploy lease', () =>
          this.coordination.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } }),
        ).catch((error: unknown) => {
          if (statusOf(error) !== 409) throw error; // 409: taken over meanwhile, and no longer ours to delete
        });
      },
    };
    let renewing = false;
    const timer = setInterval(() => {
      if (renewing || handle.lost) return;
      renewing = true;
      renew()
        .then(() => (lastRenewed = Date.now()))
        .catch((error: Error) => {
          if (renewalLost({ takenOver: error instanceof TakenOver }, lastRenewed, Date.now(), seconds * 1000)) handle.lost = error;
        })
        .finally(() => (renewing = false));
    }, Math.max(1000, (seconds * 1000) / 5));
    timer.unref();
    return handle;
  }

  /** Replicas and available replicas of a Deployment, or null when it does not exist. */
  async deploymentStatus(name: string): Promise<{ replicas: number; available: number; image: string } | null> {
    const d = await this.readOrNull(`read Deployment ${name}`, () => this.apps.readNamespacedDeployment({ name, namespace: this.target.namespace }));
    if (!d) return null;
    return { replicas: d.spec?.replicas ?? 0, available: d.status?.availableReplicas ?? 0, image: d.spec?.template.spec?.containers[0]?.image ?? '' };
  }

  async deleteDeployment(name: string): Promise<void> {
    await this.readOrNull(`delete Deployment ${name}`, () => this.apps.deleteNamespacedDeployment({ name, namespace: this.target.namespace }));
  }
}

/** The lease now names another holder. */
class TakenOver extends KubeError {}

/** Another holder has the lease and it has not expired. */
export class LeaseHeld extends KubeError {}

export interface Lease {
  /** Set when a background renewal failed: someone else holds the lease now. */
  lost: Error | undefined;
  release(): Promise<void>;
}
