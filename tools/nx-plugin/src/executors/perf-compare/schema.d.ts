// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Performance regression check, side by side: the candidate release and the live one measured in the same run, on the same machine, in interleaved rounds; a regression when the candidate's latencies are larger with significance (Mann-Whitney) and by more than the tolerance at the median.
 */
export interface PerfCompareExecutorOptions {
  /**
   * The live release's base URL (default: $PERF_BASELINE_URL).
   */
  baselineUrl?: string;
  /**
   * The candidate's base URL (default: $PERF_CANDIDATE_URL).
   */
  candidateUrl?: string;
  /**
   * The project's load configuration, relative to its root: its first endpoint is measured.
   */
  config?: string;
  /**
   * Interleaved rounds; each measures both sides, in alternating order.
   */
  rounds?: number;
  requestsPerRound?: number;
  concurrency?: number;
  /**
   * Significance level of the one-sided Mann-Whitney test.
   */
  alpha?: number;
  /**
   * A slowdown at the median up to this fraction is not a regression.
   */
  tolerance?: number;
  /**
   * Where <project>.json is written (workspace-relative).
   */
  reportDir?: string;
}
