import { type AnalysisRecord, withRound } from '@trading/release-model';
import type { AnalysisOutcome } from '../../analysis/run-analysis';
import type { MetricSpec } from '../../analysis/schema';
import type { PromotionContext } from './promotion-context';

// Records the analysis being made (its metrics and thresholds, each round's values, the verdict)
// in the cluster for the Deployments page (libs/release-model/src/analysis.ts). Informational: a
// record that cannot be written is said once in the log and never changes the analysis or its verdict.

export interface AnalysisRecorder {
  round(round: { at: number; values: Record<string, number | null>; health?: string }): Promise<void>;
  verdict(outcome: Pick<AnalysisOutcome, 'status' | 'reason'>): Promise<void>;
}

export async function recordAnalysis(
  ctx: PromotionContext,
  what: { kind: AnalysisRecord['kind']; label: string; release: string; metrics: MetricSpec[]; intervalMs: number; durationMs: number },
): Promise<AnalysisRecorder> {
  const now = ctx.now ?? Date.now;
  const service = ctx.wanted.service.name;
  const started = now();
  let record: AnalysisRecord = {
    kind: what.kind,
    release: what.release,
    label: what.label,
    startedAt: new Date(started).toISOString(),
    deadline: new Date(started + what.durationMs).toISOString(),
    intervalSeconds: what.intervalMs / 1000,
    metrics: what.metrics.map((m) => ({ name: m.name, unit: m.unit, failWhen: m.failWhen, failureLimit: m.failureLimit })),
    rounds: [],
    verdict: null,
  };
  let told = false;
  const write = async () => {
    try {
      await ctx.kube.writeAnalysis(service, record);
    } catch (error) {
      if (!told) ctx.log(`the analysis record was not written (the Deployments page will not show this analysis): ${(error as Error).message.split('\n')[0]}`);
      told = true;
    }
  };
  await write();
  return {
    round: async ({ at, values, health }) => {
      record = withRound(record, { at: new Date(at).toISOString(), values, ...(health ? { health } : {}) });
      await write();
    },
    verdict: async ({ status, reason }) => {
      record = { ...record, verdict: { status, reason, at: new Date(now()).toISOString() } };
      await write();
    },
  };
}
