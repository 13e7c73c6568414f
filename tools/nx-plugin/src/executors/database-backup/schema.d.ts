// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * A base backup (pg_basebackup) of the environment's StatefulSet database into its object store (the GCS API), beside the archived WAL; the newest backupsKept stay. With the archived WAL, it is what a point-in-time restore starts from. Every deploy that runs migrations takes one first.
 */
export interface DatabaseBackupExecutorOptions {
  /**
   * Environment from tools/deploy/environments.yaml.
   */
  environment: string;
  /**
   * Why, in the backup's name (after its UTC time).
   */
  reason?: string;
  /**
   * kubeconfig context (default: $DEPLOY_CONTEXT, else the environment's).
   */
  context?: string;
  configDir?: string;
}
