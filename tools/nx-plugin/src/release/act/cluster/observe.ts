import type * as k8s from '@kubernetes/client-node';
import * as model from '@trading/release-model';
import { type ClusterReader, type Color, deploymentName, type Observed, readyAddresses } from '@trading/release-model';
import type { ClusterClient } from './client';

// Reading what is there goes through the release model (libs/release-model), which interprets the
// objects' labels and annotations for the engine, deploy:status and the dashboard alike; this is
// the engine's ClusterReader: its client's retries and explained errors, in its namespace.

/** The engine's client as the model's reader. */
export function readerOf(c: ClusterClient): ClusterReader {
  const { namespace } = c.target;
  return {
    readService: (name) => c.readOrNull(`read Service ${name}`, () => c.core.readNamespacedService({ name, namespace })),
    readDeployment: (name) => c.readOrNull(`read Deployment ${name}`, () => c.apps.readNamespacedDeployment({ name, namespace })),
    readConfigMap: (name) => c.readOrNull(`read ConfigMap ${name}`, () => c.core.readNamespacedConfigMap({ name, namespace })),
    readLease: (name) => c.readOrNull(`read Lease ${name}`, () => c.coordination.readNamespacedLease({ name, namespace })),
    listEndpointSlices: async (service) =>
      (
        await c.call('list EndpointSlices', () =>
          c.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }),
        )
      ).items,
    listDeployments: async (labelSelector) =>
      (await c.call(`list the Deployments ${labelSelector}`, () => c.apps.listNamespacedDeployment({ namespace, labelSelector }))).items,
    listPods: async (labelSelector) => (await c.call(`list the pods ${labelSelector}`, () => c.core.listNamespacedPod({ namespace, labelSelector }))).items,
  };
}

export const observe = (c: ClusterClient, service: string, now = Date.now()): Promise<Observed> => model.observe(readerOf(c), service, now);

/** Ready endpoint addresses behind a Service, from its EndpointSlices. */
export const readyEndpoints = async (c: ClusterClient, serviceName: string): Promise<number> =>
  readyAddresses(await readerOf(c).listEndpointSlices(serviceName));

/**
 * Ready endpoints behind the active Service that are pods of `color`'s own Deployment (their
 * names start with it): after a switch, the EndpointSlices name the new colour's pods only once the
 * EndpointSlice controller has caught up with the new selector (kube-proxy routes from them).
 */
export const servingEndpoints = async (c: ClusterClient, service: string, color: Color): Promise<number> =>
  readyAddresses(await readerOf(c).listEndpointSlices(service), `${deploymentName(service, color)}-`);

/** The pods of one colour of a service (by the Deployment's selector). */
export const podsOf = (c: ClusterClient, service: string, color: Color): Promise<k8s.V1Pod[]> => model.podsOf(readerOf(c), service, color);

/** Ready pods of the live colour's own Deployment that run `release` (no canary, no baseline). */
export const readyLivePods = (c: ClusterClient, service: string, color: Color, release: string): Promise<number> =>
  model.readyLivePods(readerOf(c), service, color, release);

/** A Deployment as the cluster holds it, or null when it does not exist. */
export const readDeployment = (c: ClusterClient, name: string): Promise<k8s.V1Deployment | null> => readerOf(c).readDeployment(name);

/** Replicas and available replicas of a Deployment, or null when it does not exist. */
export const deploymentStatus = (c: ClusterClient, name: string) => model.deploymentStatus(readerOf(c), name);
