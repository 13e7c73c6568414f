import type { ComparisonSpec } from '../../analysis/schema';
import type { MetricsSource } from '../../analysis/prometheus';
import { judgeCanaryAgainstBaseline } from './baseline';
import type { PromotionContext } from './promotion';

// The range queries the judgement sends and the series it gets back (a test double of Prometheus:
// the real one is driven by tools/workspace-tests/canary-baseline.test.mjs).
const spec: ComparisonSpec = {
  name: 'mean-latency',
  query: 'latency{namespace="{{namespace}}",service="{{service}}",{{target}}}[{{window}}]',
  alpha: 0.01,
  tolerance: 0.1,
  unit: 'seconds',
};
const series = (base: number) => ({ values: Array.from({ length: 20 }, (_, i) => base + (i % 5) * 0.0002) });

function context(source: MetricsSource, lines: string[]): PromotionContext {
  return {
    kube: { target: { namespace: 'prod' } },
    wanted: { service: { name: 'agents' } },
    environment: 'production',
    source,
    log: (m: string) => lines.push(m),
  } as unknown as PromotionContext;
}

describe('judgeCanaryAgainstBaseline', () => {
  it('asks for each track over the canary time at the step, with two-step windows, and fails a slower canary', async () => {
    const asked: Array<[string, number, number, number]> = [];
    const source: MetricsSource = {
      query: async () => ({ value: 0 }),
      queryRange: async (promql, start, end, step) => {
        asked.push([promql, start, end, step]);
        return promql.includes('track="canary"') ? series(0.026) : series(0.02);
      },
    };
    const lines: string[] = [];
    const verdict = await judgeCanaryAgainstBaseline(context(source, lines), [spec], { stepSeconds: 5, minSamples: 15 }, 100_000, 400_000);
    expect(asked).toEqual([
      ['latency{namespace="prod",service="agents",track="canary"}[10s]', 110, 400, 5],
      ['latency{namespace="prod",service="agents",track="baseline"}[10s]', 110, 400, 5],
    ]);
    expect(verdict.status).toBe('failed');
    expect(lines).toEqual([
      expect.stringMatching(/^canary against its baseline: failed: canary slower than its baseline: mean-latency: canary median 26\.\d ms/),
    ]);
  });

  it('passes when every comparison passes, joining their reasons', async () => {
    const source: MetricsSource = { query: async () => ({ value: 0 }), queryRange: async () => series(0.02) };
    const verdict = await judgeCanaryAgainstBaseline(context(source, []), [spec, { ...spec, name: 'other' }], { stepSeconds: 1, minSamples: 15 }, 0, 30_000);
    expect(verdict).toEqual({ status: 'passed', reason: expect.stringMatching(/^mean-latency: .*; other: /) });
  });

  it('is inconclusive, never passed, with a source that answers no range queries', async () => {
    const verdict = await judgeCanaryAgainstBaseline(context({ query: async () => ({ value: 0 }) }, []), [spec], { stepSeconds: 1, minSamples: 15 }, 0, 30_000);
    expect(verdict).toEqual({ status: 'inconclusive', reason: 'mean-latency: no canary series (the metrics source answers no range queries)' });
  });
});
