// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * An operator's decision on releases still being judged (phase Soaking or Halted): abort (switch back to the previous colour now) or promote (accept on purpose). Recorded with the actor and reason; a no-op for a service with nothing in progress.
 */
export interface ReleaseDecisionExecutorOptions {
  decision: 'abort' | 'promote';
  /**
   * Environment from tools/deploy/environments.yaml.
   */
  environment: string;
  /**
   * Services to decide on; required unless --all.
   */
  services?: string[];
  /**
   * Every configured service (those with nothing in progress are left alone).
   */
  all?: boolean;
  /**
   * Why: recorded on the active Service and in the release history.
   */
  reason?: string;
  /**
   * kubeconfig context (default: $DEPLOY_CONTEXT, else the environment's).
   */
  context?: string;
  configDir?: string;
}
