import { comparisonsFor, judgeAgainstBaseline } from './baseline-judge';
import type { ComparisonSpec } from './schema';

const spec: ComparisonSpec = { name: 'mean-latency', query: 'q', alpha: 0.01, tolerance: 0.1, unit: 'seconds' };
// Two series of 20 values around 20 ms, a fixed jitter pattern; the slowed one 30% higher.
const jitter = Array.from({ length: 20 }, (_, i) => ((i * 7) % 5) * 0.0002);
const base = jitter.map((j) => 0.02 + j);
const same = jitter.map((j, i) => 0.02 + jitter[(i + 3) % 20]);
const slow = jitter.map((j) => 0.026 + j);

describe('judgeAgainstBaseline', () => {
  it('fails a canary 30% slower than its baseline, naming medians, change and p', () => {
    const v = judgeAgainstBaseline(spec, { values: slow }, { values: base }, 15);
    expect(v.status).toBe('failed');
    expect(v.reason).toMatch(
      /^canary slower than its baseline: mean-latency: canary median 26\.\d ms vs baseline 20\.\d ms \(\+29\.\d%; tolerance 10%\), Mann-Whitney p \d\.\d\de-\d+ \(alpha 0\.01\), 20\/20 values$/,
    );
  });

  it('passes an unchanged canary, and a faster one', () => {
    expect(judgeAgainstBaseline(spec, { values: same }, { values: base }, 15).status).toBe('passed');
    expect(judgeAgainstBaseline(spec, { values: base }, { values: slow }, 15)).toMatchObject({
      status: 'passed',
      reason: expect.stringMatching(/\(-2\d\.\d%; tolerance 10%\)/),
    });
  });

  it('passes a significant difference within the tolerance (5% slower, 10% allowed)', () => {
    const v = judgeAgainstBaseline(spec, { values: base.map((x) => x * 1.05) }, { values: base }, 15);
    expect(v.status).toBe('passed');
  });

  it('is inconclusive, never passed, without enough values or without a series', () => {
    expect(judgeAgainstBaseline(spec, { values: slow.slice(0, 14) }, { values: base }, 15)).toEqual({
      status: 'inconclusive',
      reason: 'mean-latency: 14 canary value(s), fewer than the 15 needed (too little traffic, or an analysis time too short for the step)',
    });
    expect(judgeAgainstBaseline(spec, { values: slow }, { inconclusive: 'no data (the query matched no series)' }, 15)).toEqual({
      status: 'inconclusive',
      reason: 'mean-latency: no baseline series (no data (the query matched no series))',
    });
  });
});

describe('comparisonsFor', () => {
  const all = [spec, { ...spec, name: 'error-ratio' }];
  it('gives every comparison by default, a service its own selection, and refuses an unknown name', () => {
    expect(comparisonsFor(all, undefined, 'agents')).toEqual(all);
    expect(comparisonsFor(all, { failWhen: {}, comparisons: [] }, 'dashboard')).toEqual([]);
    expect(comparisonsFor(all, { failWhen: {}, comparisons: ['error-ratio'] }, 'agents').map((c) => c.name)).toEqual(['error-ratio']);
    expect(() => comparisonsFor(all, { failWhen: {}, comparisons: ['p99'] }, 'agents')).toThrow(
      'service agents: comparison "p99" is not defined in analysis.yaml (defined: mean-latency, error-ratio)',
    );
  });
});
