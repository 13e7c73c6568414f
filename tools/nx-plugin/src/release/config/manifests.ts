import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { ServiceConfig } from './config';
import { releaseOf } from '../status/release-state';
import {
  baselineName,
  canaryName,
  type Color,
  COLOR_LABEL,
  COLORS,
  deploymentName,
  ENVIRONMENT_LABEL,
  other,
  previewName,
  RELEASE_LABEL,
  releaseLabel,
  SWITCHED_AT,
  TRACK_LABEL,
} from '@trading/release-model';
import { nonRootPod, restrictedContainer } from './pod-security';

// The names and labels are the release model's (libs/release-model): what the engine writes there
// is what the status and the dashboard read.
export {
  baselineName,
  canaryName,
  type Color,
  COLOR_LABEL,
  COLORS,
  deploymentName,
  ENVIRONMENT_LABEL,
  other,
  previewName,
  releaseLabel,
  SWITCHED_AT,
  TRACK_LABEL,
};

export const SCRAPE_ANNOTATION = 'prometheus.io/scrape';
export const PRE_STOP_SECONDS = 5;

export function labels(service: ServiceConfig, environment: string, color?: Color): Record<string, string> {
  return {
    'app.kubernetes.io/name': service.name,
    'app.kubernetes.io/instance': `${service.name}-${environment}`,
    'app.kubernetes.io/part-of': 'trading-platform',
    'app.kubernetes.io/managed-by': 'nx-gke-deploy',
    [ENVIRONMENT_LABEL]: environment,
    ...(color ? { [COLOR_LABEL]: color } : {}),
  };
}

/** A Deployment's selector (immutable, so by colour only). */
export const selectorFor = (service: ServiceConfig, color: Color): Record<string, string> => ({
  'app.kubernetes.io/name': service.name,
  [COLOR_LABEL]: color,
});

/** A Service's selector: the colour and the release, so pods of any other template are never behind it. */
export const serviceSelector = (service: ServiceConfig, color: Color, release: string): Record<string, string> => ({
  ...selectorFor(service, color),
  [RELEASE_LABEL]: release,
});

/** Marks the pods of a canary with the release they are a canary of (their RELEASE_LABEL is the live one's). */
export const CANARY_OF = 'trading.dev/canary-of';

export interface DeploymentInput {
  service: ServiceConfig;
  environment: string;
  namespace: string;
  color: Color;
  image: string;
  replicas: number;
  revision: string;
  /**
   * A canary: named <svc>-canary, its pods labelled track=canary and the *active* colour, so the
   * active Service sends them their share of traffic beside the live pods.
   */
  canary?: boolean;
  /**
   * For a canary: the live release. Its pods carry it as RELEASE_LABEL, so the active Service sends
   * them their share, and their own release as CANARY_OF; only track=canary pods ever do this.
   */
  liveRelease?: string;
}

/** One colour's Deployment: non-root, read-only root filesystem, probes and resources from config. */
export function deploymentManifest(input: DeploymentInput): V1Deployment {
  const { service, color } = input;
  const selector = input.canary ? { ...selectorFor(service, color), [TRACK_LABEL]: 'canary' } : selectorFor(service, color);
  const podLabels: Record<string, string> = {
    ...labels(service, input.environment, color),
    'app.kubernetes.io/version': input.revision.slice(0, 12),
    ...(input.canary ? { [TRACK_LABEL]: 'canary' } : {}),
  };
  const probe = (path: string) => ({ httpGet: { path, port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: input.canary ? canaryName(service.name) : deploymentName(service.name, color),
      namespace: input.namespace,
      labels: podLabels,
    },
    spec: {
      replicas: input.replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        // Scraped by annotation (tools/prometheus/kubernetes-scrape.yml): every service that serves
        // /metrics; one that does not (scrape: false) is judged on the load generator's requests.
        metadata: { labels: podLabels, annotations: { [SCRAPE_ANNOTATION]: String(service.scrape) } },
        spec: {
          // Only a service that reads the releases has a token: its own read-only identity (release-reader.ts).
          ...(service.readsReleases ? { serviceAccountName: service.name, automountServiceAccountToken: true } : { automountServiceAccountToken: false }),
          securityContext: nonRootPod(),
          containers: [
            {
              name: service.name,
              image: input.image,
              ports: [{ name: 'http', containerPort: service.port }],
              env: [
                { name: 'PORT', value: String(service.port) },
                // The release this pod runs, read from its own label (the dashboard shows it).
                { name: 'RELEASE_REVISION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/version']" } } },
                ...(service.readsReleases
                  ? [
                      { name: 'RELEASES_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                      { name: 'RELEASES_ENVIRONMENT', value: input.environment },
                    ]
                  : []),
                ...Object.entries(service.env).map(([name, value]) => ({ name, value })),
                ...Object.entries(service.secretEnv).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
              ],
              readinessProbe: probe(service.probes.readiness),
              livenessProbe: probe(service.probes.liveness),
              // A terminating pod keeps serving while its endpoint's removal reaches every node's
              // kube-proxy; without it a scale-down refuses the connections routed to it meanwhile.
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
              resources: { requests: service.resources.requests, limits: service.resources.limits },
              securityContext: restrictedContainer(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const release = releaseOf(deployment.spec!.template.spec);
  if (input.canary) Object.assign(podLabels, { [RELEASE_LABEL]: input.liveRelease ?? release, [CANARY_OF]: release });
  else podLabels[RELEASE_LABEL] = release;
  return deployment;
}

/**
 * A colour's Deployment running a recorded pod template (a rollback restores the whole template,
 * not just the image): same names and labels as deploymentManifest, the template's spec unchanged.
 */
export function deploymentFromTemplate(
  input: Omit<DeploymentInput, 'image' | 'canary' | 'liveRelease'> & { template: NonNullable<V1Deployment['spec']>['template']['spec'] },
): V1Deployment {
  const first = input.template?.containers[0]?.image ?? '';
  const d = deploymentManifest({ ...input, image: first });
  d.spec!.template.spec = input.template;
  const release = releaseOf(input.template);
  d.spec!.template.metadata!.labels![RELEASE_LABEL] = release;
  return d;
}

/**
 * The canary's baseline: the live colour's Deployment as it is (template, release, version), named
 * <svc>-baseline with `replicas` pods labelled track=baseline. Its pods carry the live colour and
 * release, so the active Service sends them their share beside the live and canary pods.
 */
export function baselineManifest(live: V1Deployment, replicas: number): V1Deployment {
  const template = structuredClone(live.spec!.template);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [TRACK_LABEL]: 'baseline' } };
  const name = live.metadata!.labels!['app.kubernetes.io/name'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: baselineName(name), namespace: live.metadata!.namespace, labels: template.metadata.labels },
    spec: {
      replicas,
      revisionHistoryLimit: 1,
      selector: { matchLabels: { ...live.spec!.selector.matchLabels, [TRACK_LABEL]: 'baseline' } },
      strategy: live.spec!.strategy,
      template,
    },
  };
}

/** The active Service (`<svc>`) or the preview Service (`<svc>-preview`), selecting one colour. */
export function serviceManifest(service: ServiceConfig, environment: string, namespace: string, color: Color, preview: boolean, release: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: preview ? previewName(service.name) : service.name, namespace, labels: labels(service, environment) },
    spec: {
      selector: serviceSelector(service, color, release),
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };
}
