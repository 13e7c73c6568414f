import type { QueryResult } from './prometheus';
import { runAnalysis, type AnalysisRun } from './run-analysis';
import type { MetricSpec } from './schema';

const errorRate: MetricSpec = {
  name: 'error-rate',
  provider: 'prometheus',
  query: 'errors{service="{{service}}"}',
  failWhen: { above: 0.01 },
  failureLimit: 0,
  unit: 'ratio',
};

/** A clock that only moves when the analysis sleeps, and a source answering from a script. */
function harness(answers: QueryResult[], extra: Partial<AnalysisRun> = {}) {
  let now = 0;
  const queries: string[] = [];
  const lines: string[] = [];
  const run: AnalysisRun = {
    label: 'soak',
    metrics: [errorRate],
    vars: { service: 'agents' },
    intervalMs: 10_000,
    durationMs: 30_000,
    inconclusiveLimit: 0,
    source: { query: async (q) => (queries.push(q), answers.shift() ?? { value: 0 }) },
    log: (m) => lines.push(m),
    sleep: async (ms) => void (now += ms),
    now: () => now,
    ...extra,
  };
  return { run, queries, lines, clock: () => now };
}

const loadErrors: MetricSpec = { name: 'load-error-rate', provider: 'load', query: 'error-rate', failWhen: { above: 0.01 }, failureLimit: 0, unit: 'ratio' };

describe('runAnalysis', () => {
  // Issue 34, path 9: a service without request metrics is judged on the load generator's own
  // requests (Flagger's load tester); before, its analysis measured nothing and passed.
  it('judges a load metric on the load generator over the last interval, never on Prometheus', async () => {
    const asked: [string, number][] = [];
    const rates = [0, 0.3];
    const h = harness([], { metrics: [loadErrors], load: { measure: (m, windowMs) => (asked.push([m, windowMs]), { value: rates.shift()! }) } });
    expect(await runAnalysis(h.run)).toMatchObject({
      status: 'failed',
      rounds: 2,
      reason: 'load-error-rate 30.00% > 1.00% (1 failed measurement(s), limit 0)',
    });
    expect(asked).toEqual([
      ['error-rate', 10_000],
      ['error-rate', 10_000],
    ]);
    expect(h.queries).toEqual([]);
  });

  it('a load metric without a running load generator is inconclusive, never a pass', async () => {
    const h = harness([], { metrics: [loadErrors] });
    expect(await runAnalysis(h.run)).toMatchObject({
      status: 'inconclusive',
      reason: 'load-error-rate: no load generator runs for this analysis (analysis.load in environments.yaml) (1 measurement(s) in a row)',
    });
  });

  it('passes after measuring every interval for the whole duration', async () => {
    const h = harness([{ value: 0 }, { value: 0.005 }, { value: 0.001 }]);
    const outcome = await runAnalysis(h.run);
    expect(outcome).toMatchObject({ status: 'passed', rounds: 3 });
    expect(h.queries).toEqual(Array(3).fill('errors{service="agents"}'));
    expect(h.clock()).toBe(30_000);
    expect(h.lines[3]).toBe('analysis (soak) round 3: error-rate: last 0.10%, fail > 1.00%, 0/3 failed');
  });

  it('stops at the first failing round', async () => {
    const h = harness([{ value: 0 }, { value: 0.03 }]);
    expect(await runAnalysis(h.run)).toMatchObject({ status: 'failed', rounds: 2, reason: 'error-rate 3.00% > 1.00% (1 failed measurement(s), limit 0)' });
    expect(h.clock()).toBe(20_000);
  });

  it('is inconclusive without data, and fails on a failed health check', async () => {
    expect(await runAnalysis(harness([{ inconclusive: 'no data' }]).run)).toMatchObject({ status: 'inconclusive', rounds: 1 });
    const sick = harness([], { health: async () => '1/2 ready endpoints' });
    expect(await runAnalysis(sick.run)).toMatchObject({ status: 'failed', reason: 'health check: 1/2 ready endpoints' });
  });

  it('measures nothing for a zero duration', async () => {
    expect(await runAnalysis(harness([], { durationMs: 0 }).run)).toMatchObject({ status: 'passed', rounds: 0, reason: 'no measurement (duration 0)' });
  });

  // Issue 17, scenario 5: the lease was never checked during the canary or the soak (up to ~20 min).
  it('stops before the next round once the deploy lease is lost', async () => {
    const lost = new Error('lost the deploy lease of agents to other-runner');
    let rounds = 0;
    const h = harness([], { stopped: () => (rounds++ >= 1 ? lost : undefined) });
    await expect(runAnalysis(h.run)).rejects.toBe(lost);
    expect(h.queries).toHaveLength(1);
  });

  // Issue 17, scenario 4: a health check that threw (API server unreachable) rejected the whole
  // analysis, so the soak failed without a verdict; it is inconclusive now.
  it('calls a health check that cannot run inconclusive, not a crash', async () => {
    const h = harness([], { health: () => Promise.reject(new Error('cannot reach the Kubernetes API')) });
    const outcome = await runAnalysis(h.run);
    expect(outcome).toMatchObject({ status: 'inconclusive', reason: 'health check could not run: cannot reach the Kubernetes API', rounds: 1 });
    expect(h.lines.at(-1)).toBe('analysis (soak) round 1: the health check could not run: cannot reach the Kubernetes API');
  });
});
