import type { Kube } from './kube';
import { baselineName, canaryName } from '../config/manifests';

/**
 * Removes `<svc>-canary` (and its `<svc>-baseline`) when left over (a deploy crashed or was cancelled during its
 * canary). Called by a deploy before it starts (it holds the lease, so no live canary is anyone
 * else's), by a rollback and by deploy:abort. Returns whether one was there.
 */
export async function removeOrphanCanary(kube: Kube, service: string, log: (m: string) => void): Promise<boolean> {
  let found = false;
  for (const [what, name] of [
    ['canary', canaryName(service)],
    ['baseline', baselineName(service)],
  ]) {
    const left = await kube.deploymentStatus(name);
    if (!left) continue;
    log(`removing the ${what} ${name} an interrupted deploy left (${left.available}/${left.replicas} available, ${left.image})`);
    await kube.deleteDeployment(name);
    found = true;
  }
  return found;
}
