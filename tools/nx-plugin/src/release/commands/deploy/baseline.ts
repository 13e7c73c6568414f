import { judgeAgainstBaseline, type BaselineVerdict } from '../../analysis/baseline-judge';
import { matchers, promDuration, renderQuery } from '../../analysis/judge';
import type { CanaryConfig, ComparisonSpec } from '../../analysis/schema';
import type { PromotionContext } from './promotion-context';

/**
 * The canary against its baseline, over [sinceMs, untilMs]: each comparison's query as a range
 * query (step `baseline.stepSeconds`, rate windows of two steps) once for track=canary and once for
 * track=baseline, judged side by side. The first failed or inconclusive comparison decides; each
 * verdict is logged.
 */
export async function judgeCanaryAgainstBaseline(
  ctx: PromotionContext,
  comparisons: ComparisonSpec[],
  baseline: NonNullable<CanaryConfig['baseline']>,
  sinceMs: number,
  untilMs: number,
): Promise<BaselineVerdict> {
  const { service } = ctx.wanted;
  const step = baseline.stepSeconds;
  const vars = (track: string) => ({
    service: service.name,
    namespace: ctx.kube.target.namespace,
    environment: ctx.environment,
    target: matchers({ track }),
    window: promDuration(2 * step),
  });
  // The first value whose window lies wholly inside the canary's time.
  const start = sinceMs / 1000 + 2 * step;
  const end = untilMs / 1000;
  const reasons: string[] = [];
  for (const spec of comparisons) {
    const range = (track: string) =>
      ctx.source.queryRange
        ? ctx.source.queryRange(renderQuery(spec.query, vars(track)), start, end, step)
        : Promise.resolve({ inconclusive: 'the metrics source answers no range queries' });
    const [canary, base] = await Promise.all([range('canary'), range('baseline')]);
    const verdict = judgeAgainstBaseline(spec, canary, base, baseline.minSamples);
    ctx.log(`canary against its baseline: ${verdict.status}: ${verdict.reason}`);
    if (verdict.status !== 'passed') return verdict;
    reasons.push(verdict.reason);
  }
  return { status: 'passed', reason: reasons.join('; ') };
}
