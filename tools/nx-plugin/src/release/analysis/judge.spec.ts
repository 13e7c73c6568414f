import { addRound, breaches, describeCondition, emptyTally, formatValue, matchers, metricsFor, promDuration, renderQuery, type Measurement } from './judge';
import type { MetricSpec } from './schema';

const errorRate: MetricSpec = { name: 'error-rate', provider: 'prometheus', query: 'q1', failWhen: { above: 0.01 }, failureLimit: 0, unit: 'ratio' };
const p95: MetricSpec = { name: 'p95-latency', provider: 'prometheus', query: 'q2', failWhen: { above: 0.5 }, failureLimit: 1, unit: 'seconds' };
const metrics = [errorRate, p95];
const v = (metric: string, value: number): Measurement => ({ metric, at: 0, value });
const none = (metric: string, why = 'no data'): Measurement => ({ metric, at: 0, inconclusive: why });

describe('query templates', () => {
  it('fills placeholders and refuses unknown ones', () => {
    expect(renderQuery('rate(x{service="{{service}}",{{ target }}}[{{window}}])', { service: 'agents', target: 'color="green"', window: '10s' })).toBe(
      'rate(x{service="agents",color="green"}[10s])',
    );
    expect(() => renderQuery('{{nope}}', { service: 'a' })).toThrow('query placeholder {{nope}} is not one of service');
  });

  it('escapes label values and writes Prometheus durations', () => {
    expect(matchers({ color: 'green', odd: 'a"b\\c' })).toBe('color="green",odd="a\\"b\\\\c"');
    expect(promDuration(30)).toBe('30s');
    expect(promDuration(2.5)).toBe('2500ms');
  });
});

describe('conditions', () => {
  it('breaches strictly above or below', () => {
    expect(breaches(0.01, { above: 0.01 })).toBe(false);
    expect(breaches(0.0101, { above: 0.01 })).toBe(true);
    expect(breaches(5, { below: 10 })).toBe(true);
    expect(breaches(10, { above: 20, below: 10 })).toBe(false);
  });

  it('formats by unit', () => {
    expect(formatValue(0.0212, 'ratio')).toBe('2.12%');
    expect(formatValue(0.8, 'seconds')).toBe('800 ms');
    expect(formatValue(3, 'count')).toBe('3');
    expect(describeCondition({ above: 0.5, below: 0.001 }, 'seconds')).toBe('> 500 ms or < 1 ms');
  });
});

describe('addRound', () => {
  it('keeps running while every value is inside its condition', () => {
    const t = addRound(emptyTally(metrics), metrics, [v('error-rate', 0.005), v('p95-latency', 0.1)], 1);
    expect(t.verdict).toEqual({ status: 'running' });
    expect(t.metrics['error-rate']).toMatchObject({ measurements: 1, failures: 0 });
  });

  it('fails on the first breach when the failure limit is 0, with the number that tripped it', () => {
    const t = addRound(emptyTally(metrics), metrics, [v('error-rate', 0.02), v('p95-latency', 0.1)], 1);
    expect(t.verdict).toEqual({ status: 'failed', metric: 'error-rate', reason: 'error-rate 2.00% > 1.00% (1 failed measurement(s), limit 0)' });
  });

  it('tolerates failures up to the limit', () => {
    let t = addRound(emptyTally(metrics), metrics, [v('error-rate', 0), v('p95-latency', 0.8)], 1);
    expect(t.verdict.status).toBe('running');
    t = addRound(t, metrics, [v('error-rate', 0), v('p95-latency', 0.9)], 1);
    expect(t.verdict).toMatchObject({ status: 'failed', metric: 'p95-latency', reason: 'p95-latency 900 ms > 500 ms (2 failed measurement(s), limit 1)' });
  });

  it('is inconclusive after more consecutive missing values than the limit; a value resets the count', () => {
    let t = addRound(emptyTally(metrics), metrics, [none('error-rate'), v('p95-latency', 0.1)], 1);
    t = addRound(t, metrics, [v('error-rate', 0), v('p95-latency', 0.1)], 1);
    t = addRound(t, metrics, [none('error-rate'), v('p95-latency', 0.1)], 1);
    expect(t.verdict.status).toBe('running');
    t = addRound(t, metrics, [none('error-rate', 'unreachable'), v('p95-latency', 0.1)], 1);
    expect(t.verdict).toEqual({ status: 'inconclusive', metric: 'error-rate', reason: 'error-rate: unreachable (2 measurement(s) in a row)' });
  });

  it('never passes by itself and ignores rounds after a verdict', () => {
    const failed = addRound(emptyTally(metrics), metrics, [v('error-rate', 1)], 0);
    expect(addRound(failed, metrics, [v('error-rate', 0)], 0)).toBe(failed);
    expect(() => addRound(emptyTally(metrics), metrics, [v('cpu', 1)], 0)).toThrow('unknown metric cpu');
  });
});

describe('metricsFor', () => {
  it("judges by the Prometheus metrics unless a service names the load generator's", () => {
    const load: MetricSpec = { name: 'load-error-rate', provider: 'load', query: 'error-rate', failWhen: { above: 0.01 }, failureLimit: 0, unit: 'ratio' };
    expect(metricsFor([...metrics, load], undefined, 'agents')).toEqual(metrics);
    expect(metricsFor([...metrics, load], { metrics: ['load-error-rate'], failWhen: {} }, 'dashboard')).toEqual([load]);
  });

  it('applies a service selection and its thresholds', () => {
    expect(metricsFor(metrics, undefined, 'a')).toEqual(metrics);
    expect(metricsFor(metrics, { metrics: [], failWhen: {} }, 'a')).toEqual([]);
    const engine = metricsFor(metrics, { failWhen: { 'p95-latency': { above: 0.1 } } }, 'engine');
    expect(engine.find((m) => m.name === 'p95-latency')?.failWhen).toEqual({ above: 0.1 });
    expect(() => metricsFor(metrics, { metrics: ['cpu'], failWhen: {} }, 'engine')).toThrow(
      'service engine: analysis metric "cpu" is not defined in analysis.yaml',
    );
  });
});
