#!/usr/bin/env node
// Sharded CI without a SaaS (issue 19). The affected tasks are computed once and split into N shards
// balanced by each task's duration recorded by earlier runs; each shard runs exactly its tasks
// through Nx (remote cache included) and records what it measured for the next plan.
//   node scripts/ci-shards.mjs plan --shards N --targets "lint test workspace-test--* ..." [--base B] [--head H] [--out plan.json]
// A target may be a glob: "workspace-test--*" plans each workspace test file as a task of its own.
//   node scripts/ci-shards.mjs run --plan plan.json --shard K [--parallel P]
// Durations: $CI_DURATIONS_FILE (default reports/ci/durations.json; CI keeps it with actions/cache);
// a shard's own measurements also in $CI_DURATIONS_MEASURED when set (CI merges every shard's).
// In Actions the plan goes to the job's outputs (plan, shards) and both print to the step summary.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { activeShards, byTarget, imbalance, missing, planShards, readProfile, runGroups, tasksOf } from '../tools/ci-tools/shards/plan.mjs';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const durationsFile = process.env.CI_DURATIONS_FILE || join(root, 'reports/ci/durations.json');
const fail = (message) => {
  console.error(`ci-shards: ${message}`);
  process.exit(1);
};
const summary = (text) => process.env.GITHUB_STEP_SUMMARY && appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${text}\n`);
const output = (name, value) => process.env.GITHUB_OUTPUT && appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${value}\n`);

