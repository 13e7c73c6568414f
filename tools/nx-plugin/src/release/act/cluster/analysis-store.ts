import type * as k8s from '@kubernetes/client-node';
import { type AnalysisRecord, analysisName } from '@trading/release-model';
import type { ClusterClient } from './client';

// The record of the analysis being made (libs/release-model/src/analysis.ts), one ConfigMap per
// service, replaced after each round by the run that holds the deploy lease.

export async function writeAnalysis(c: ClusterClient, service: string, record: AnalysisRecord): Promise<void> {
  const { namespace } = c.target;
  const name = analysisName(service);
  await c.retryOnConflict('record the analysis', async () => {
    const existing = await c.readOrNull('read the analysis record', () => c.core.readNamespacedConfigMap({ name, namespace }));
    const body: k8s.V1ConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/managed-by': 'nx-gke-deploy' },
        resourceVersion: existing?.metadata?.resourceVersion,
      },
      data: { analysis: JSON.stringify(record) },
    };
    if (existing) await c.core.replaceNamespacedConfigMap({ name, namespace, body });
    else await c.core.createNamespacedConfigMap({ namespace, body });
  });
}
