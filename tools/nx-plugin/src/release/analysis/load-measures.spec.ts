import { loadLine, measureLoad, parseLoadLine, type LoadSecond } from './load-measures';

const second = (at: number, ms: number[], failed = 0): LoadSecond => ({ at, ms, failed });

describe('the load generator as a measure', () => {
  it('reads its per-second lines and nothing else', () => {
    const s = second(1000, [12, 30], 1);
    expect(parseLoadLine(loadLine(s))).toEqual(s);
    expect(parseLoadLine('traffic dashboard/: 20 requests, 0 failed {"200":20}')).toBeNull();
    expect(parseLoadLine('traffic-second {not json')).toBeNull();
    expect(parseLoadLine('traffic-second {"at":1,"ms":[1],"failed":2}')).toBeNull();
    expect(parseLoadLine('traffic-second {"at":1,"ms":["x"],"failed":0}')).toBeNull();
  });

  it('the error rate is the failed share of the requests that ended in the window', () => {
    const seconds = [second(0, [5, 5, 5, 5], 4), second(1000, [5, 5, 5, 5], 1), second(2000, [5, 5, 5, 5, 5, 5], 0)];
    expect(measureLoad(seconds, 'error-rate', 1000, 3000)).toEqual({ value: 0.1 });
    expect(measureLoad(seconds, 'error-rate', 0, 1000)).toEqual({ value: 1 });
  });

  it('the p95 latency is the nearest-rank 95th percentile, in seconds', () => {
    const ms = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(measureLoad([second(0, ms.slice(0, 50)), second(1000, ms.slice(50))], 'p95-latency', 0, 2000)).toEqual({ value: 0.095 });
    expect(measureLoad([second(0, [700])], 'p95-latency', 0, 1000)).toEqual({ value: 0.7 });
  });

  it('no request in the window is inconclusive, never a pass', () => {
    expect(measureLoad([second(0, [5])], 'error-rate', 1000, 11_000)).toEqual({ inconclusive: 'the load generator finished no request in the last 10 s' });
    expect(measureLoad([], 'p95-latency', 0, 5000)).toHaveProperty('inconclusive');
  });
});

describe('a load metric in analysis.yaml', () => {
  it('names one of the measures the generator gives', async () => {
    const { metricSchema } = await import('./schema');
    const base = { name: 'load-error-rate', provider: 'load', failWhen: { above: 0.01 } };
    expect(metricSchema.safeParse({ ...base, query: 'error-rate' }).success).toBe(true);
    const wrong = metricSchema.safeParse({ ...base, query: 'sum(rate(x[1m]))' });
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0].message).toBe('a metric with provider load has query error-rate or p95-latency');
    expect(metricSchema.parse({ name: 'error-rate', query: 'up', failWhen: { above: 0 } }).provider).toBe('prometheus');
  });
});