function readDurations() {
  if (!existsSync(durationsFile)) return {};
  try {
    const parsed = JSON.parse(readFileSync(durationsFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    /* reported below */
  }
  console.warn(`ci-shards: ${durationsFile} is not a JSON object of durations: planning without them`);
  return {};
}

/** The affected projects' tasks of these targets (globs allowed): one affected computation, one graph. */
function affectedTasks(targets, base, head) {
  const nx = (...args) => execFileSync('npx', ['nx', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const projects = JSON.parse(nx('show', 'projects', '--affected', `--base=${base}`, `--head=${head}`, '--json'));
  const file = join(mkdtempSync(join(tmpdir(), 'ci-shards-')), 'graph.json');
  try {
    nx('graph', `--file=${file}`);
    const nodes = JSON.parse(readFileSync(file, 'utf8')).graph.nodes;
    return tasksOf(targets, Object.fromEntries(projects.map((p) => [p, Object.keys(nodes[p]?.data.targets ?? {})])));
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

/** Nx's task graph of these tasks: which task depends on which (ids may carry a configuration). */
function taskDependencies(tasks) {
  if (!tasks.length) return {};
  const groups = byTarget(tasks);
  const targets = groups.map((g) => g.target);
  const projects = [...new Set(groups.flatMap((g) => g.projects))];
  const file = join(mkdtempSync(join(tmpdir(), 'ci-shards-')), 'graph.json');
  try {
    execFileSync('npx', ['nx', 'run-many', '-t', ...targets, '-p', projects.join(','), `--graph=${file}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(readFileSync(file, 'utf8')).tasks.dependencies;
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

function plan(args) {
  const count = Number(args.shards);
  const targets = (args.targets ?? '').split(/[\s,]+/).filter(Boolean);
  if (!targets.length) fail('give the targets: --targets "lint test ..."');
  const base = args.base ?? process.env.NX_BASE ?? 'origin/main';
  const head = args.head ?? process.env.NX_HEAD ?? 'HEAD';
  // The base may also be the empty tree: nx-set-shas's fallback-sha in the workflows when no run on
  // main succeeded among the last 100, so that every task runs.
  const emptyTree = spawnSync('git', ['hash-object', '-t', 'tree', '/dev/null'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  for (const [name, ref] of [
    ['base', base],
    ['head', head],
  ]) {
    if (name === 'base' && ref === emptyTree) continue;
    if (spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root }).status !== 0) {
      fail(`${name} commit '${ref}' not found: fetch full history (actions/checkout fetch-depth: 0) or set NX_${name.toUpperCase()}`);
    }
  }
  const durations = readDurations();
  let result;
  try {
    const tasks = affectedTasks(targets, base, head);
    result = planShards(tasks, durations, count, undefined, taskDependencies(tasks));
  } catch (error) {
    fail(
      `no plan: ${String(error.stderr || error.message)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')}`,
    );
  }
  const text = JSON.stringify(result);
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, text);
  }
  output('plan', text);
  output('shards', JSON.stringify(activeShards(result)));
  const lines = [
    `### Shard plan: ${result.total} affected task(s) of ${targets.join(', ')} (${base}..${head}) in ${count} shard(s)`,
    `Balanced by recorded durations (${Object.keys(durations).length} known; ${result.unmeasured.length} of these tasks unmeasured, estimated at the median); estimated imbalance max/mean ${imbalance(result.shards.map((s) => s.estimatedSeconds)).toFixed(2)}.`,
    '| shard | tasks | estimated s |',
    '|---|---|---|',
    ...result.shards.map((s) => `| ${s.shard} | ${s.tasks.length} | ${s.estimatedSeconds.toFixed(0)} |`),
  ];
  console.log(lines.join('\n'));
  // Which tasks each shard got, in the log (the summary keeps the table short).
  for (const s of result.shards) console.log(`shard ${s.shard} tasks: ${s.tasks.join(', ')}`);
  summary(lines.join('\n'));
}

function run(args) {
  const planText = args.plan && existsSync(args.plan) ? readFileSync(args.plan, 'utf8') : args.plan;
  let parsed;
  try {
    parsed = JSON.parse(planText ?? '');
  } catch {
    fail("give the plan: --plan <file or JSON> (the plan step's output)");
  }
  const shard = parsed.shards?.find((s) => s.shard === Number(args.shard));
  if (!shard) fail(`shard ${args.shard} is not in the plan (it has ${parsed.shards?.length ?? 0})`);
  const started = Date.now();
  const profiles = join(root, 'reports/ci', `shard-${shard.shard}`);
  rmSync(profiles, { recursive: true, force: true });
  mkdirSync(profiles, { recursive: true });
  let failed = false;
  const groups = runGroups(shard.tasks);
  for (const [i, { targets, projects }] of groups.entries()) {
    console.log(`\n==> shard ${shard.shard}: nx run-many -t ${targets.join(' ')} -p ${projects.join(',')}`);
    const result = spawnSync(
      'npx',
      ['nx', 'run-many', '-t', ...targets, '-p', projects.join(','), `--parallel=${args.parallel ?? 2}`, '--output-style=static'],
      {
        cwd: root,
        stdio: 'inherit',
        // Nx joins NX_PROFILE to its working directory: relative, or it lands in a path of its own.
        env: { ...process.env, NX_PROFILE: relative(root, join(profiles, `${i}.json`)) },
      },
    );
    if (result.status !== 0) failed = true;
  }
  const events = groups.flatMap((_, i) => {
    const file = join(profiles, `${i}.json`);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  });
  const { ran, measured } = readProfile(events, shard.tasks);
  const notRun = missing(shard.tasks, ran);
  // In the log too: what a later plan is balanced by, readable without the cache entry.
  console.log(`Durations measured (s): ${JSON.stringify(measured)}`);
  const durations = { ...readDurations(), ...measured };
  mkdirSync(dirname(durationsFile), { recursive: true });
  writeFileSync(durationsFile, JSON.stringify(durations, null, 2) + '\n');
  // This shard's measurements alone, where CI keeps them for the merge of every shard's (ci.yml's
  // affected-result job): the whole file would carry the older base too, and the last shard's
  // base would overwrite what another shard measured.
  if (process.env.CI_DURATIONS_MEASURED) {
    mkdirSync(dirname(process.env.CI_DURATIONS_MEASURED), { recursive: true });
    writeFileSync(process.env.CI_DURATIONS_MEASURED, JSON.stringify(measured, null, 2) + '\n');
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const replayed = shard.tasks.filter((t) => ran.has(t) && !(t in measured)).length;
  const lines = [
    `### Shard ${shard.shard} of ${parsed.count}: ${failed || notRun.length ? 'FAILED' : 'passed'} in ${seconds} s (estimated ${shard.estimatedSeconds.toFixed(0)} s)`,
    `${shard.tasks.length} task(s) given, ${shard.tasks.length - notRun.length} run (${replayed} replayed from a cache), ${Object.keys(measured).length} timed for the next plan.`,
    ...(notRun.length ? [`Given but never run: ${notRun.join(', ')}`] : []),
  ];
  console.log(`\n${lines.join('\n')}`);
  summary(lines.join('\n'));
  if (notRun.length) fail(`shard ${shard.shard} was given ${notRun.length} task(s) that never ran: ${notRun.join(', ')}`);
  if (failed) fail(`shard ${shard.shard}: a task failed (see above)`);
}

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    shards: { type: 'string' },
    targets: { type: 'string' },
    base: { type: 'string' },
    head: { type: 'string' },
    out: { type: 'string' },
    plan: { type: 'string' },
    shard: { type: 'string' },
    parallel: { type: 'string' },
  },
});
if (command === 'plan') plan(values);
else if (command === 'run') run(values);
else fail('usage: ci-shards.mjs plan --shards N --targets "..." | run --plan <plan> --shard K');
