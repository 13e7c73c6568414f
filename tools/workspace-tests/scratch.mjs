// A scratch copy of the workspace with its own git history, for tests that must change files.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function runEnv(cwd, env) {
  // Nx 23 shares its cache between checkouts of one workspace (~/.nx/<id>); a scratch copy
  // keeps its own so that what it measures is its own runs.
  const isolated =
    cwd === repoRoot
      ? {}
      : {
          NX_CACHE_DIRECTORY: join(cwd, '.nx/cache'),
          NX_WORKSPACE_DATA_DIRECTORY: join(cwd, '.nx/workspace-data'),
        };
  const base = { ...process.env };
  delete base.NX_SKIP_NX_CACHE; // these tests measure caching: an inherited skip would void them
  return { ...base, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NO_COLOR: '1', ...isolated, ...env };
}

export function run(cwd, cmd, args, env = {}) {
  const out = execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: runEnv(cwd, env),
    maxBuffer: 64 * 1024 * 1024,
  });
  return stripVTControlCharacters(out);
}

/**
 * Copy tracked and untracked-but-not-ignored files, link node_modules, commit as main.
 * `hardLinkNodeModules` gives the copy a real node_modules tree (hard links, no data copied):
 * Next.js' Turbopack refuses a node_modules symlink that leaves the workspace root.
 */
export function scratchCopy({ hardLinkNodeModules = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nx-scratch-'));
  const files = run(repoRoot, 'git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  for (const file of files) {
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    try {
      cpSync(join(repoRoot, file), target);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree but still tracked
    }
  }
  // The load image's record (an ignored build output): the environments' analysis load runs it in
  // the cluster (tools/load/in-cluster.mjs reads dist/load/image.json), from the copy as from here.
  const loadImage = join(repoRoot, 'dist/load/image.json');
  if (existsSync(loadImage)) cpSync(loadImage, join(dir, 'dist/load/image.json'));
  if (hardLinkNodeModules) {
    execFileSync('cp', ['-al', join(repoRoot, 'node_modules'), join(dir, 'node_modules')]);
  } else {
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  }
  run(dir, 'git', ['init', '-q', '-b', 'main']);
  run(dir, 'git', ['add', '-A']);
  run(dir, 'git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qm', 'base']);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Like run, but returns { code, out } with stdout and stderr interleaved, instead of throwing. */
export function tryRun(cwd, cmd, args, env = {}) {
  const result = spawnSync('bash', ['-c', 'exec "$@" 2>&1', 'tryRun', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    env: runEnv(cwd, env),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, out: stripVTControlCharacters(result.stdout) };
}

/**
 * Starts a command in the background, in its own process group (kill -pid stops it whole), with
 * the environment run() uses: its output is collected, its exit code awaited, and waitFor(pattern)
 * resolves once the output matches — for tests that act while a deploy runs.
 */
export function start(cwd, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: runEnv(cwd, env) });
  // Whole lines only, per stream: a pipe hands a line over in pieces, and the other stream's output
  // could land between them (and a character split between pieces must stay one: utf8 decoding).
  let out = '';
  const partial = { stdout: '', stderr: '' };
  for (const name of ['stdout', 'stderr']) {
    child[name].setEncoding('utf8');
    child[name].on('data', (text) => {
      const pieces = (partial[name] + text).split('\n');
      partial[name] = pieces.pop();
      if (pieces.length) out += `${pieces.join('\n')}\n`;
    });
  }
  // Exited: once the output is read to its end, or 2 s after the exit (a background process it
  // started may hold the pipes open).
  const closed = new Promise((resolve) => child.on('close', resolve));
  const exited = new Promise((resolve) =>
    child.on('exit', (code) => {
      Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]).then(() => resolve(code));
    }),
  );
  // The unfinished last lines too: a prompt without a newline is seen as soon as it is written.
  const output = () => stripVTControlCharacters(out + partial.stdout + partial.stderr);
  return {
    child,
    exited,
    output,
    async waitFor(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output())) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${pattern}:\n${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/**
 * Tests of the rollout mechanics (scaling, a canary beside live pods, scale-down) count pods: this
 * sets the scratch copy's engine and agents to 2 in staging and 3 in production, whatever the
 * service files say.
 */
export function withSeveralReplicas(dir) {
  for (const service of ['agents', 'execution-engine']) {
    const file = join(dir, 'tools/deploy/services', `${service}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^replicas: .*$/m, 'replicas: { staging: 2, production: 3 }'));
  }
}
