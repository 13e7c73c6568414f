// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Point-in-time recovery of the environment's StatefulSet database: its WAL archived, the server stopped, the newest base backup before --to put in place (the current data directory is moved aside, never deleted), the archived WAL replayed to --to, then the services' pods replaced so they start on the restored state. An outage of the services while it runs; holds their deploy leases. Everything written after --to is not in the restored database (it stays in the moved-aside directory).
 */
export interface DatabaseRestoreExecutorOptions {
  /**
   * Environment from tools/deploy/environments.yaml.
   */
  environment: string;
  /**
   * The moment to go back to: an ISO 8601 time with its zone (2026-12-05T07:30:00Z), in the past.
   */
  to: string;
  /**
   * kubeconfig context (default: $DEPLOY_CONTEXT, else the environment's).
   */
  context?: string;
  configDir?: string;
}
