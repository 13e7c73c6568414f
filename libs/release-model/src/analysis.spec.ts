import { ANALYSIS_ROUNDS_KEPT, type AnalysisRecord, breached, parseAnalysis, progress, readAnalysis, withRound } from './analysis';
import type { ClusterReader } from './observed';

const record: AnalysisRecord = {
  kind: 'soak',
  release: 'r2',
  label: 'soak of agents on green',
  startedAt: '2026-12-05T10:00:00.000Z',
  deadline: '2026-12-05T10:01:00.000Z',
  intervalSeconds: 10,
  metrics: [
    { name: 'error-rate', unit: 'ratio', failWhen: { above: 0.01 }, failureLimit: 0 },
    { name: 'throughput', unit: 'count', failWhen: { below: 5 }, failureLimit: 1 },
  ],
  rounds: [],
  verdict: null,
};

describe('the analysis record', () => {
  it('keeps the newest rounds', () => {
    let r = record;
    for (let i = 0; i < ANALYSIS_ROUNDS_KEPT + 3; i++) r = withRound(r, { at: String(i), values: { 'error-rate': i } });
    expect(r.rounds).toHaveLength(ANALYSIS_ROUNDS_KEPT);
    expect(r.rounds[0].at).toBe('3');
    expect(record.rounds).toEqual([]); // the record given is not changed
  });

  it('says which values breach their metric, and how far the analysis is', () => {
    const [errors, throughput] = record.metrics;
    expect([breached(errors, 0.02), breached(errors, 0.01), breached(errors, null), breached(throughput, 4), breached(throughput, 5)]).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
    const at = (s: number) => Date.parse(record.startedAt) + s * 1000;
    expect([progress(record, at(-5)), progress(record, at(15)), progress(record, at(90))]).toEqual([0, 0.25, 1]);
    expect(progress({ ...record, verdict: { status: 'failed', reason: 'x', at: '' } }, at(1))).toBe(1);
    expect(progress({ ...record, deadline: record.startedAt }, at(1))).toBe(1);
  });

  it('is read from its ConfigMap; none is null, a malformed one an error', async () => {
    const reader = (data: Record<string, string> | null) =>
      ({ readConfigMap: async (name: string) => (name === 'agents-analysis' && data ? { data } : null) }) as unknown as ClusterReader;
    expect(await readAnalysis(reader({ analysis: JSON.stringify(record) }), 'agents')).toEqual(record);
    expect(await readAnalysis(reader(null), 'agents')).toBeNull();
    expect(parseAnalysis(undefined)).toBeNull();
    expect(() => parseAnalysis('{"kind":"soak"}')).toThrow('analysis record is not one');
  });
});
