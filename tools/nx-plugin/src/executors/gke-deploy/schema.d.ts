export interface GkeDeployExecutorOptions {
  /** Environment name from tools/deploy/environments.yaml. */
  environment: string;
  /** Services to deploy; default: every service whose image record differs from what is live. */
  services?: string[];
  /** Deploy every configured service, changed or not. */
  all?: boolean;
  /** kubeconfig context; default: $DEPLOY_CONTEXT, else the environment's context. */
  context?: string;
  /** Folder with environments.yaml and services/*.yaml. */
  configDir?: string;
  /** Print the plan and the manifests; touch nothing. */
  dryRun?: boolean;
  /** Override the environment's delay before the old colour is scaled down. */
  scaleDownDelaySeconds?: number;
  /** Override the environment's rollout timeout. */
  rolloutTimeoutSeconds?: number;
}
