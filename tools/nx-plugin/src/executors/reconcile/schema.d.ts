// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * For each service whose deploy run is gone (its lease expired or released): remove a canary or baseline it left, take a release still Soaking off traffic (back to the judged-good colour), and scale a promoted release's previous colour down once its standby window has passed. A service a run still holds is left alone. Safe to run at any time; the reconcile workflow runs it on a schedule.
 */
export interface ReconcileExecutorOptions {
  /**
   * Environment from tools/deploy/environments.yaml.
   */
  environment: string;
  /**
   * Services to reconcile (default: every configured service).
   */
  services?: string[];
  /**
   * kubeconfig context (default: $DEPLOY_CONTEXT, else the environment's).
   */
  context?: string;
  configDir?: string;
  /**
   * Say what would be done, do nothing.
   */
  dryRun?: boolean;
}
