import { analysisName } from './names';
import type { ClusterReader } from './observed';

// The analysis of the release being judged (its canary or its soak) as the deploy engine records
// it round by round: a ConfigMap <svc>-analysis, replaced after each round, so the Deployments page
// shows the progress, each metric's values against its threshold and the verdict while it is made.
// Written by the run that holds the deploy lease; informational: the verdict itself is acted on by
// that run (traffic, phase annotations, history), never read back from here.

export interface AnalysisMetric {
  name: string;
  unit: 'ratio' | 'seconds' | 'count';
  failWhen: { above?: number; below?: number };
  failureLimit: number;
}

export interface AnalysisRound {
  at: string;
  /** Each metric's value this round; null when it had none (no data, unreachable). */
  values: Record<string, number | null>;
  /** The health check's failure this round, if any. */
  health?: string;
}

export interface AnalysisRecord {
  kind: 'canary' | 'soak';
  /** The release being judged, and what the log calls the analysis ("soak of agents on green"). */
  release: string;
  label: string;
  startedAt: string;
  /** When the analysis ends if nothing fails first. */
  deadline: string;
  intervalSeconds: number;
  metrics: AnalysisMetric[];
  rounds: AnalysisRound[];
  verdict: { status: 'passed' | 'failed' | 'inconclusive'; reason: string; at: string } | null;
}

/** Rounds kept: a 15-minute soak measured every 10 s fits. */
export const ANALYSIS_ROUNDS_KEPT = 120;

/** The record after one more round (the oldest ones dropped beyond ANALYSIS_ROUNDS_KEPT). */
export const withRound = (record: AnalysisRecord, round: AnalysisRound): AnalysisRecord => ({
  ...record,
  rounds: [...record.rounds, round].slice(-ANALYSIS_ROUNDS_KEPT),
});

export function parseAnalysis(raw: string | undefined): AnalysisRecord | null {
  if (!raw) return null;
  const parsed = JSON.parse(raw) as AnalysisRecord;
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.rounds)) throw new Error('analysis record is not one');
  return parsed;
}

/** A service's last analysis as recorded, or null when none was. */
export async function readAnalysis(r: ClusterReader, service: string): Promise<AnalysisRecord | null> {
  return parseAnalysis((await r.readConfigMap(analysisName(service)))?.data?.analysis);
}

/** Whether a value breaches its metric's condition. */
export const breached = (metric: AnalysisMetric, value: number | null): boolean =>
  value !== null &&
  ((metric.failWhen.above !== undefined && value > metric.failWhen.above) || (metric.failWhen.below !== undefined && value < metric.failWhen.below));

/** How far the analysis is, 0..1, at `now`; 1 once it has a verdict. */
export function progress(record: AnalysisRecord, now: number): number {
  if (record.verdict) return 1;
  const start = Date.parse(record.startedAt);
  const span = Date.parse(record.deadline) - start;
  return span > 0 ? Math.min(1, Math.max(0, (now - start) / span)) : 1;
}
