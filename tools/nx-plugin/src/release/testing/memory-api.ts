import type * as k8s from '@kubernetes/client-node';
import type { Apis } from '../act/cluster/client';

/** An API error as the client raises it: `code` is the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The process died: thrown after the write that was its last. Nothing catches it on purpose. */
export class Crash extends Error {}

interface Pod {
  labels: Record<string, string>;
  ready: boolean;
}

const clone = <T>(x: T): T => structuredClone(x);
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * An in-memory stand-in for the parts of the Kubernetes API the release engine uses, with the
 * semantics it relies on: resourceVersion on every object (a replace with a stale one is 409
 * Conflict, a create of an existing name is 409, a missing object is 404), Deployments that roll
 * out over two reads (the controller first observes the new generation, then replaces the pods),
 * pods of a template in `broken` that never get ready, and EndpointSlices computed from the pods a
 * Service selects. Faults: `crashAfterWrites` (the process dies right after its n-th write) and
 * `failNext` (the next call whose name matches fails with HTTP 500). Cross-checked against the real
 * API server by the cluster specs, which drive the same code paths.
 */
export class MemoryApi {
  private rv = 0;
  private readonly deployments = new Map<string, k8s.V1Deployment>();
  private readonly pods = new Map<string, Pod[]>();
  private readonly services = new Map<string, k8s.V1Service>();
  private readonly configMaps = new Map<string, k8s.V1ConfigMap>();
  /** Pod templates (by RELEASE_LABEL value) whose pods never become ready. */
  readonly broken = new Set<string>();
  writes = 0;
  crashAfterWrites = Number.POSITIVE_INFINITY;
  failNext: RegExp | null = null;

  private nextRv = () => String(++this.rv);

  private enter(op: string): void {
    if (this.failNext?.test(op)) {
      this.failNext = null;
      throw new ApiError(500, `injected API error in ${op}`);
    }
  }

  private wrote(): void {
    this.writes += 1;
    if (this.writes >= this.crashAfterWrites) {
      this.crashAfterWrites = Number.POSITIVE_INFINITY;
      throw new Crash(`crashed after write ${this.writes}`);
    }
  }

  private get404<T>(map: Map<string, T>, kind: string, name: string): T {
    const found = map.get(name);
    if (!found) throw new ApiError(404, `${kind} ${name} not found`);
    return found;
  }

  private replaceIn<T extends { metadata?: k8s.V1ObjectMeta }>(map: Map<string, T>, kind: string, name: string, body: T): T {
    const current = this.get404(map, kind, name);
    if (body.metadata?.resourceVersion !== current.metadata?.resourceVersion) throw new ApiError(409, `${kind} ${name}: the object has been modified`);
    const stored = clone(body);
    stored.metadata = { ...stored.metadata, resourceVersion: this.nextRv() };
    map.set(name, stored);
    this.wrote();
    return clone(stored);
  }

  private createIn<T extends { metadata?: k8s.V1ObjectMeta }>(map: Map<string, T>, kind: string, body: T): T {
    const name = body.metadata!.name!;
    if (map.has(name)) throw new ApiError(409, `${kind} ${name} already exists`);
    const stored = clone(body);
    stored.metadata = { ...stored.metadata, resourceVersion: this.nextRv() };
    map.set(name, stored);
    this.wrote();
    return clone(stored);
  }

  /** One step of the Deployment controller, taken whenever a Deployment is read. */
  private progress(name: string): void {
    const d = this.deployments.get(name);
    if (!d) return;
    const status = (d.status ??= {});
    const generation = d.metadata!.generation ?? 1;
    const replicas = d.spec!.replicas ?? 0;
    const labels = d.spec!.template.metadata!.labels ?? {};
    const release = labels['trading.dev/release'] ?? '';
    let pods = this.pods.get(name) ?? [];
    if ((status.observedGeneration ?? 0) < generation) {
      status.observedGeneration = generation;
    } else if (pods.length !== replicas || pods.some((p) => JSON.stringify(p.labels) !== JSON.stringify(labels))) {
      // The rollout: pods of the current template replace the rest (kept pods stay as they are).
      const kept = pods.filter((p) => JSON.stringify(p.labels) === JSON.stringify(labels)).slice(0, replicas);
      pods = [...kept, ...Array.from({ length: replicas - kept.length }, () => ({ labels: clone(labels), ready: !this.broken.has(release) }))];
      this.pods.set(name, pods);
    }
    status.replicas = pods.length;
    status.updatedReplicas = pods.filter((p) => p.labels['trading.dev/release'] === release).length;
    status.availableReplicas = pods.filter((p) => p.ready).length;
  }

  /** Every pod of every Deployment, for the model's own checks. */
  allPods(): Pod[] {
    return [...this.pods.values()].flat();
  }

  /** Every pod with a name as its Deployment's pods have (`<deployment>-<n>`). */
  private namedPods(): { name: string; pod: Pod }[] {
    return [...this.pods.entries()].flatMap(([deployment, pods]) => pods.map((pod, i) => ({ name: `${deployment}-${i}`, pod })));
  }

  service(name: string): k8s.V1Service | undefined {
    return clone(this.services.get(name));
  }

  deployment(name: string): k8s.V1Deployment | undefined {
    return clone(this.deployments.get(name));
  }

