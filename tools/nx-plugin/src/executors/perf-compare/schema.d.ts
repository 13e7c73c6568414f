export interface PerfCompareExecutorOptions {
  baselineUrl?: string;
  candidateUrl?: string;
  config?: string;
  rounds?: number;
  requestsPerRound?: number;
  concurrency?: number;
  alpha?: number;
  tolerance?: number;
  reportDir?: string;
}
