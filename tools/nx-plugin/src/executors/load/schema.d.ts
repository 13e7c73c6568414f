// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Open-loop load test of a running service with oha (constant arrival rate, coordinated omission corrected) from the project's load.yaml: fails on p95 at or over its bar or any error, and marks the run invalid when the rate achieved misses the target by more than 1%.
 */
export interface LoadExecutorOptions {
  /**
   * The load configuration, relative to the project root.
   */
  config?: string;
  /**
   * The service's base URL, e.g. http://127.0.0.1:8000, or with --namespace as the cluster resolves it, e.g. http://execution-engine (default: $LOAD_BASE_URL).
   */
  baseUrl?: string;
  /**
   * Run oha as a Kubernetes Job in this namespace (the environment judged) instead of on this machine: the Service is reached from inside the cluster, so a hosted runner needs no route to it. Its report is read back from the Job's log.
   */
  namespace?: string;
  /**
   * With --namespace: the kubeconfig context (default: $DEPLOY_CONTEXT).
   */
  context?: string;
  /**
   * With --namespace: the load image by digest (default: the record dist/load/image.json that `nx run load:docker-build -c push` writes).
   */
  image?: string;
  /**
   * Seconds per endpoint, instead of the configuration's.
   */
  durationSeconds?: number;
  /**
   * The oha binary (scripts/install-ci-tools.sh load installs it).
   */
  oha?: string;
  /**
   * Where <project>.json, the measured figures and verdict, is written (workspace-relative).
   */
  reportDir?: string;
}
