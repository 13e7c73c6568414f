// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Build a project's container image with tags and OCI labels from one metadata step; optionally push it and record its digest in dist/<project>/image.json.
 */
export interface DockerBuildExecutorOptions {
  /**
   * Dockerfile path from the workspace root. Default: <projectRoot>/Dockerfile.
   */
  dockerfile?: string;
  /**
   * Build context from the workspace root.
   */
  context?: string;
  /**
   * Repository name without registry. Default: the project name.
   */
  image?: string;
  /**
   * Registry host[/namespace] to tag for and push to. Default: $DOCKER_REGISTRY.
   */
  registry?: string;
  /**
   * Push every tag after building. Default: $DOCKER_PUSH === 'true'.
   */
  push?: boolean;
  /**
   * After pushing, attach to the pushed digest in the registry its SBOM (syft, SPDX 2.3) and its build provenance (an in-toto statement, SLSA provenance v1: the commit, the Dockerfile, the builder), with oras; both are recorded in the image record. Good ones already attached to the same digest are kept. Needs push; `deploy --promoteFrom` verifies them before production.
   */
  attest?: boolean;
  /**
   * Build arguments.
   */
  buildArgs?: {
    [k: string]: string;
  };
  /**
   * The image every FROM of the Dockerfile's public base is built from instead, e.g. 127.0.0.1:5000/trading-base/runtime:bookworm (tools/docker/bases.sh builds them from Debian here). The Dockerfile keeps its pinned `FROM <image>:<tag>@sha256:…`, which Dependabot updates; a Dockerfile with two public bases, or a base named by a build argument, is refused.
   */
  baseImage?: string;
  /**
   * Extra tags beside the metadata ones.
   */
  tags?: string[];
  engine?: 'docker' | 'podman';
  /**
   * BuildKit (docker buildx) when available, else the classic builder.
   */
  builder?: 'auto' | 'buildkit' | 'classic';
  /**
   * BuildKit --cache-from sources.
   */
  cacheFrom?: string[];
  /**
   * BuildKit --cache-to destinations.
   */
  cacheTo?: string[];
  /**
   * BuildKit: read and write every layer's cache at <registry>/<image>:buildcache (mode=max), so a runner with an empty BuildKit cache (CI) rebuilds only what changed. Needs a registry; ignored, with a note, by the classic builder.
   */
  registryCache?: boolean;
  /**
   * Network for RUN steps, e.g. host.
   */
  network?: string;
  /**
   * Build stage to stop at.
   */
  target?: string;
  /**
   * Image record path. Default: dist/<project>/image.json.
   */
  outputFile?: string;
  /**
   * Print the engine command with every tag and label; build nothing.
   */
  dryRun?: boolean;
}
