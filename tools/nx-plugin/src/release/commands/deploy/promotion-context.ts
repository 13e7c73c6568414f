import type { ComparisonSpec, MetricSpec } from '../../analysis/schema';
import type { MetricsSource } from '../../analysis/prometheus';
import type { RunningLoad } from '../../analysis/load-hook';
import type { EnvironmentConfig } from '../../config/config';
import type { Kube, Lease } from '../../act/kube';
import type { WantedRelease } from '../../plan/release-plan';

// What the canary, the baseline judgement and the soak share: their context and the error that
// stops a deploy with a verdict. A module of its own, so promotion.ts and baseline.ts do not
// import each other.

/** Thrown when analysis stops a deploy; carries the verdict for the summary. */
export class AnalysisStop extends Error {
  constructor(
    message: string,
    readonly verdict: 'rolled-back' | 'halted' | 'canary-failed' | 'superseded',
  ) {
    super(message);
  }
}

export interface PromotionContext {
  kube: Kube;
  wanted: WantedRelease;
  environment: string;
  env: EnvironmentConfig;
  metrics: MetricSpec[];
  /** Canary-versus-baseline comparisons (analysis.yaml); used when the canary config has a baseline. */
  comparisons?: ComparisonSpec[];
  source: MetricsSource;
  actor: string;
  log: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** The deploy's lease: once lost, the canary and the soak stop before their next write. */
  lease?: Lease;
  /**
   * Starts the environment's load generator for one analysis of the pods `target` selects
   * ({ track: 'canary' } or { color }), absent when no load hook is configured.
   */
  startLoad?: (target: Record<string, string>) => RunningLoad;
}
