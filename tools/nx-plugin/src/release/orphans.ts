import type { Kube } from './kube';
import { canaryName } from './manifests';

/**
 * Removes `<svc>-canary` when one is left over (a deploy crashed or was cancelled during its
 * canary). Called by a deploy before it starts (it holds the lease, so no live canary is anyone
 * else's), by a rollback and by deploy:abort. Returns whether one was there.
 */
export async function removeOrphanCanary(kube: Kube, service: string, log: (m: string) => void): Promise<boolean> {
  const name = canaryName(service);
  const canary = await kube.deploymentStatus(name);
  if (!canary) return false;
  log(`removing the canary ${name} an interrupted deploy left (${canary.available}/${canary.replicas} available, ${canary.image})`);
  await kube.deleteDeployment(name);
  return true;
}
