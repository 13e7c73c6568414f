export interface RollbackExecutorOptions {
  environment: string;
  /** Services to roll back; default: those whose live release is recent, being judged or failing. */
  services?: string[];
  /** Every configured service. */
  all?: boolean;
  /** A live release younger than this is recent (default 60). */
  recentMinutes?: number;
  context?: string;
  configDir?: string;
  /** Why: recorded in the release history (an alert name, an incident). */
  reason?: string;
  /** Give up (traffic unchanged) if the previous colour is not ready within this. */
  timeoutSeconds?: number;
  /** Roll back only while this release (hash or image digest) is live; otherwise change nothing. */
  from?: string;
  /** Set from an alert payload (not a CLI option): the release each service's alerts name. */
  releases?: Record<string, string>;
  /** Alertmanager webhook payload (JSON file): the firing alerts decide environment, services and reason. */
  alert?: string;
  /** An alert does not roll back a release a rollback restored less than this long ago (default 30). */
  alertCooldownMinutes?: number;
}
