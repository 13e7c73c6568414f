import type { ServiceConfig } from '../../config/config';
import type { Kube } from '../../act/kube';
import { deploymentManifest, deploymentName, releaseLabel } from '../../config/manifests';
import type { WantedRelease } from '../../plan/release-plan';

/**
 * A service with no new image (no image record: its code did not change) whose deploy config did
 * (tools/deploy/services/<name>.yaml: env, probes, resources, replicas): the live image with
 * today's config, as a release of its own, so a config-only change goes through staging like any
 * other instead of reaching production first (issue 34, path 12). Null when the live release
 * already is today's config, or the service was never deployed here.
 */
export async function configOnlyRelease(kube: Kube, service: ServiceConfig, environment: string, log: (m: string) => void): Promise<WantedRelease | null> {
  const observed = await kube.observe(service.name);
  if (!observed.active) {
    log(`${service.name}: skipped, no image record and never deployed in ${kube.target.namespace}`);
    return null;
  }
  const live = await kube.readDeployment(deploymentName(service.name, observed.active));
  const image = live?.spec?.template.spec?.containers[0]?.image;
  if (!image) return null;
  const revision = live?.metadata?.labels?.['app.kubernetes.io/version'] ?? '';
  const replicas = service.replicas[environment];
  const release = releaseLabel(
    deploymentManifest({ service, environment, namespace: kube.target.namespace, color: observed.active, image, replicas, revision }),
  );
  if (release === observed.activeRelease && live?.spec?.replicas === replicas) {
    log(`${service.name}: unchanged (no image record; the live release ${release} already has today's config)`);
    return null;
  }
  log(
    `${service.name}: no new image, but its deploy config changed (release ${observed.activeRelease || '(unlabelled)'} -> ${release}${live?.spec?.replicas !== replicas ? `, replicas ${live?.spec?.replicas} -> ${replicas}` : ''}): deploying the live image with it`,
  );
  return { service, image, gitSha: revision };
}
