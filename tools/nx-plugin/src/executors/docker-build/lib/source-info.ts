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
 * Commit, ref and repository from GitHub Actions' environment, else from git. `created` is
 * SOURCE_DATE_EPOCH when set, else the commit's time (reproducible-builds.org): two builds of one
 * commit carry the same labels, so an unchanged image keeps its digest, and what depends on it
 * (a cached workspace test hashes the digest) is replayed. Without a commit time, now.
 */
export function sourceInfo(root: string, env: NodeJS.ProcessEnv = process.env, now = new Date()): SourceInfo {
  const sha = env.GITHUB_SHA && env.GITHUB_EVENT_NAME !== 'pull_request' ? env.GITHUB_SHA : git(root, 'rev-parse', 'HEAD');
  if (!sha) throw new Error(`${root} is not a git checkout with a commit: images are tagged by commit`);
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || git(root, 'rev-parse', '--abbrev-ref', 'HEAD');
  const source = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : repositoryUrl(root);
  return {
    sha,
    ...(pr ? { pullRequest: Number(pr) } : branch && branch !== 'HEAD' ? { branch } : {}),
    source,
    created: createdAt(root, sha, env, now).toISOString(),
  };
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
