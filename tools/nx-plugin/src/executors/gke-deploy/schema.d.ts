export interface GkeDeployExecutorOptions {
  /** Environment name from tools/deploy/environments.yaml. */
  environment: string;
  /** Services to deploy; default: every service whose image record differs from what is live. */
  services?: string[];
  /** Deploy every configured service, changed or not. */
  all?: boolean;
  /** Succeed without touching the cluster when no service has an image record (CI after a merge that changed no image). */
  allowNothingToDeploy?: boolean;
  /** kubeconfig context; default: $DEPLOY_CONTEXT, else the environment's context. */
  context?: string;
  /** Folder with environments.yaml and services/*.yaml. */
  configDir?: string;
  /** Print the plan and the manifests; touch nothing. */
  dryRun?: boolean;
  /** Override the environment's delay before the old colour is scaled down. */
  scaleDownDelaySeconds?: number;
  /** A standby window up to this long is waited out by the deploy; a longer one is left to deploy:reconcile (default 120). */
  waitForStandbySeconds?: number;
  /** Override the environment's rollout timeout. */
  rolloutTimeoutSeconds?: number;
  /** Deploy without the canary and soak analysis (say why in the run; the summary shows it). */
  skipAnalysis?: boolean;
  /** Override the environment's soak time (seconds of analysis after the switch). */
  soakSeconds?: number;
  /** Override the analysis interval. */
  analysisIntervalSeconds?: number;
  /** Override the canary's analysis time. */
  canaryAnalysisSeconds?: number;
  /** Prometheus base URL; default: $PROMETHEUS_URL, else the environment's. */
  prometheusUrl?: string;
  /** Deploy a release that analysis or a rollback took off traffic before (refused otherwise). */
  retryAborted?: boolean;
  /** What an unreachable Prometheus or a query without data does: halt (default), rollback or continue. */
  onInconclusive?: 'halt' | 'rollback' | 'continue';
}
