import type * as k8s from '@kubernetes/client-node';
import { type Color, COLORS, COLOR_LABEL, SWITCHED_AT, TRACK_LABEL, deploymentName, previewName, releaseLabel } from '../../config/manifests';
import type { ColorState, Observed } from '../../plan/planner';
import { ABORTED_REASON, ABORTED_RELEASE, RELEASE_LABEL, parseState } from '../../status/release-state';
import type { ClusterClient } from './client';

// Reading what is there: one service's colours, Services and persisted phase; endpoints; a Deployment's status.

export async function observe(c: ClusterClient, service: string, now = Date.now()): Promise<Observed> {
  const { namespace } = c.target;
  const [active, preview] = await Promise.all([
    c.readOrNull('read the active Service', () => c.core.readNamespacedService({ name: service, namespace })),
    c.readOrNull('read the preview Service', () => c.core.readNamespacedService({ name: previewName(service), namespace })),
  ]);
  const colorOf = (svc: k8s.V1Service | null) => (svc?.spec?.selector?.[COLOR_LABEL] as Color | undefined) ?? null;
  const releaseOf = (svc: k8s.V1Service | null) => svc?.spec?.selector?.[RELEASE_LABEL] ?? '';
  const previewColor = colorOf(preview);
  const readyPreview = preview ? await readyEndpoints(c, previewName(service)) : 0;
  const deployments: Partial<Record<Color, ColorState>> = {};
  for (const color of COLORS) {
    const d = await c.readOrNull(`read Deployment ${deploymentName(service, color)}`, () =>
      c.apps.readNamespacedDeployment({ name: deploymentName(service, color), namespace }),
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
export async function readyEndpoints(c: ClusterClient, serviceName: string): Promise<number> {
  const slices = await c.call('list EndpointSlices', () =>
    c.discovery.listNamespacedEndpointSlice({ namespace: c.target.namespace, labelSelector: `kubernetes.io/service-name=${serviceName}` }),
  );
  return slices.items
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready !== false)
    .reduce((n, e) => n + e.addresses.length, 0);
}

/**
 * Ready endpoints behind the active Service that are pods of `color`'s own Deployment (their
 * names start with it): after a switch, the EndpointSlices name the new colour's pods only once the
 * EndpointSlice controller has caught up with the new selector (kube-proxy routes from them).
 */
export async function servingEndpoints(c: ClusterClient, service: string, color: Color): Promise<number> {
  const slices = await c.call('list EndpointSlices', () =>
    c.discovery.listNamespacedEndpointSlice({ namespace: c.target.namespace, labelSelector: `kubernetes.io/service-name=${service}` }),
  );
  const prefix = `${deploymentName(service, color)}-`;
  return slices.items
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name?.startsWith(prefix))
    .reduce((n, e) => n + e.addresses.length, 0);
}

/** The pods of one colour of a service (by the Deployment's selector). */
export async function podsOf(c: ClusterClient, service: string, color: Color): Promise<k8s.V1Pod[]> {
  const pods = await c.call(`list the pods of ${service}-${color}`, () =>
    c.core.listNamespacedPod({ namespace: c.target.namespace, labelSelector: `app.kubernetes.io/name=${service},${COLOR_LABEL}=${color}` }),
  );
  return pods.items;
}

/**
 * Ready pods of the live colour's own Deployment that run `release`: not the canary's or the
 * baseline's pods, which the active Service also selects while a canary runs (issue 34, path 10).
 */
export async function readyLivePods(c: ClusterClient, service: string, color: Color, release: string): Promise<number> {
  const pods = await podsOf(c, service, color);
  return pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      !p.metadata?.labels?.[TRACK_LABEL] &&
      p.metadata?.labels?.[RELEASE_LABEL] === release &&
      p.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'),
  ).length;
}

/** A Deployment as the cluster holds it, or null when it does not exist. */
export async function readDeployment(c: ClusterClient, name: string): Promise<k8s.V1Deployment | null> {
  return c.readOrNull(`read Deployment ${name}`, () => c.apps.readNamespacedDeployment({ name, namespace: c.target.namespace }));
}

/** Replicas and available replicas of a Deployment, or null when it does not exist. */
export async function deploymentStatus(c: ClusterClient, name: string): Promise<{ replicas: number; available: number; image: string } | null> {
  const d = await c.readOrNull(`read Deployment ${name}`, () => c.apps.readNamespacedDeployment({ name, namespace: c.target.namespace }));
  if (!d) return null;
  return { replicas: d.spec?.replicas ?? 0, available: d.status?.availableReplicas ?? 0, image: d.spec?.template.spec?.containers[0]?.image ?? '' };
}
