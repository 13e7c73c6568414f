// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Blue-green deploy of the services' images (by digest) to a Kubernetes cluster: GKE, or the local kwok cluster.
 */
export interface GkeDeployExecutorOptions {
  /**
   * Environment from tools/deploy/environments.yaml.
   */
  environment: string;
  /**
   * Services to deploy (default: those whose image changed).
   */
  services?: string[];
  /**
   * Deploy every service, changed or not.
   */
  all?: boolean;
  /**
   * Succeed without touching the cluster when no service has an image record (CI after a merge that changed no image); otherwise that is an error.
   */
  allowNothingToDeploy?: boolean;
  /**
   * kubeconfig context (default: $DEPLOY_CONTEXT, else the environment's).
   */
  context?: string;
  /**
   * Build once, promote by digest: deploy exactly the image each service runs live in this environment (staging), read from its records in the cluster through this deploy's context, instead of dist/<project>/image.json. Every service must be live there by digest and promoted after its analysis; otherwise nothing is deployed and every reason is named.
   */
  promoteFrom?: string;
  configDir?: string;
  /**
   * Print the plan and manifests; touch nothing.
   */
  dryRun?: boolean;
  scaleDownDelaySeconds?: number;
  /**
   * The old colour stays up as a hot standby for the environment's scaleDownDelaySeconds after the promotion. A deploy waits for a window this short and scales it down itself; a longer one (production's 15 minutes) is left standing and scaled down by nx run deploy:reconcile once it has passed.
   */
  waitForStandbySeconds?: number;
  rolloutTimeoutSeconds?: number;
  /**
   * Deploy without the canary and soak analysis (the summary says so).
   */
  skipAnalysis?: boolean;
  /**
   * Override the environment's soak time.
   */
  soakSeconds?: number;
  /**
   * Override the analysis interval.
   */
  analysisIntervalSeconds?: number;
  /**
   * Override the canary's analysis time.
   */
  canaryAnalysisSeconds?: number;
  /**
   * Prometheus base URL (default: $PROMETHEUS_URL, else the environment's).
   */
  prometheusUrl?: string;
  /**
   * After a service's release is live (and judged), run its contract migrations (held back before the switch) that neither the live release nor its standby, the rollback target, lacks: a release whose files carry one needs nothing it removes. Refused otherwise, naming the release that may still read the old shape (the deploy then fails; the release stays live). Once one ran, no rollback goes to a release without it.
   */
  contract?: boolean;
  /**
   * Deploy a release (pod template) that analysis or a rollback took off traffic before; without it such a deploy is refused.
   */
  retryAborted?: boolean;
  /**
   * Unreachable Prometheus or no data: halt (default), rollback or continue.
   */
  onInconclusive?: 'halt' | 'rollback' | 'continue';
}
