import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { SourceInfo } from './metadata';

const git = (root: string, ...args: string[]): string | undefined => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

/**
 * Commit, ref and repository from GitHub Actions' environment, else from git. The revision is the
 * newest commit that changed one of `paths` (the image's sources, image-sources.ts), the checkout's
 * commit when they have uncommitted changes or no paths are given; `created` is SOURCE_DATE_EPOCH
 * when set, else the revision's time (reproducible-builds.org). So two builds of one commit carry
 * the same labels, and so do two commits of which the later changed none of the image's sources
 * (labels naming the checkout's commit gave every image a new digest at every commit, and every
 * cached workspace test of an image, which hashes its digest, ran again after a docs change).
 * Without a commit time, now.
 */
export function sourceInfo(root: string, env: NodeJS.ProcessEnv = process.env, now = new Date(), paths?: readonly string[]): SourceInfo {
  const sha = env.GITHUB_SHA && env.GITHUB_EVENT_NAME !== 'pull_request' ? env.GITHUB_SHA : git(root, 'rev-parse', 'HEAD');
  if (!sha) throw new Error(`${root} is not a git checkout with a commit: images are tagged by commit`);
  const revision = (paths && lastChange(root, sha, paths)) || sha;
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || git(root, 'rev-parse', '--abbrev-ref', 'HEAD');
  const source = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : repositoryUrl(root);
  return {
    sha,
    ...(pr ? { pullRequest: Number(pr) } : branch && branch !== 'HEAD' ? { branch } : {}),
    source,
    revision,
    created: createdAt(root, revision, env, now).toISOString(),
  };
}

/**
 * The newest commit at or before `sha` that changed any of `paths` (git pathspecs from the
 * workspace root), or undefined when they have uncommitted changes (the image is then built from
 * no commit of theirs) or git cannot say (a shallow clone answers its one commit: the checkout's).
 */
export function lastChange(root: string, sha: string, paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  const dirty = git(root, 'status', '--porcelain', '--untracked-files=no', '--', ...paths);
  if (dirty === undefined || dirty !== '') return undefined;
  const last = git(root, 'log', '-1', '--format=%H', sha, '--', ...paths);
  return last && /^[0-9a-f]{40}$/.test(last) ? last : undefined;
}

/**
 * Where the source can be fetched from, outside Actions: the origin remote when it is a network
 * address. A clone of a folder on this machine (or none) has no such address, and naming the
 * folder would make each clone's images differ (full15: the CI's clone and this machine's rebuilt
 * the same commit to other digests, and every test of an image ran again): empty, the same for all.
 */
export function repositoryUrl(root: string): string {
  const origin = git(root, 'config', '--get', 'remote.origin.url') ?? '';
  return /^(https?|ssh|git):\/\/|^[\w.-]+@[\w.-]+:/.test(origin) ? origin : '';
}

function createdAt(root: string, sha: string, env: NodeJS.ProcessEnv, now: Date): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) throw new Error(`SOURCE_DATE_EPOCH=${epoch} is not a number of seconds since 1970`);
    return new Date(Number(epoch) * 1000);
  }
  const committed = git(root, 'show', '-s', '--format=%ct', sha);
  return committed && /^\d+$/.test(committed) ? new Date(Number(committed) * 1000) : now;
}

/** The project's own version: package.json, pyproject.toml or Cargo.toml, in that order. */
export function projectVersion(projectDir: string): string {
  const pkg = join(projectDir, 'package.json');
  if (existsSync(pkg)) {
    const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version;
    if (version) return version;
  }
  for (const [file, table] of [
    ['pyproject.toml', 'project'],
    ['Cargo.toml', 'package'],
  ] as const) {
    const path = join(projectDir, file);
    if (existsSync(path)) {
      const toml = parseToml(readFileSync(path, 'utf8')) as Record<string, { version?: unknown } | undefined>;
      const version = toml[table]?.version;
      if (typeof version === 'string') return version;
    }
  }
  return '0.0.0';
}
