// The names the release engine gives the objects it manages, and the labels and annotations it puts
// on them: the deploy engine writes them, this model reads them. Imports nothing.

export const COLOR_LABEL = 'trading.dev/color';
export const TRACK_LABEL = 'trading.dev/track';
export const ENVIRONMENT_LABEL = 'trading.dev/environment';
export const SWITCHED_AT = 'trading.dev/switched-at';

/**
 * A release is the whole pod template (image digest and the service's config: env, secrets,
 * probes, resources), named by a hash of its spec. Pods carry it as a label and both Services
 * select it with the colour, so a colour still holding a pod of another template never serves it.
 */
export const RELEASE_LABEL = 'trading.dev/release';

export type Color = 'blue' | 'green';
export const COLORS: readonly Color[] = ['blue', 'green'];
export const other = (color: Color): Color => (color === 'blue' ? 'green' : 'blue');

/** The Deployment of one colour of a service; its pods' names start with it. */
export const deploymentName = (service: string, color: Color) => `${service}-${color}`;
/** The Service that selects the colour being readied (no traffic): the health gate's view of it. */
export const previewName = (service: string) => `${service}-preview`;
export const canaryName = (service: string) => `${service}-canary`;
export const baselineName = (service: string) => `${service}-baseline`;
/** The ConfigMap that holds a service's release history. */
export const historyName = (service: string) => `${service}-releases`;
/** The ConfigMap that holds the record of a service's last analysis (its canary's or its soak's). */
export const analysisName = (service: string) => `${service}-analysis`;
/** The Lease a deploy run holds on a service while it changes it. */
export const leaseName = (service: string) => `deploy-${service}`;
/** The ConfigMap that links a service's incident issue (scripts/incidents.mjs writes it). */
export const incidentName = (service: string) => `${service}-incident`;
