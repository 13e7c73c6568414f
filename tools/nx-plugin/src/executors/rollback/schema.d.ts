// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Switch traffic back to each service's previous good release (from the release history in the cluster), scaling its colour up first when needed; prints the recovery time.
 */
export interface RollbackExecutorOptions {
  environment: string;
  services?: string[];
  context?: string;
  /**
   * Roll back every configured service. Without it (and without --services or an alert) only services whose live release is recent, still being judged or failing are rolled back.
   */
  all?: boolean;
  /**
   * A live release younger than this counts as recent for a rollback without --services.
   */
  recentMinutes?: number;
  configDir?: string;
  reason?: string;
  timeoutSeconds?: number;
  /**
   * Also take the schema back to the restored release's, after traffic is back on it: a Job runs the down sections of the live release's expand migrations (from its deploy's ConfigMap), newest first, after a base backup. When one has no down section (irreversible), a point-in-time recovery of the StatefulSet database to the mark the live release's deploy wrote before migrating instead: every service keeping its state there is down meanwhile, and what they wrote after the mark is the known loss (kept aside on the database's volume). Refused before anything moves when neither can (a contract migration in between, an unknown schema version, no mark, another service migrated after the mark or holds its deploy lease): docs/rollback.md, section 4.
   */
  database?: boolean;
  /**
   * Roll back only while this release (trading.dev/release hash, or an image digest) is live; otherwise say what is live and change nothing.
   */
  from?: string;
  /**
   * Path of an Alertmanager webhook payload (JSON): roll back the services its firing alerts name, in the environment they name. Every firing alert must carry the release it fired for (label release).
   */
  alert?: string;
  /**
   * With --alert: the environment whose credentials this run holds (the rollback workflow's dispatch names it). An alert whose labels name another environment is refused, and nothing is rolled back.
   */
  alertEnvironment?: string;
  /**
   * An alert does not roll back a release that a rollback restored less than this long ago: a second alert so soon points at a cause outside the release (a node, a dependency), and walking further back would not help. A person decides (deploy:rollback --services=...).
   */
  alertCooldownMinutes?: number;
}
