import { z } from 'zod';

/**
 * The SLO analysis as data, after Argo Rollouts' AnalysisTemplate: metrics with a Prometheus
 * query, a failure condition and a failure limit (tools/deploy/analysis.yaml), measured every
 * interval for a duration (per environment, tools/deploy/environments.yaml).
 */
export const failWhenSchema = z
  .object({ above: z.number().optional(), below: z.number().optional() })
  .refine((c) => c.above !== undefined || c.below !== undefined, 'give `above` and/or `below`');
export type FailWhen = z.infer<typeof failWhenSchema>;

/** What a metric with provider load measures (release/analysis/load-measures.ts). */
export const LOAD_MEASURES = ['error-rate', 'p95-latency'] as const;
export type LoadMeasure = (typeof LOAD_MEASURES)[number];

export const metricSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    /**
     * Where the value comes from: `prometheus` (the default; every service is judged by these unless
     * it names its own), or `load`: the analysis' load generator's own requests to the judged pods
     * (release/analysis/load-measures.ts), for services without request metrics, which name them.
     */
    provider: z.enum(['prometheus', 'load']).default('prometheus'),
    /** PromQL with {{service}}, {{namespace}}, {{environment}}, {{target}} (label matchers selecting the new version's pods) and {{window}}; for provider load, one of LOAD_MEASURES. */
    query: z.string().min(1),
    failWhen: failWhenSchema,
    /** Failed measurements tolerated before the analysis fails (0: the first one fails it). */
    failureLimit: z.number().int().min(0).default(0),
    /** How a value is shown: a ratio as %, seconds as ms. */
    unit: z.enum(['ratio', 'seconds', 'count']).default('count'),
  })
  .refine((m) => m.provider !== 'load' || (LOAD_MEASURES as readonly string[]).includes(m.query), {
    message: `a metric with provider load has query ${LOAD_MEASURES.join(' or ')}`,
    path: ['query'],
  });
export type MetricSpec = z.infer<typeof metricSchema>;

/**
 * Canary against baseline (Kayenta's judgement): one query evaluated over the canary's analysis
 * time, step by step, for the canary's pods and for the baseline's (the live release started beside
 * it); a regression when the canary's series is larger by a one-sided Mann-Whitney test (p < alpha)
 * and its median more than `tolerance` above the baseline's.
 */
export const comparisonSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** PromQL with the metric placeholders; {{window}} is the comparison's own (two steps). */
  query: z.string().min(1),
  alpha: z.number().gt(0).lt(0.5).default(0.01),
  /** Largest acceptable increase of the canary's median over the baseline's (0.1: 10%). */
  tolerance: z.number().min(0).default(0.1),
  unit: z.enum(['ratio', 'seconds', 'count']).default('count'),
});
export type ComparisonSpec = z.infer<typeof comparisonSchema>;

export const analysisFileSchema = z.object({ metrics: z.array(metricSchema).min(1), comparisons: z.array(comparisonSchema).default([]) });

/** What happens when Prometheus cannot be reached or a query returns no data. */
export const inconclusiveActions = ['halt', 'rollback', 'continue'] as const;
export type InconclusiveAction = (typeof inconclusiveActions)[number];

export const environmentAnalysisSchema = z.object({
  prometheus: z.string().url(),
  /**
   * A bearer token for every query, from a command (Google Managed Prometheus' frontend:
   * [gcloud, auth, print-access-token]), run again every refreshSeconds. Absent: no token.
   */
  prometheusToken: z.object({ command: z.array(z.string().min(1)).min(1), refreshSeconds: z.number().min(1).default(300) }).optional(),
  intervalSeconds: z.number().min(0.5),
  /** Post-promotion soak: analysis keeps running this long after the switch, old colour up. */
  soakSeconds: z.number().min(0),
  /** Range of the rate() windows; default: the interval (each measurement sees fresh data). */
  windowSeconds: z.number().min(1).optional(),
  onInconclusive: z.enum(inconclusiveActions).default('halt'),
  /** Consecutive inconclusive measurements of one metric tolerated before onInconclusive applies. */
  inconclusiveLimit: z.number().int().min(0).default(1),
  queryTimeoutSeconds: z.number().min(0.1).default(5),
  /** Traffic during each canary and soak analysis (release/analysis/load-hook.ts): a command, stopped when the analysis ends. */
  load: z.object({ command: z.array(z.string().min(1)).min(1) }).optional(),
});
export type EnvironmentAnalysis = z.infer<typeof environmentAnalysisSchema>;

export const canarySchema = z.object({
  /** New-version replicas added behind the active Service, beside the live ones. */
  replicas: z.number().int().min(1),
  analysisSeconds: z.number().min(0),
  /**
   * Baseline pods: as many pods of the live release as the canary has, started with it behind the
   * active Service, so the canary is compared with pods of the same age under the same load
   * (analysis.yaml's comparisons). Absent: the canary is judged by the absolute metrics only.
   */
  baseline: z
    .object({
      /** Resolution of the compared series: at least the scrape interval. */
      stepSeconds: z.number().min(1),
      /** Fewer values on either side make the judgement inconclusive (the canary fails). */
      minSamples: z.number().int().min(5).default(20),
    })
    .optional(),
});
export type CanaryConfig = z.infer<typeof canarySchema>;

/** Per service: which metrics apply (default all) and thresholds that differ from the defaults. */
export const serviceAnalysisSchema = z.object({
  metrics: z.array(z.string()).optional(),
  /** Which canary-versus-baseline comparisons apply (default all). */
  comparisons: z.array(z.string()).optional(),
  failWhen: z.record(z.string(), failWhenSchema).default({}),
});
export type ServiceAnalysis = z.infer<typeof serviceAnalysisSchema>;
