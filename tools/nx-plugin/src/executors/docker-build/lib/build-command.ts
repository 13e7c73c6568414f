import type { ImageMetadata } from './metadata';

export type Builder = 'buildkit' | 'classic';

export interface BuildRequest {
  engine: 'docker' | 'podman';
  builder: Builder;
  dockerfile: string;
  context: string;
  metadata: ImageMetadata;
  buildArgs: Record<string, string>;
  network?: string;
  target?: string;
  cacheFrom: string[];
  cacheTo: string[];
  /** Where BuildKit writes the build result (digest), when used. */
  metadataFile?: string;
  /** Label keys the Dockerfile's final stage sets itself (from its build arguments). */
  labelsInDockerfile?: string[];
}

export interface BuildCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Options the chosen builder cannot honour, to report rather than drop silently. */
  ignored: string[];
}

/**
 * The engine command for one build. The OCI label values go in as build arguments, which a
 * Dockerfile turns into one LABEL step at its end, and as --label for every key the Dockerfile
 * does not set itself, so they hold for any Dockerfile. Not both: the classic builder makes each
 * --label a step of its own, a full copy of the image's file system on the vfs storage driver.
 */
export function buildCommand(request: BuildRequest): BuildCommand {
  const { metadata } = request;
  const args: string[] = [];
  const ignored: string[] = [];
  const env: Record<string, string> = {};
  if (request.engine === 'docker' && request.builder === 'buildkit') {
    // Reproducible: every time in the image is 0 (1970, as ko and Bazel do), the files' times in
    // every layer included, so a rebuild of one commit from another checkout (other mtimes, another
    // hour, an empty builder cache) gives the same image and digest. BuildKit only clamps times
    // newer than SOURCE_DATE_EPOCH, so the commit's time would leave older files (an Nx cache
    // replay keeps a build output's first mtime) as they are. When the image was made is in its
    // org.opencontainers.image.created label (the commit's time). `type=docker` is what --load is.
    args.push('buildx', 'build', '--output', 'type=docker,rewrite-timestamp=true', '--build-arg', 'SOURCE_DATE_EPOCH=0');
    if (request.metadataFile) args.push('--metadata-file', request.metadataFile);
    for (const from of request.cacheFrom) args.push('--cache-from', from);
    for (const to of request.cacheTo) args.push('--cache-to', to);
  } else {
    args.push('build');
    if (request.engine === 'docker') env.DOCKER_BUILDKIT = '0';
    if (request.engine === 'podman') args.push('--format', 'docker');
    if (request.cacheFrom.length) ignored.push('cacheFrom (BuildKit only)');
    if (request.cacheTo.length) ignored.push('cacheTo (BuildKit only)');
  }
  args.push('--file', request.dockerfile);
  for (const tag of metadata.tags) args.push('--tag', `${metadata.repository}:${tag}`);
  const labelArgs: Record<string, string> = {
    VERSION: metadata.labels['org.opencontainers.image.version'],
    REVISION: metadata.labels['org.opencontainers.image.revision'],
    SOURCE: metadata.labels['org.opencontainers.image.source'],
    CREATED: metadata.labels['org.opencontainers.image.created'],
  };
  for (const [key, value] of Object.entries({ ...labelArgs, ...request.buildArgs })) args.push('--build-arg', `${key}=${value}`);
  const inDockerfile = new Set(request.labelsInDockerfile ?? []);
  for (const [key, value] of Object.entries(metadata.labels)) if (!inDockerfile.has(key)) args.push('--label', `${key}=${value}`);
  if (request.network) args.push('--network', request.network);
  // BuildKit grants a host-network build only when asked for by name (and the daemon allows it).
  if (request.network === 'host' && request.builder === 'buildkit' && request.engine === 'docker') args.push('--allow', 'network.host');
  if (request.target) args.push('--target', request.target);
  args.push(request.context);
  return { command: request.engine, args, env, ignored };
}

/** A shell-quoted rendering of a command, for --dry-run and logs. */
export function renderCommand(command: string, args: string[], env: Record<string, string> = {}): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const prefix = Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)} `)
    .join('');
  return `${prefix}${[command, ...args].map(quote).join(' ')}`;
}

/** The digest a push reported: the last `digest: sha256:<hex>` in its output. */
export function pushedDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
  return matches.at(-1)?.[1];
}
