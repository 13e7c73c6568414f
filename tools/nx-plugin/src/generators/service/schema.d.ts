// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * A new service with tests, the coverage gate (100% on its finance/ and risk/ code), a hardened Dockerfile, a deploy service file, and health, readiness and metrics endpoints.
 */
export interface ServiceGeneratorSchema {
  /**
   * Project name: lowercase letters, digits and dashes, starting with a letter.
   */
  name: string;
  /**
   * The service's language and toolchain.
   */
  language: 'python' | 'rust' | 'nextjs';
  /**
   * The port the service listens on (PORT).
   */
  port?: number;
  /**
   * One sentence for the README, the package and the image.
   */
  description?: string;
  /**
   * Folder the project goes in.
   */
  directory?: string;
  /**
   * Do not lock and install the new project's dependencies (uv lock, Cargo.lock) after writing files.
   */
  skipInstall?: boolean;
}
