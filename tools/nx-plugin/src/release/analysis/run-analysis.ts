import { addRound, emptyTally, renderQuery, summarise, type Measurement, type Tally } from './judge';
import type { LoadMeasure } from './load-measures';
import type { MetricsSource, QueryResult } from './prometheus';
import type { MetricSpec } from './schema';
import { setTimeout as defaultSleep } from 'node:timers/promises';

export interface AnalysisRun {
  /** What is analysed, for the log: "soak of agents on green". */
  label: string;
  metrics: MetricSpec[];
  /** Values for the query placeholders. */
  vars: Record<string, string>;
  intervalMs: number;
  durationMs: number;
  inconclusiveLimit: number;
  source: MetricsSource;
  /** The running load generator's measures over the last `windowMs` (metrics with provider load). */
  load?: { measure(measure: LoadMeasure, windowMs: number): QueryResult };
  log: (message: string) => void;
  /** Checked every round beside the metrics: a failure reason (health checks), or null. */
  health?: () => Promise<string | null>;
  /** Checked before every round: an error (the deploy lease was lost) stops the analysis at once, writing nothing. */
  stopped?: () => Error | undefined;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Told each round's values (null: none) and health failure, as they are measured. */
  onRound?: (round: { at: number; values: Record<string, number | null>; health?: string }) => Promise<void>;
}

export interface AnalysisOutcome {
  status: 'passed' | 'failed' | 'inconclusive';
  reason: string;
  rounds: number;
  tally: Tally;
}

/**
 * Measures every metric once per interval until the duration is over (passed), a metric fails
 * (failed) or stays without data (inconclusive). The first round is one interval after the
 * start, so the windows hold data from the new version only.
 */
export async function runAnalysis(run: AnalysisRun): Promise<AnalysisOutcome> {
  const sleep = run.sleep ?? defaultSleep;
  const now = run.now ?? Date.now;
  const queries = run.metrics.map((m) => ({ spec: m, promql: m.provider === 'load' ? m.query : renderQuery(m.query, run.vars) }));
  // A load measure covers the requests since the previous round: fresh data, like a rate() window.
  const measureOne = async ({ spec, promql }: (typeof queries)[number]): Promise<QueryResult> => {
    if (spec.provider !== 'load') return run.source.query(promql);
    if (!run.load) return { inconclusive: 'no load generator runs for this analysis (analysis.load in environments.yaml)' };
    return run.load.measure(spec.query as LoadMeasure, run.intervalMs);
  };
  const deadline = now() + run.durationMs;
  let tally = emptyTally(run.metrics);
  let rounds = 0;
  run.log(
    `analysis (${run.label}): ${run.metrics.map((m) => m.name).join(', ') || 'health only'} every ${run.intervalMs / 1000} s for ${run.durationMs / 1000} s`,
  );
  while (now() < deadline) {
    await sleep(Math.min(run.intervalMs, Math.max(0, deadline - now())));
    const stop = run.stopped?.();
    if (stop) throw stop;
    rounds += 1;
    // A health check that cannot run (the API server unreachable) judges nothing: inconclusive, so
    // the caller halts or switches back as configured instead of failing with traffic unjudged.
    let healthError: string | null = null;
    const health = run.health
      ? run.health().catch((error: Error) => {
          healthError = error.message;
          return null;
        })
      : Promise.resolve(null);
    const [round, unhealthy] = await Promise.all([
      Promise.all(queries.map(async (q): Promise<Measurement> => ({ metric: q.spec.name, at: now(), ...(await measureOne(q)) }))),
      health,
    ]);
    if (healthError !== null) {
      run.log(`analysis (${run.label}) round ${rounds}: the health check could not run: ${healthError}`);
      return { status: 'inconclusive', reason: `health check could not run: ${healthError}`, rounds, tally };
    }
    tally = addRound(tally, run.metrics, round, run.inconclusiveLimit);
    await run.onRound?.({
      at: now(),
      values: Object.fromEntries(round.map((m) => [m.metric, 'value' in m ? m.value : null])),
      ...(unhealthy ? { health: unhealthy } : {}),
    });
    const line = summarise(tally, run.metrics);
    run.log(`analysis (${run.label}) round ${rounds}: ${line}${unhealthy ? `; health: ${unhealthy}` : ''}`);
    if (unhealthy) return { status: 'failed', reason: `health check: ${unhealthy}`, rounds, tally };
    if (tally.verdict.status !== 'running') return { status: tally.verdict.status, reason: tally.verdict.reason, rounds, tally };
  }
  return { status: 'passed', reason: rounds ? summarise(tally, run.metrics) : 'no measurement (duration 0)', rounds, tally };
}