  configMap(name: string): k8s.V1ConfigMap | undefined {
    return clone(this.configMaps.get(name));
  }

  history(service: string): unknown[] {
    const raw = this.configMaps.get(`${service}-releases`)?.data?.history;
    return raw ? (JSON.parse(raw) as unknown[]) : [];
  }

  apis(): Apis {
    const apps = {
      readNamespacedDeployment: async ({ name }: { name: string }) => {
        this.enter('readNamespacedDeployment');
        this.progress(name);
        return clone(this.get404(this.deployments, 'Deployment', name));
      },
      patchNamespacedDeployment: async ({ name, body }: { name: string; body: k8s.V1Deployment }) => {
        this.enter('patchNamespacedDeployment');
        const current = this.deployments.get(name);
        if (!current && !body.spec?.template) throw new ApiError(404, `Deployment ${name} not found`);
        const next: k8s.V1Deployment = current ? clone(current) : { metadata: { name, generation: 0 }, spec: clone(body.spec) };
        if (body.metadata?.labels) next.metadata!.labels = { ...next.metadata!.labels, ...body.metadata.labels };
        if (body.metadata?.annotations) next.metadata!.annotations = { ...next.metadata!.annotations, ...body.metadata.annotations };
        const spec = body.spec?.template ? clone(body.spec) : { ...next.spec!, ...clone(body.spec) };
        const changed = JSON.stringify(spec) !== JSON.stringify(current?.spec);
        next.spec = spec as k8s.V1DeploymentSpec;
        if (changed || !current) next.metadata!.generation = (next.metadata!.generation ?? 0) + 1;
        next.metadata!.resourceVersion = this.nextRv();
        this.deployments.set(name, next);
        this.wrote();
        return clone(next);
      },
      deleteNamespacedDeployment: async ({ name }: { name: string }) => {
        this.enter('deleteNamespacedDeployment');
        this.get404(this.deployments, 'Deployment', name);
        this.deployments.delete(name);
        this.pods.delete(name);
        this.wrote();
        return {};
      },
    };
    const core = {
      readNamespace: async () => ({ metadata: { name: 'memory' } }),
      createNamespace: async () => ({}),
      readNamespacedService: async ({ name }: { name: string }) => {
        this.enter('readNamespacedService');
        return clone(this.get404(this.services, 'Service', name));
      },
      createNamespacedService: async ({ body }: { body: k8s.V1Service }) => {
        this.enter('createNamespacedService');
        return this.createIn(this.services, 'Service', body);
      },
      replaceNamespacedService: async ({ name, body }: { name: string; body: k8s.V1Service }) => {
        this.enter('replaceNamespacedService');
        return this.replaceIn(this.services, 'Service', name, body);
      },
      readNamespacedConfigMap: async ({ name }: { name: string }) => {
        this.enter('readNamespacedConfigMap');
        return clone(this.get404(this.configMaps, 'ConfigMap', name));
      },
      createNamespacedConfigMap: async ({ body }: { body: k8s.V1ConfigMap }) => {
        this.enter('createNamespacedConfigMap');
        return this.createIn(this.configMaps, 'ConfigMap', body);
      },
      replaceNamespacedConfigMap: async ({ name, body }: { name: string; body: k8s.V1ConfigMap }) => {
        this.enter('replaceNamespacedConfigMap');
        return this.replaceIn(this.configMaps, 'ConfigMap', name, body);
      },
      listNamespacedPod: async ({ labelSelector }: { labelSelector: string }) => {
        this.enter('listNamespacedPod');
        const wanted = Object.fromEntries(labelSelector.split(',').map((kv) => kv.split('=') as [string, string]));
        // A broken release's pods run but never pass their readiness probe.
        return {
          items: this.allPods()
            .filter((p) => matches(wanted, p.labels))
            .map((p, i): k8s.V1Pod => ({
              metadata: { name: `pod-${i}`, labels: clone(p.labels) },
              status: {
                phase: 'Running',
                conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }],
                containerStatuses: [{ name: 'app', image: '', imageID: '', ready: p.ready, restartCount: 0, state: { running: {} } }],
              },
            })),
        };
      },
    };
    const discovery = {
      listNamespacedEndpointSlice: async ({ labelSelector }: { labelSelector: string }) => {
        this.enter('listNamespacedEndpointSlice');
        const service = this.services.get(labelSelector.replace('kubernetes.io/service-name=', ''));
        const selector = service?.spec?.selector;
        const pods = selector ? this.namedPods().filter(({ pod }) => matches(selector, pod.labels)) : [];
        return {
          items: [
            {
              endpoints: pods.map(({ name, pod }, i) => ({
                addresses: [`198.18.0.${i + 1}`],
                conditions: { ready: pod.ready },
                targetRef: { kind: 'Pod', name },
              })),
            },
          ],
        };
      },
    };
    const unsupported = () => Promise.reject(new Error('leases are not modelled: the model drives the executors below the lease'));
    const coordination = {
      // No run holds a lease in the model (it drives the executors below the lease): reads find none.
      readNamespacedLease: () => Promise.reject(new ApiError(404, 'leases are not modelled')),
      createNamespacedLease: unsupported,
      replaceNamespacedLease: unsupported,
      deleteNamespacedLease: unsupported,
    };
    return { apps, core, discovery, coordination } as unknown as Apis;
  }
}
