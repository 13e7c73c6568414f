import { type AnalysisRecord, analysisName } from '@trading/release-model';
import type { ClusterClient } from './client';
import { writeServiceConfigMap } from './service-configmap';

// The record of the analysis being made (libs/release-model/src/analysis.ts), one ConfigMap per
// service, replaced after each round by the run that holds the deploy lease.

export async function writeAnalysis(c: ClusterClient, service: string, record: AnalysisRecord): Promise<void> {
  const { namespace } = c.target;
  const name = analysisName(service);
  await c.retryOnConflict('record the analysis', async () => {
    const existing = await c.readOrNull('read the analysis record', () => c.core.readNamespacedConfigMap({ name, namespace }));
    await writeServiceConfigMap(c, service, name, { analysis: JSON.stringify(record) }, existing);
  });
}
