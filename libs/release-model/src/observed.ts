import type * as k8s from '@kubernetes/client-node';
import { type Color, COLORS, COLOR_LABEL, RELEASE_LABEL, SWITCHED_AT, TRACK_LABEL, deploymentName, historyName, leaseName, previewName } from './names';
import { ABORTED_REASON, ABORTED_RELEASE, parseState, type ReleaseState } from './phase';
import { parseHistory, type Release } from './history';

// What the cluster holds of one service's releases, read through a ClusterReader: the deploy
// engine (with its retries and explained errors) and the dashboard (with its read-only identity)
// both read it here, so the objects' labels and annotations are interpreted in one place.

/** The reads the model needs, in one namespace; a missing object is null, never an error. */
export interface ClusterReader {
  readService(name: string): Promise<k8s.V1Service | null>;
  readDeployment(name: string): Promise<k8s.V1Deployment | null>;
  readConfigMap(name: string): Promise<k8s.V1ConfigMap | null>;
  readLease(name: string): Promise<k8s.V1Lease | null>;
  /** The EndpointSlices of the Service `service` (label kubernetes.io/service-name). */
  listEndpointSlices(service: string): Promise<k8s.V1EndpointSlice[]>;
  listPods(labelSelector: string): Promise<k8s.V1Pod[]>;
  listDeployments(labelSelector: string): Promise<k8s.V1Deployment[]>;
}

export interface ColorState {
  image: string;
  /** The release (pod-template hash) of the Deployment's template; '' when unlabelled. */
  release: string;
  replicas: number;
  generation: number;
  observedGeneration: number;
  /** Pods of every ReplicaSet of the Deployment (status.replicas), old templates included. */
  podReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  /** Ready endpoints behind the preview Service when it selects this colour. */
  readyEndpoints: number;
}

export interface Observed {
  /** Colour the active Service selects; null when the Service does not exist yet. */
  active: Color | null;
  preview: Color | null;
  /** The release each Service selects ('' for a Service that selects by colour only). */
  activeRelease: string;
  previewRelease: string;
  /** The phase persisted on the active Service; null when none was written. */
  state: ReleaseState | null;
  /** The release last taken off traffic by analysis or a rollback, and why. */
  abortedRelease: string | null;
  abortedReason: string;
  deployments: Partial<Record<Color, ColorState>>;
  /** When the active Service last switched (ms since epoch), from its annotation. */
  switchedAt: number | null;
  now: number;
}

/** The release label of a Deployment's pod template; '' when unlabelled. */
export const releaseLabel = (d: k8s.V1Deployment | undefined | null): string => d?.spec?.template.metadata?.labels?.[RELEASE_LABEL] ?? '';

/** Ready endpoint addresses among EndpointSlices, optionally only those of pods whose names start with `podPrefix`. */
export function readyAddresses(slices: k8s.V1EndpointSlice[], podPrefix?: string): number {
  return slices
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready !== false && (podPrefix === undefined || (e.targetRef?.kind === 'Pod' && e.targetRef.name?.startsWith(podPrefix))))
    .reduce((n, e) => n + e.addresses.length, 0);
}

/** One service's colours, Services and persisted phase, as the cluster has them now. */
export async function observe(r: ClusterReader, service: string, now = Date.now()): Promise<Observed> {
  const [active, preview] = await Promise.all([r.readService(service), r.readService(previewName(service))]);
  const colorOf = (svc: k8s.V1Service | null) => (svc?.spec?.selector?.[COLOR_LABEL] as Color | undefined) ?? null;
  const releaseOf = (svc: k8s.V1Service | null) => svc?.spec?.selector?.[RELEASE_LABEL] ?? '';
  const previewColor = colorOf(preview);
  const readyPreview = preview ? readyAddresses(await r.listEndpointSlices(previewName(service))) : 0;
  const deployments: Partial<Record<Color, ColorState>> = {};
  for (const color of COLORS) {
    const d = await r.readDeployment(deploymentName(service, color));
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

/** The services the engine deploys in the namespace: the names its colours' Deployments carry, sorted. */
export async function releasedServices(r: ClusterReader): Promise<string[]> {
  const colours = await r.listDeployments(COLOR_LABEL);
  const names = colours.flatMap((d) => d.metadata?.labels?.['app.kubernetes.io/name'] ?? []);
  return [...new Set(names)].sort();
}

/** The pods of one colour of a service (by the Deployment's selector). */
export const podsOf = (r: ClusterReader, service: string, color: Color): Promise<k8s.V1Pod[]> =>
  r.listPods(`app.kubernetes.io/name=${service},${COLOR_LABEL}=${color}`);

/**
 * Ready pods of the live colour's own Deployment that run `release`: not the canary's or the
 * baseline's pods, which the active Service also selects while a canary runs.
 */
export async function readyLivePods(r: ClusterReader, service: string, color: Color, release: string): Promise<number> {
  const pods = await podsOf(r, service, color);
  return pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      !p.metadata?.labels?.[TRACK_LABEL] &&
      p.metadata?.labels?.[RELEASE_LABEL] === release &&
      p.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'),
  ).length;
}

/** Replicas, available replicas and image of a Deployment, or null when it does not exist. */
export async function deploymentStatus(r: ClusterReader, name: string): Promise<{ replicas: number; available: number; image: string } | null> {
  const d = await r.readDeployment(name);
  if (!d) return null;
  return { replicas: d.spec?.replicas ?? 0, available: d.status?.availableReplicas ?? 0, image: d.spec?.template.spec?.containers[0]?.image ?? '' };
}

/** A service's release history from its ConfigMap; empty when it has none. */
export async function readHistory(r: ClusterReader, service: string): Promise<Release[]> {
  return parseHistory((await r.readConfigMap(historyName(service)))?.data?.history);
}

export interface LeaseView {
  holder: string;
  expiresAt: number;
}

/** The deploy lease of a service as it stands: its holder and when it expires unless renewed; null when none is held. */
export async function readLease(r: ClusterReader, service: string): Promise<LeaseView | null> {
  const lease = await r.readLease(leaseName(service));
  const holder = lease?.spec?.holderIdentity;
  if (!lease || !holder) return null;
  const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
  return { holder, expiresAt: renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 };
}

/**
 * When the run that owed a verdict stopped: a canary is up, or the live release is Soaking, and no
 * run holds the lease (its expiry, else the phase's start); null when nothing is orphaned.
 */
export function orphanedSince(observed: Observed, canary: boolean, lease: LeaseView | null, now: number): number | null {
  if (lease && lease.expiresAt > now) return null;
  const orphaned = canary || (observed.active !== null && observed.state?.phase === 'Soaking');
  return orphaned ? (lease?.expiresAt ?? observed.state?.since ?? now) : null;
}
