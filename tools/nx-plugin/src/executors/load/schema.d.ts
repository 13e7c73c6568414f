export interface LoadExecutorOptions {
  config?: string;
  baseUrl?: string;
  durationSeconds?: number;
  oha?: string;
  reportDir?: string;
}
