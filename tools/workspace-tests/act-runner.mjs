// The runner side of the workflow runs under act (tools/workflow-runner/act.sh): the non-root user
// `runner`, a clone of this workspace in its HOME with a GitHub-style origin, and act itself run
// there as GitHub runs a job. Shared by the act workflow tests and the sharding benchmark.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run, scratchCopy, start, tryRun } from './scratch.mjs';

export const RUNNER_HOME = '/home/runner';
/** What the egress guard lets through: this machine and the package registries the scripts use. */
const NO_PROXY = [
  '127.0.0.1',
  'localhost',
  'registry.npmjs.org',
  'pypi.org',
  'files.pythonhosted.org',
  'index.crates.io',
  'static.crates.io',
  'crates.io',
  'proxy.golang.org',
  'sum.golang.org',
  'deb.debian.org',
].join(',');

/** Creates the runner user (idempotent; warm caches copied) and builds act. Needs root. */
export function prepareRunnerUser() {
  if (process.getuid() !== 0) throw new Error('the act runs create the runner user: run them as root (as .ci/run does)');
  for (const args of [['tools/workflow-runner/runner-user.sh'], ['scripts/build-go-tools.sh', 'workflow-runner']]) {
    const result = tryRun(repoRoot, 'bash', args);
    if (result.code !== 0) throw new Error(`bash ${args.join(' ')} failed:\n${result.out}`);
  }
}

/**
 * The runner's clone of this workspace under $RUNNER_HOME/work/<name>: tracked files only, `edit`
 * applied and committed, origin a GitHub address (act reads github.repository from it), and an
 * act.env with `env` (lines NAME=value) plus the job Nx folders and the egress guard.
 */
