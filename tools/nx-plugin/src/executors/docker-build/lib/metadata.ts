/**
 * Image tags and OCI labels from one metadata step, the way docker/metadata-action
 * derives them: full and short git SHA, the branch or pull-request ref, the version.
 */
export interface SourceInfo {
  /** Full 40-hex commit SHA of the checkout: the image's tags. */
  sha: string;
  /**
   * The newest commit that changed the image's sources (its project, the projects it depends on,
   * the base images, the root files): its revision label. A commit that changes none of them
   * builds the same image, with the same digest (source-info.ts).
   */
  revision: string;
  /** Branch name, when building a branch. */
  branch?: string;
  /** Pull-request number, when building a pull request. */
  pullRequest?: number;
  /** Repository URL for org.opencontainers.image.source. */
  source: string;
  /** ISO-8601 time of `revision` (or SOURCE_DATE_EPOCH): the created label. */
  created: string;
}

export interface ImageMetadata {
  /** Repository without tag, e.g. 127.0.0.1:5000/trading/agents. */
  repository: string;
  tags: string[];
  labels: Record<string, string>;
}

/** A Docker tag: [A-Za-z0-9_.-], at most 128 characters, not starting with '.' or '-'. */
export function sanitizeTag(raw: string): string {
  const cleaned = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
  return cleaned.replace(/[.-]+$/, '') || 'untagged';
}

export function imageRepository(image: string, registry?: string): string {
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(image)) {
    throw new Error(`image name "${image}" is not a valid repository name (lowercase letters, digits, ._- and /)`);
  }
  return registry ? `${registry.replace(/\/+$/, '')}/${image}` : image;
}

export function imageMetadata(args: { image: string; registry?: string; version: string; source: SourceInfo; extraTags?: string[] }): ImageMetadata {
  const { source } = args;
  for (const sha of [source.sha, source.revision]) if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`"${sha}" is not a full git commit SHA`);
  const repository = imageRepository(args.image, args.registry);
  const ref = source.pullRequest !== undefined ? `pr-${source.pullRequest}` : source.branch ? sanitizeTag(source.branch) : undefined;
  const tags = [source.sha, `sha-${source.sha.slice(0, 7)}`, ...(ref ? [ref] : []), sanitizeTag(args.version), ...(args.extraTags ?? []).map(sanitizeTag)];
  return {
    repository,
    tags: [...new Set(tags)],
    labels: {
      'org.opencontainers.image.title': args.image.split('/').pop() as string,
      'org.opencontainers.image.revision': source.revision,
      'org.opencontainers.image.source': source.source,
      'org.opencontainers.image.version': args.version,
      'org.opencontainers.image.created': source.created,
    },
  };
}
