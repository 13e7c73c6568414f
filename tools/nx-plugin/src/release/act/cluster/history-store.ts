import * as model from '@trading/release-model';
import { historyName, parseHistory, type Release } from '@trading/release-model';
import type { ClusterClient } from './client';
import { readerOf } from './observe';
import { writeServiceConfigMap } from './service-configmap';

// The release history: a ConfigMap <svc>-releases per service, changed only by read-modify-write
// under its resourceVersion, retried on conflict, so two writers never lose each other's entries.

const nameOf = historyName;

export const readHistory = (c: ClusterClient, service: string): Promise<Release[]> => model.readHistory(readerOf(c), service);

/**
 * Applies `change` to the history as stored now; on a conflict, reads again and reapplies it.
 * A change that returns the history it was given writes nothing. `beforeWrite` runs before each
 * attempt's write (the lease check: a retry after a conflict checks again).
 */
export async function updateHistory(
  c: ClusterClient,
  service: string,
  change: (history: Release[]) => Release[],
  beforeWrite: () => void = () => undefined,
): Promise<Release[]> {
  const { namespace } = c.target;
  const name = nameOf(service);
  return c.retryOnConflict('update the release history', async () => {
    const existing = await c.readOrNull('read the release history', () => c.core.readNamespacedConfigMap({ name, namespace }));
    const current = parseHistory(existing?.data?.history);
    const history = change(current);
    if (history === current) return current; // nothing to record: no write
    beforeWrite();
    await writeServiceConfigMap(c, service, name, { history: JSON.stringify(history, null, 1) }, existing);
    return history;
  });
}
