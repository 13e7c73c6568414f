import { live, readServiceView } from '@trading/release-model';
import { Kube } from '../../act/kube';
import { loadEnvironment, type ServiceConfig } from '../../config/config';
import type { WantedRelease } from '../../plan/release-plan';
import { promotionFrom } from '../../plan/promotion-source';
import { shortImage } from './short-image';

/**
 * deploy --promoteFrom=<source>: each service's release as the source environment runs it, read
 * from that environment's records in the cluster (through this deploy's context: the environments
 * share a cluster, each in its namespace). Every service must be live there by digest and promoted
 * after its analysis; otherwise nothing is deployed and every reason is named.
 */
export async function promotedReleases(
  configDir: string,
  source: string,
  target: { environment: string; context: string },
  services: ServiceConfig[],
  log: (message: string) => void,
): Promise<WantedRelease[]> {
  if (source === target.environment)
    throw new Error(`--promoteFrom=${source} is the environment being deployed: name the one whose releases it takes (staging)`);
  const from = loadEnvironment(configDir, source);
  const kube = await Kube.connect({ context: target.context, namespace: from.namespace });
  const sources = [];
  for (const service of services) {
    const view = await readServiceView(kube.reader, service.name).catch((error: unknown) => {
      throw kube.explain(error, `read ${service.name}'s release in ${source} (namespace ${from.namespace})`);
    });
    sources.push({ service: service.name, status: view.status, live: live(view.history) });
  }
  const plan = promotionFrom(source, sources);
  if (plan.refused.length)
    throw new Error(`promotion from ${source} (namespace ${from.namespace}) refused; nothing was deployed:\n  ${plan.refused.join('\n  ')}`);
  return plan.promote.map((p) => {
    log(`promote ${p.service}: ${shortImage(p.image)} (commit ${p.gitSha.slice(0, 12)}), live in ${source} and judged there: ${p.judged}`);
    const service = services.find((s) => s.name === p.service)!;
    return { service, image: p.image, gitSha: p.gitSha, ...(p.commitTime ? { commitTime: p.commitTime } : {}) };
  });
}
