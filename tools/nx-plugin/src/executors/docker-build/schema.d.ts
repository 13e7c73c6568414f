export interface DockerBuildExecutorOptions {
  /** Dockerfile path from the workspace root. Default: <projectRoot>/Dockerfile. */
  dockerfile?: string;
  /** Build context from the workspace root. Default: the workspace root. */
  context?: string;
  /** Repository name without registry. Default: the project name. */
  image?: string;
  /** Registry host[/namespace] to tag for and push to. Default: $DOCKER_REGISTRY. */
  registry?: string;
  /** Push every tag after building. Default: $DOCKER_PUSH === 'true'. */
  push?: boolean;
  buildArgs?: Record<string, string>;
  tags?: string[];
  engine?: 'docker' | 'podman';
  builder?: 'auto' | 'buildkit' | 'classic';
  cacheFrom?: string[];
  cacheTo?: string[];
  /** BuildKit: cache every layer at <registry>/<image>:buildcache (read and write). */
  registryCache?: boolean;
  network?: string;
  target?: string;
  /** Where the image record goes. Default: dist/<project>/image.json. */
  outputFile?: string;
  /** Print the engine command with every tag and label; build nothing. */
  dryRun?: boolean;
}
