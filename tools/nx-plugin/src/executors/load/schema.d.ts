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
   * The service's base URL, e.g. http://127.0.0.1:8000 (default: $LOAD_BASE_URL).
   */
  baseUrl?: string;
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
