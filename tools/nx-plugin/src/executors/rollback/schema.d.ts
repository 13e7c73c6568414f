export interface RollbackExecutorOptions {
  environment: string;
  /** Services to roll back; default: every configured service. */
  services?: string[];
  context?: string;
  configDir?: string;
  /** Why: recorded in the release history (an alert name, an incident). */
  reason?: string;
  /** Give up (traffic unchanged) if the previous colour is not ready within this. */
  timeoutSeconds?: number;
  /** Alertmanager webhook payload (JSON file): the firing alerts decide environment, services and reason. */
  alert?: string;
}
