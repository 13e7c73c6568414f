// Benchmark: a blue-green deploy of the three services (no soak: scale-down delay 0) and a
// rollback of one, through `nx` against the local cluster, beside a bare `nx` invocation
// (`nx show projects`): the rollback's own recovery time is what an operator waits for. Then
// (issue 34, path 7) a rollback during a production deploy's running canary: the command's start
// to the canary gone (the new release's only traffic), the deploy cancelled.
// Needs: bash tools/stack.sh up docker && npx nx run local-cluster:up
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushVariant } from '../tools/workspace-tests/images.mjs';
import { run, scratchCopy } from '../tools/workspace-tests/scratch.mjs';
import { CONTEXT } from '../tools/workspace-tests/local-stack.mjs';

const NS = `bench-deploy-${process.pid}`;
const seconds = (fn) => {
  const start = process.hrtime.bigint();
  const out = fn();
  return { s: Number(process.hrtime.bigint() - start) / 1e9, out };
};

const scratch = scratchCopy();
try {
  const envFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  writeFileSync(
    envFile,
    readFileSync(envFile, 'utf8').replace('namespace: trading-staging', `namespace: ${NS}`).replace('scaleDownDelaySeconds: 30', 'scaleDownDelaySeconds: 0'),
  );
  const record = (project, image) => {
    mkdirSync(join(scratch.dir, 'dist', project), { recursive: true });
    writeFileSync(join(scratch.dir, 'dist', project, 'image.json'), JSON.stringify({ project, reference: image, revision: 'b'.repeat(40) }));
  };
  const [v1, v2] = [pushVariant('bench-deploy', 1), pushVariant('bench-deploy', 2)];
  for (const p of ['agents', 'dashboard', 'execution-engine']) record(p, v1);
  const nx = (...args) => run(scratch.dir, 'npx', ['nx', ...args, '--output-style=static']);

  const bare = seconds(() => nx('show', 'projects'));
  const first = seconds(() => nx('run', 'deploy:staging', '--skipAnalysis'));
  for (const p of ['agents', 'dashboard', 'execution-engine']) record(p, v2);
  const second = seconds(() => nx('run', 'deploy:staging', '--skipAnalysis'));
  const rollback = seconds(() => nx('run', 'deploy:rollback', '--services=execution-engine', '--reason=bench'));
  const recovery = Number(/recovered in ([\d.]+) s/.exec(rollback.out)?.[1]);

  console.log(`bare nx invocation (nx show projects)        ${bare.s.toFixed(2).padStart(7)} s`);
  console.log(`first deploy, 3 services (create, switch)    ${first.s.toFixed(2).padStart(7)} s`);
  console.log(`second deploy, 3 services (blue -> green)    ${second.s.toFixed(2).padStart(7)} s`);
  console.log(`nx run deploy:rollback (whole command)       ${rollback.s.toFixed(2).padStart(7)} s`);
  console.log(`rollback recovery (start to ready endpoints) ${recovery.toFixed(2).padStart(7)} s`);
  console.log(`ratio rollback command / bare nx: ${(rollback.s / bare.s).toFixed(2)}; recovery / 60 s bar: ${(recovery / 60).toFixed(3)}`);

  // A production deploy of execution-engine in its canary (kwok pods serve no metrics: the canary
  // keeps measuring through the missing data, onInconclusive continue, so it stays in its canary).
  const prodFile = join(scratch.dir, 'tools/deploy/environments.yaml');
  writeFileSync(
    prodFile,
    readFileSync(prodFile, 'utf8')
      .replace('namespace: trading-production', `namespace: ${NS}-prod\n  context: \${LOCAL_CLUSTER_CONTEXT}`)
      .replace('requireAnalysis: true', 'requireAnalysis: false'),
  );
  record('execution-engine', v1);
  nx('run', 'deploy:production', '--services=execution-engine', '--skipAnalysis');
  record('execution-engine', v2);
  const deploy = spawn(
    'npx',
    [
      'nx',
      'run',
      'deploy:production',
      '--services=execution-engine',
      '--onInconclusive=continue',
      '--canaryAnalysisSeconds=300',
      '--output-style=stream-without-prefixes',
    ],
    { cwd: scratch.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' } },
  );
  let out = '';
  deploy.stdout.on('data', (d) => (out += d));
  deploy.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => deploy.on('exit', r));
  for (let i = 0; i < 600 && !/analysis \(canary of execution-engine\)/.test(out); i++) await new Promise((r) => setTimeout(r, 200));
  // The rollback streams its log: the moment its "deploy cancelled" line arrives, counted from the
  // command's start, is when the canary (the new release's only traffic) is gone. The command
  // itself goes on for its second sweep (a write the cancelled run made just before the takeover).
  const started = process.hrtime.bigint();
  const rollbackRun = spawn(
    'npx',
    ['nx', 'run', 'deploy:rollback', '-c', 'production', '--services=execution-engine', '--reason=bench', '--output-style=stream-without-prefixes'],
    { cwd: scratch.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' } },
  );
  let rollbackOut = '';
  let goneAt;
  const onData = (d) => {
    rollbackOut += d;
    if (goneAt === undefined && /deploy cancelled in/.test(rollbackOut)) goneAt = Number(process.hrtime.bigint() - started) / 1e9;
  };
  rollbackRun.stdout.on('data', onData);
  rollbackRun.stderr.on('data', onData);
  const code = await new Promise((r) => rollbackRun.on('exit', r));
  const whole = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0 || goneAt === undefined) throw new Error(`the rollback failed (exit ${code}):\n${rollbackOut.slice(-2000)}`);
  const cancelled = Number(/deploy cancelled in ([\d.]+) s/.exec(rollbackOut)?.[1]);
  const canaries = execFileSync(
    'kubectl',
    [
      '--context',
      CONTEXT,
      '-n',
      `${NS}-prod`,
      'get',
      'deployments',
      'execution-engine-canary',
      'execution-engine-baseline',
      '--ignore-not-found',
      '-o',
      'name',
    ],
    { encoding: 'utf8' },
  ).trim();
  await exited;
  console.log(`rollback during the canary (whole command)   ${whole.toFixed(2).padStart(7)} s`);
  console.log(`  command start to canary gone               ${goneAt.toFixed(2).padStart(7)} s`);
  console.log(`  of which the rollback's own work           ${cancelled.toFixed(2).padStart(7)} s`);
  console.log(
    `ratio: command start to canary gone / bare nx: ${(goneAt / bare.s).toFixed(2)}; (canary gone - bare nx) = ${(goneAt - bare.s).toFixed(2)} s (goal <= 2 s); canary gone / 60 s bar: ${(goneAt / 60).toFixed(3)}`,
  );
  console.log(`canary and baseline Deployments left: ${canaries || 'none'}`);
  console.log(`the deploy ended: ${/lost the deploy lease/.test(out) ? 'stopped, its lease taken over' : 'UNEXPECTED: ' + out.slice(-400)}`);
} finally {
  try {
    for (const ns of [NS, `${NS}-prod`]) execFileSync('kubectl', ['--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false'], { stdio: 'ignore' });
  } catch {
    /* cluster gone */
  }
  scratch.cleanup();
}