export function runnerWorkspace(name, { edit = () => {}, env = [] } = {}) {
  const base = join(RUNNER_HOME, 'work', name);
  const work = join(base, 'trading-platform');
  // Made outside the runner's HOME, as root, then handed to the runner and moved in at once: act
  // tests run side by side, and each asserts that nothing under the runner's HOME is root's.
  const staging = join(`${RUNNER_HOME}.staging`, name);
  const stagedWork = join(staging, 'trading-platform');
  for (const dir of [base, staging]) rmSync(dir, { recursive: true, force: true });
  // The runner's work folder is the runner's (a fresh runner user has none: mkdir as root would make it root's).
  execFileSync('install', ['-d', '-o', 'runner', '-g', 'runner', join(RUNNER_HOME, 'work')]);
  mkdirSync(staging, { recursive: true });
  const source = scratchCopy();
  run(staging, 'git', ['clone', '-q', source.dir, stagedWork]);
  source.cleanup();
  // The scratch copy committed its node_modules link (a link is no folder for .gitignore's `node_modules/`).
  run(stagedWork, 'git', ['rm', '-q', '--cached', 'node_modules']);
  rmSync(join(stagedWork, 'node_modules'), { force: true });
  edit(stagedWork);
  run(stagedWork, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', `runner workspace ${name}`, '--allow-empty']);
  run(stagedWork, 'git', ['remote', 'set-url', 'origin', 'https://github.com/example-org/trading-platform.git']);
  run(stagedWork, 'git', ['update-ref', 'refs/remotes/origin/main', 'HEAD']);
  writeFileSync(
    join(staging, 'act.env'),
    [
      ...env,
      // Each job's own Nx cache and workspace data, in its own copy of the workspace (act's per-job
      // folder, removed after the run), as on GitHub where every job has a new runner: side-by-side
      // shards share nothing but the remote cache. (Nx 23 would otherwise share one cache between
      // checkouts of the workspace, under ~/.nx.)
      'NX_CACHE_DIRECTORY=.nx/cache',
      'NX_WORKSPACE_DATA_DIRECTORY=.nx/workspace-data',
      // Egress guard: anything that honours the proxy variables and is not a package registry or this machine fails.
      'HTTP_PROXY=http://127.0.0.1:9',
      'HTTPS_PROXY=http://127.0.0.1:9',
      'http_proxy=http://127.0.0.1:9',
      'https_proxy=http://127.0.0.1:9',
      `NO_PROXY=${NO_PROXY}`,
      `no_proxy=${NO_PROXY}`,
      '',
    ].join('\n'),
  );
  // This workspace's act state (job folders, tool cache, Actions cache, artifacts; act.sh's
  // ACT_STATE_DIR): its own, so act runs of other tests go side by side with its runs.
  const actState = join(base, 'act-state');
  mkdirSync(join(staging, 'act-state'));
  execFileSync('chown', ['-R', 'runner:runner', staging]);
  renameSync(staging, base);

  const timings = [];
  const asRunner = (...cmd) => {
    const options = typeof cmd.at(-1) === 'object' ? cmd.pop() : {};
    return execFileSync('sudo', ['-u', 'runner', '-H', ...cmd], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...options });
  };
  /** git in the runner's clone, as the runner (its files are the runner's). */
  const git = (...args) => asRunner('git', '-C', work, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args).trim();
  return {
    base,
    work,
    timings,
    asRunner,
    git,
    /** A one-file commit on the runner's main, which origin/main follows; returns the commit before it. */
    commit(file, text, message, { moveMain = true } = {}) {
      const previous = git('rev-parse', 'HEAD');
      asRunner('mkdir', '-p', join(work, file, '..'));
      asRunner('tee', join(work, file), { input: text });
      git('add', file);
      git('commit', '-qm', message);
      if (moveMain) git('update-ref', 'refs/remotes/origin/main', 'HEAD');
      return previous;
    },
    /**
     * Files under the runner's HOME that root owns (a run must leave none): its shared folders and
     * this workspace, not the other act tests' workspaces (theirs to check). Those tests' jobs run
     * meanwhile, so a file can vanish during the walk: not an error; any other is.
     */
    rootOwned: () => {
      const walk = spawnSync('find', [RUNNER_HOME, base, '-path', join(RUNNER_HOME, 'work'), '-prune', '-o', '-user', 'root', '-print'], { encoding: 'utf8' });
      const errors = walk.stderr.split('\n').filter((line) => line && !/No such file or directory$/.test(line));
      if (walk.error || errors.length) throw new Error(`find ${RUNNER_HOME} -user root: ${walk.error?.message ?? errors.join('\n')}`);
      return walk.stdout.split('\n').filter(Boolean);
    },
    /**
     * act.sh on one workflow and event in the runner's clone: { code, out, seconds }, the wall time
     * also kept in `timings`. Asynchronous: stand-in servers in this process answer meanwhile.
     */
    async act(workflow, event, payload, flags = [], extraEnv = {}) {
      // Outside the runner's HOME: a file root writes there would be root's.
      const eventFile = join(mkdtempSync(join(tmpdir(), 'act-event-')), `${event}.json`);
      writeFileSync(eventFile, JSON.stringify(payload), { mode: 0o644 });
      execFileSync('chmod', ['755', join(eventFile, '..')]);
      const started = Date.now();
      const child = start(work, 'bash', [join(repoRoot, 'tools/workflow-runner/act.sh'), workflow, event, '-e', eventFile, ...flags], {
        ACT_ENV_FILE: join(base, 'act.env'),
        ACT_STATE_DIR: actState,
        ...extraEnv,
      });
      const code = await child.exited;
      rmSync(join(eventFile, '..'), { recursive: true, force: true });
      const seconds = (Date.now() - started) / 1000;
      // The whole log, kept (an assertion's message shows only each failed step's last lines, and
      // a failed task's own output is often further up): reports/act/<workspace>-<n>.log.
      const log = join(repoRoot, 'reports/act', `${name}-${timings.length + 1}.log`);
      mkdirSync(join(log, '..'), { recursive: true });
      writeFileSync(log, child.output());
      timings.push(
        `${workflow} ${event}${flags.includes('-j') ? ` -j ${flags[flags.indexOf('-j') + 1]}` : ''}: ${seconds.toFixed(1)} s, exit ${code} (log: ${log})`,
      );
      return { code, out: child.output(), seconds, log };
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** How each step named `name` (a regular expression) ended, in log order. */
export const stepOutcomes = (out, name) => [...out.matchAll(new RegExp(`(Success|Failure) - Main ${name}`, 'g'))].map((m) => m[1]);
/** How the first step named `name` (a regular expression) ended; undefined if none ran. */
export const stepOutcome = (out, name) => stepOutcomes(out, name)[0];
/** Each shard's own tasks' seconds and estimate, from its summary line. */
export const shardTimes = (out) => [
  ...new Map(
    [...out.matchAll(/Shard (\d+) of \d+: \w+ in (\d+) s \(estimated (\d+) s\)/g)].map((m) => [
      m[1],
      { shard: Number(m[1]), seconds: Number(m[2]), estimated: Number(m[3]) },
    ]),
  ).values(),
];

/**
 * For an assertion's message: every failed step with the last lines its job printed before it (act
 * interleaves side-by-side jobs' lines; each line starts with its job's name), and the log's end.
 */
export function failedSteps(out, tail = 3000) {
  const lines = out.split('\n');
  const report = [];
  lines.forEach((line, i) => {
    if (!/(❌|Failure - )/.test(line)) return;
    const job = /^\s*(\[[^\]]+\])/.exec(line)?.[1];
    const own = job
      ? lines
          .slice(0, i)
          .filter((l) => l.trimStart().startsWith(job))
          .slice(-25)
      : [];
    report.push(`--- ${line.trim()}\n${own.join('\n')}`);
  });
  return `${report.join('\n')}\n--- the log's end:\n${out.slice(-tail)}`;
}
