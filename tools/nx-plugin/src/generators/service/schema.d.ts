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
   * Registry path of the team's base images, named python:3.11, runtime:bookworm and node:24 under it (this workspace sets 127.0.0.1:5000/trading-base in nx.json's generator defaults). Empty: the public images the Dockerfile names by default (python:3.11-slim-bookworm, gcr.io/distroless/cc-debian12:nonroot, node:24-bookworm-slim).
   */
  baseImages?: string;
  /**
   * Do not lock and install the new project's dependencies (uv lock, Cargo.lock) after writing files.
   */
  skipInstall?: boolean;
}
