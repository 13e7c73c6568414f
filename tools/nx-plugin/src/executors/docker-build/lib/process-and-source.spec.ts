import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliEngine } from './engine';
import { runProcess, tail } from './process';
import { lastChange, projectVersion, repositoryUrl, sourceInfo } from './source-info';

describe('runProcess', () => {
  it('streams lines from stdout and stderr and keeps the output', async () => {
    const lines: string[] = [];
    const result = await runProcess('sh', ['-c', 'echo one; echo two >&2; printf three; exit 3'], { cwd: tmpdir(), onLine: (l) => lines.push(l) });
    expect(result.code).toBe(3);
    expect(lines.sort()).toEqual(['one', 'three', 'two']);
    expect(result.output).toContain('three');
  });

  it('reports a missing program as exit 127', async () => {
    const result = await runProcess('no-such-program-xyz', [], { cwd: tmpdir() });
    expect(result.code).toBe(127);
    expect(result.output).toMatch(/no-such-program-xyz/);
  });

  it('keeps the last lines of a log', () => {
    expect(tail('a\nb\nc\n', 2)).toBe('b\nc');
  });
});

describe('CliEngine', () => {
  it('says how to install a missing engine', async () => {
    await expect(new CliEngine('podman', tmpdir()).ping()).rejects.toThrow(/podman is not installed[\s\S]*tools\/docker\/install.sh/);
  });

  it('says how to start an unreachable daemon', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await expect(new CliEngine('docker', tmpdir()).ping()).rejects.toThrow(/daemon is not reachable[\s\S]*docker-env:up/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('picks the classic builder without buildx, and refuses BuildKit then', async () => {
    const engine = new CliEngine('docker', tmpdir());
    const hasBuildx = (await runProcess('docker', ['buildx', 'version'], { cwd: tmpdir() })).code === 0;
    expect(await engine.pickBuilder('auto')).toBe(hasBuildx ? 'buildkit' : 'classic');
    expect(await engine.pickBuilder('classic')).toBe('classic');
    if (!hasBuildx) await expect(engine.pickBuilder('buildkit')).rejects.toThrow(/needs the docker buildx plugin/);
    expect(await new CliEngine('podman', tmpdir()).pickBuilder('auto')).toBe('classic');
  });
});

describe('sourceInfo and projectVersion', () => {
  const repo = () => {
    const dir = mkdtempSync(join(tmpdir(), 'src-info-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_COMMITTER_DATE: '2026-11-30T12:00:00Z' } }).trim();
    git('init', '-q', '-b', 'feature/x');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x');
    return { dir, sha: git('rev-parse', 'HEAD') };
  };

  it("reads commit and branch from git outside Actions; created is the commit's time, so a rebuild keeps its labels", () => {
    const { dir, sha } = repo();
    const info = sourceInfo(dir, {}, new Date('2026-01-01T00:00:00Z'));
    expect(info).toEqual({ sha, revision: sha, branch: 'feature/x', source: '', created: '2026-11-30T12:00:00.000Z' });
    expect(sourceInfo(dir, {}, new Date('2027-01-01T00:00:00Z')).created).toBe(info.created);
  });

  it("takes the revision and its time from the newest commit that changed the image's sources: a later commit elsewhere keeps the labels", () => {
    const { dir } = repo();
    const commit = (file: string, date: string) => {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), `${date}\n`);
      const env = { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date };
      execFileSync('git', ['add', file], { cwd: dir, env });
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', file], { cwd: dir, env });
      return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    };
    const paths = ['apps/engine', 'libs/types', ':(glob)*', ':(glob,exclude)*.md'];
    const engine = commit('apps/engine/src/main.rs', '2026-12-01T10:00:00Z');
    const docs = commit('docs/guide.md', '2026-12-02T10:00:00Z');
    expect(sourceInfo(dir, {}, new Date(), paths)).toMatchObject({ sha: docs, revision: engine, created: '2026-12-01T10:00:00.000Z' });
    expect(sourceInfo(dir, {}, new Date()).revision).toBe(docs); // no paths: the checkout's commit, as before
    const lib = commit('libs/types/src/lib.rs', '2026-12-03T10:00:00Z');
    commit('apps/dashboard/page.tsx', '2026-12-04T10:00:00Z');
    expect(sourceInfo(dir, {}, new Date(), paths).revision).toBe(lib);
    const root = commit('Cargo.lock', '2026-12-05T10:00:00Z');
    expect(sourceInfo(dir, {}, new Date(), paths).revision).toBe(root);
    const readme = commit('libs/types/README.md', '2026-12-05T11:00:00Z'); // a project's Markdown is its source like any file
    expect(sourceInfo(dir, {}, new Date(), paths).revision).toBe(readme);
    commit('README.md', '2026-12-05T12:00:00Z'); // the root's is in no image
    expect(sourceInfo(dir, {}, new Date(), paths).revision).toBe(readme);
    expect(lastChange(dir, readme, [])).toBeUndefined();
    // Uncommitted changes to its sources: built from no commit of theirs, labelled with the checkout's.
    writeFileSync(join(dir, 'apps/engine/src/main.rs'), 'changed\n');
    expect(sourceInfo(dir, {}, new Date(), paths).revision).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim());
    commit('apps/dashboard/page.tsx', '2026-12-06T10:00:00Z');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(sourceInfo(dir, {}, new Date(), paths).revision).toBe(head);
    expect(lastChange(dir, head, paths)).toBeUndefined();
  });

  it("names the origin as the source when it is a network address; a clone of a local folder gets none, so every clone's images are the same", () => {
    const { dir } = repo();
    const origin = (url: string) => execFileSync('git', ['remote', 'add', 'origin', url], { cwd: dir });
    origin('/work/main');
    expect(repositoryUrl(dir)).toBe('');
    execFileSync('git', ['remote', 'set-url', 'origin', 'https://github.com/acme/trading.git'], { cwd: dir });
    expect(sourceInfo(dir, {}).source).toBe('https://github.com/acme/trading.git');
    execFileSync('git', ['remote', 'set-url', 'origin', 'git@github.com:acme/trading.git'], { cwd: dir });
    expect(repositoryUrl(dir)).toBe('git@github.com:acme/trading.git');
    execFileSync('git', ['remote', 'set-url', 'origin', 'file:///srv/trading'], { cwd: dir });
    expect(repositoryUrl(dir)).toBe('');
  });

  it('takes created from SOURCE_DATE_EPOCH when set, and refuses one that is no number', () => {
    const { dir } = repo();
    expect(sourceInfo(dir, { SOURCE_DATE_EPOCH: '1767225600' }).created).toBe('2026-01-01T00:00:00.000Z');
    expect(() => sourceInfo(dir, { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH=yesterday is not a number/);
  });

  it('reads the pull request, repository and commit from GitHub Actions', () => {
    const { dir, sha } = repo();
    const pr = sourceInfo(dir, {
      GITHUB_REF: 'refs/pull/17/merge',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/trading',
    });
    expect(pr).toMatchObject({ sha, pullRequest: 17, source: 'https://github.com/acme/trading' });
    const push = sourceInfo(dir, { GITHUB_SHA: 'e'.repeat(40), GITHUB_REF_NAME: 'main', GITHUB_EVENT_NAME: 'push' });
    expect(push).toMatchObject({ sha: 'e'.repeat(40), branch: 'main' });
  });

  it('refuses a folder that is not a git checkout', () => {
    expect(() => sourceInfo(mkdtempSync(join(tmpdir(), 'no-git-')), {})).toThrow(/not a git checkout/);
  });

  it('takes the version from package.json, pyproject.toml or Cargo.toml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ver-'));
    expect(projectVersion(dir)).toBe('0.0.0');
    writeFileSync(join(dir, 'Cargo.toml'), '[package]\nversion = "3.0.0"\n');
    expect(projectVersion(dir)).toBe('3.0.0');
    writeFileSync(join(dir, 'pyproject.toml'), '[project]\nversion = "2.0.0"\n');
    expect(projectVersion(dir)).toBe('2.0.0');
    writeFileSync(join(dir, 'package.json'), '{"version":"1.0.0"}');
    expect(projectVersion(dir)).toBe('1.0.0');
  });
});
