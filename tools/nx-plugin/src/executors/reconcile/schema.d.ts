export interface ReconcileExecutorOptions {
  environment: string;
  /** Services to reconcile; default: every configured service. */
  services?: string[];
  context?: string;
  configDir?: string;
  /** Say what would be done, do nothing. */
  dryRun?: boolean;
}
