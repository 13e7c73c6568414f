// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Attach to the image a project's record names (dist/<project>/image.json, by digest) its SBOM and its build provenance, unless good ones are attached already, and record them. What docker-build -c push does after its push, for an image pushed without it.
 */
export interface AttestExecutorOptions {
  /**
   * Image record path. Default: dist/<project>/image.json.
   */
  outputFile?: string;
  /**
   * The Dockerfile the provenance names, from the workspace root. Default: <projectRoot>/Dockerfile.
   */
  dockerfile?: string;
  /**
   * The build context the provenance names, from the workspace root.
   */
  context?: string;
}
