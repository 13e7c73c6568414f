import { compareSamples } from './mann-whitney';
import type { ComparisonSpec, ServiceAnalysis } from './schema';

/** A series over the canary's analysis time, or why there is none. */
export type SeriesResult = { values: number[] } | { inconclusive: string };

export interface BaselineVerdict {
  status: 'passed' | 'failed' | 'inconclusive';
  reason: string;
}

/** The comparisons that apply to a service: all of analysis.yaml's, or its own selection. */
export function comparisonsFor(all: ComparisonSpec[], service: ServiceAnalysis | undefined, serviceName: string): ComparisonSpec[] {
  const chosen = service?.comparisons;
  if (!chosen) return all;
  const names = new Set(all.map((c) => c.name));
  const unknown = chosen.filter((n) => !names.has(n));
  if (unknown.length)
    throw new Error(`service ${serviceName}: comparison "${unknown[0]}" is not defined in analysis.yaml (defined: ${[...names].join(', ') || 'none'})`);
  return all.filter((c) => chosen.includes(c.name));
}

const show = (value: number, unit: ComparisonSpec['unit']) =>
  unit === 'seconds' ? `${Number((value * 1000).toPrecision(3))} ms` : unit === 'ratio' ? `${(value * 100).toFixed(2)}%` : String(Number(value.toPrecision(4)));

/**
 * One comparison's verdict: too few values on a side is inconclusive (never a pass); otherwise a
 * regression when the canary is larger with significance and beyond the tolerance at the median.
 */
export function judgeAgainstBaseline(spec: ComparisonSpec, canary: SeriesResult, baseline: SeriesResult, minSamples: number): BaselineVerdict {
  for (const [side, series] of [
    ['canary', canary],
    ['baseline', baseline],
  ] as const) {
    if ('inconclusive' in series) return { status: 'inconclusive', reason: `${spec.name}: no ${side} series (${series.inconclusive})` };
    if (series.values.length < minSamples) {
      return {
        status: 'inconclusive',
        reason: `${spec.name}: ${series.values.length} ${side} value(s), fewer than the ${minSamples} needed (too little traffic, or an analysis time too short for the step)`,
      };
    }
  }
  const c = (canary as { values: number[] }).values;
  const b = (baseline as { values: number[] }).values;
  const result = compareSamples(b, c, { alpha: spec.alpha, tolerance: spec.tolerance });
  const change = `${result.ratio >= 1 ? '+' : ''}${((result.ratio - 1) * 100).toFixed(1)}%`;
  const facts =
    `${spec.name}: canary median ${show(result.candidateMedian, spec.unit)} vs baseline ${show(result.baselineMedian, spec.unit)} (${change}; ` +
    `tolerance ${(spec.tolerance * 100).toFixed(0)}%), Mann-Whitney p ${result.pGreater.toExponential(2)} (alpha ${spec.alpha}), ${c.length}/${b.length} values`;
  return result.regression ? { status: 'failed', reason: `canary slower than its baseline: ${facts}` } : { status: 'passed', reason: facts };
}
