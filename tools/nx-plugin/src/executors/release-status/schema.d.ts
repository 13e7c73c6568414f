// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Per service, what the cluster says: live colour and release, the persisted phase, ready endpoints, both colours, a canary, the last good release and what was taken off traffic. Reads only.
 */
export interface ReleaseStatusExecutorOptions {
  /**
   * Environment from tools/deploy/environments.yaml.
   */
  environment: string;
  /**
   * Services to report (default: every configured service).
   */
  services?: string[];
  /**
   * kubeconfig context (default: $DEPLOY_CONTEXT, else the environment's).
   */
  context?: string;
  configDir?: string;
  /**
   * Also write the status and the delivery metrics as Prometheus metrics (text format) to this file, replaced atomically: where node_exporter's textfile collector reads them (a *.prom file in its directory).
   */
  metricsFile?: string;
  /**
   * Also write the status as JSON (what --json prints, each service with the `target` it was read from: context and namespace) to this file, replaced atomically: for a later step (scripts/incidents.mjs, which links its issues in that namespace) to read without parsing Nx's output.
   */
  jsonFile?: string;
  /**
   * Print the status as one line of JSON (a list, one object per service) instead of the table.
   */
  json?: boolean;
}
