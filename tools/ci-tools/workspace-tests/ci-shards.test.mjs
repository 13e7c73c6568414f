// @workspace-test cached inputs=workspaceConfig,workflows
// Sharded CI without a SaaS (issue 19): the pure planning (tools/ci-tools/shards/plan.mjs), then
// scripts/ci-shards.mjs through Nx in a scratch copy: a change to nx.json affects every project; its
// lint tasks are planned into 3 shards once, each shard runs exactly its own, durations are recorded
// for the next plan, and a shard that runs none of the tasks it was given fails.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { activeShards, byTarget, estimator, imbalance, missing, planShards, readProfile, runGroups, tasksOf } from '../shards/plan.mjs';
import { repoRoot, run, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';

describe('planning (pure)', () => {
  // Issue 31, finding 10: a docs-only change set up three shards (containers, Prometheus, DAST) to run nothing.
  test('only shards with tasks go into the matrix; no affected task is an empty matrix', () => {
    assert.deepEqual(activeShards(planShards(['a:lint', 'b:lint'], {}, 3)), [1, 2]);
    assert.deepEqual(activeShards(planShards([], {}, 3)), []);
    assert.deepEqual(activeShards(planShards(['a:lint', 'b:lint', 'c:lint', 'd:lint'], {}, 3)), [1, 2, 3]);
  });

  test('longest first onto the least loaded shard; deterministic; every task once', () => {
    const durations = { 'a:test': 10, 'b:test': 9, 'c:test': 8, 'd:test': 7, 'e:lint': 1 };
    const plan = planShards(Object.keys(durations).reverse(), durations, 2);
    assert.deepEqual(
      plan.shards.map((s) => [s.tasks, s.estimatedSeconds]),
      [
        [['a:test', 'd:test', 'e:lint'], 18],
        [['b:test', 'c:test'], 17],
      ],
    );
    assert.deepEqual(planShards(Object.keys(durations), durations, 2), plan, 'the same inputs give the same plan');
    assert.equal(plan.total, 5);
    assert.deepEqual(
      planShards(['a:x', 'a:x'], {}, 3).shards.map((s) => s.tasks.length),
      [1, 0, 0],
    );
  });

  // Found by the benchmark under act on a change affecting every project: the plugin's coverage went
  // to shard 1 and its test to shard 3, so shard 1 ran the test again (coverage depends on it): twice
  // the work, and two runs of the cluster specs at once on one machine.
  test('a task and the planned tasks it depends on go to one shard, configurations included', () => {
    const durations = { 'p:test': 90, 'p:coverage': 5, 'a:test': 40, 'b:test': 40, 'e:build': 20, 'e:docker-build': 10 };
    const dependencies = { 'p:coverage': ['p:test'], 'e:docker-build': ['e:build:production'], 'a:test': ['lib:build'] };
    const plan = planShards(Object.keys(durations), durations, 3, 60, dependencies);
    const shardOf = (task) => plan.shards.find((s) => s.tasks.includes(task)).shard;
    assert.equal(shardOf('p:coverage'), shardOf('p:test'));
    assert.equal(shardOf('e:docker-build'), shardOf('e:build'));
    assert.deepEqual(
      plan.shards.map((s) => s.estimatedSeconds),
      [95, 70, 40],
    );
    // A dependency outside the plan (lib:build is not affected) joins nothing.
    assert.equal(plan.total, 6);
  });

  test('targets may be globs: each matching target of each project is a task, once', () => {
    const targetsOf = { p: ['lint', 'workspace-test', 'workspace-test--b', 'workspace-test--a'], q: ['lint'] };
    assert.deepEqual(tasksOf(['lint', 'workspace-test--*', 'lint'], targetsOf), ['p:lint', 'q:lint', 'p:workspace-test--a', 'p:workspace-test--b']);
    assert.deepEqual(tasksOf(['nothing-*'], targetsOf), []);
  });

  test('unmeasured tasks are estimated at the median of those measured (or the fallback) and listed', () => {
    assert.equal(estimator({ 'a:t': 1, 'b:t': 5, 'c:t': 9 })('new:t'), 5);
    assert.equal(estimator({}, 42)('new:t'), 42);
    assert.deepEqual(planShards(['a:t', 'new:t'], { 'a:t': 3 }, 1).unmeasured, ['new:t']);
    assert.throws(() => planShards(['a:t'], {}, 0), /shard count must be a positive integer, not 0/);
  });

  test('a shard runs per target exactly its projects; imbalance is max over mean', () => {
    assert.deepEqual(byTarget(['a:lint', '@x/y:test', 'b:lint']), [
      { target: 'lint', projects: ['a', 'b'] },
      { target: 'test', projects: ['@x/y'] },
    ]);
    assert.throws(() => byTarget(['nocolon']), /not an Nx task id/);
    // Targets on the same projects share an invocation (a project's workspace tests side by side).
    assert.deepEqual(runGroups(['p:workspace-test--a', 'a:lint', 'p:workspace-test--b', 'b:lint', 'q:workspace-test--c']), [
      { targets: ['workspace-test--a', 'workspace-test--b'], projects: ['p'] },
      { targets: ['lint'], projects: ['a', 'b'] },
      { targets: ['workspace-test--c'], projects: ['q'] },
    ]);
    assert.equal(imbalance([10, 10, 10]), 1);
    assert.equal(imbalance([30, 0, 0]).toFixed(2), '3.00');
  });

  test('the profile says what ran; only real executions are timed; what never ran is named', () => {
    const events = [
      { ph: 'X', name: 'a:test', dur: 2_500_000, args: { status: 'success' } },
      { ph: 'X', name: 'b:test', dur: 1_000, args: { status: 'local-cache' } },
      { ph: 'X', name: 'c:lint', dur: 900_000, args: { status: 'failure' } },
      { ph: 'M', name: 'thread_name' },
    ];
    const { ran, measured } = readProfile(events);
    assert.deepEqual(measured, { 'a:test': 2.5, 'c:lint': 0.9 });
    assert.deepEqual(missing(['a:test', 'b:test', 'c:lint', 'd:build'], ran), ['d:build']);
  });

  // Found by the benchmark under act on a change affecting every project: the engine's build runs
  // in its default configuration, so Nx's profile names it "execution-engine:build:production", and
  // the shard failed for a task it had run ("given but never run: execution-engine:build").
  test('a task run in its default configuration counts as the task the plan gave, and is timed under its id', () => {
    const events = [
      { ph: 'X', name: 'execution-engine:build:production', dur: 4_000_000, args: { status: 'success' } },
      { ph: 'X', name: '@trading/source:test:all', dur: 1_000_000, args: { status: 'success' } },
    ];
    const assigned = ['execution-engine:build', '@trading/source:test:all', '@trading/source:test'];
    const { ran, measured } = readProfile(events, assigned);
    assert.deepEqual(measured, { 'execution-engine:build': 4, '@trading/source:test:all': 1 });
    // A target whose name has a colon is itself, not another target in a configuration.
    assert.deepEqual(missing(assigned, ran), ['@trading/source:test']);
  });
});

describe('through Nx in a scratch copy', () => {
  let scratch;
  let durations;
  let env;
  before(() => {
    scratch = scratchCopy();
    durations = join(scratch.dir, 'reports/ci/durations.json');
    // The scratch copy builds Rust in the workspace's warm target directory, not a cold one of its own.
    env = { CI_DURATIONS_FILE: durations, CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target') };
    const nxJson = join(scratch.dir, 'nx.json');
    writeFileSync(nxJson, readFileSync(nxJson, 'utf8').replace('"parallel": 2', '"parallel": 1'));
    run(scratch.dir, 'git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', 'a root config change: every project']);
  });
  after(() => scratch?.cleanup());

  const shards = (...args) => tryRun(scratch.dir, 'node', ['scripts/ci-shards.mjs', ...args], env);

  test('the affected lint tasks are planned once into 3 shards, each runs exactly its own, and the durations feed the next plan', () => {
    const planned = shards('plan', '--shards', '3', '--targets', 'lint', '--base', 'HEAD~1', '--out', 'reports/ci/plan.json');
    assert.equal(planned.code, 0, planned.out);
    const plan = JSON.parse(readFileSync(join(scratch.dir, 'reports/ci/plan.json'), 'utf8'));
    const affected = JSON.parse(run(scratch.dir, 'npx', ['nx', 'show', 'projects', '--affected', '--withTarget=lint', '--base=HEAD~1', '--json']))
      .map((p) => `${p}:lint`)
      .sort();
    assert.ok(affected.length >= 10, `a root config change affects every project (${affected.length} lint tasks)`);
    assert.deepEqual(plan.shards.flatMap((s) => s.tasks).sort(), affected, 'every affected task in exactly one shard');
    const times = [];
    for (const shard of plan.shards) {
      const started = Date.now();
      const measuredFile = join(scratch.dir, `reports/ci/measured-${shard.shard}.json`);
      const result = tryRun(
        scratch.dir,
        'node',
        ['scripts/ci-shards.mjs', 'run', '--plan', 'reports/ci/plan.json', '--shard', String(shard.shard), '--parallel', '1'],
        {
          ...env,
          CI_DURATIONS_MEASURED: measuredFile,
        },
      );
      times.push((Date.now() - started) / 1000);
      assert.equal(result.code, 0, result.out.slice(-3000));
      assert.match(result.out, new RegExp(`Shard ${shard.shard} of 3: passed .*\\n${shard.tasks.length} task\\(s\\) given, ${shard.tasks.length} run`));
      // Only its own tasks: no other shard's lint task was started here.
      const started_ = [...result.out.matchAll(/> nx run ([\w@/.-]+):lint/g)].map((m) => `${m[1]}:lint`);
      assert.deepEqual([...new Set(started_)].sort(), [...shard.tasks].sort());
      // What CI merges: this shard's own measurements (its tasks, and the tasks they depend on that
      // it ran first), nothing of the base it started from nor of another shard's tasks.
      const measured = Object.keys(JSON.parse(readFileSync(measuredFile, 'utf8')));
      assert.ok(
        shard.tasks.every((task) => measured.includes(task)),
        `${measured.join(' ')} has every task of shard ${shard.shard}`,
      );
      const others = plan.shards.filter((s) => s !== shard).flatMap((s) => s.tasks);
      assert.deepEqual(
        measured.filter((task) => others.includes(task)),
        [],
        'no task of another shard',
      );
    }
    const recorded = JSON.parse(readFileSync(durations, 'utf8'));
    assert.ok(
      affected.every((t) => Number.isFinite(recorded[t])),
      'every task that ran was timed',
    );
    const again = shards('plan', '--shards', '3', '--targets', 'lint', '--base', 'HEAD~1', '--out', 'reports/ci/plan2.json');
    assert.match(again.out, /0 of these tasks unmeasured/);
    const replanned = JSON.parse(readFileSync(join(scratch.dir, 'reports/ci/plan2.json'), 'utf8'));
    console.log(
      `3 shards, sequential here: ${times.map((t) => `${t.toFixed(0)} s`).join(', ')} (sum ${times.reduce((a, b) => a + b, 0).toFixed(0)} s); ` +
        `measured imbalance max/mean ${imbalance(times).toFixed(2)}; next plan's estimated imbalance ${imbalance(replanned.shards.map((s) => s.estimatedSeconds)).toFixed(2)}`,
    );
  });

  test('a shard given tasks that ran none of them fails, naming them', () => {
    // deploy has no build target: Nx runs nothing for it.
    const plan = JSON.stringify({ count: 1, total: 1, shards: [{ shard: 1, tasks: ['deploy:build'], estimatedSeconds: 1 }], unmeasured: [] });
    const result = shards('run', '--plan', plan, '--shard', '1');
    assert.notEqual(result.code, 0);
    assert.match(result.out, /shard 1 was given 1 task\(s\) that never ran: deploy:build/);
  });

  // Issue 31, finding 8: with no successful run on main among the last 100, nx-set-shas fell back
  // to HEAD~1 (only the last commit's tasks); the workflows now give it the empty tree.
  test("the empty tree as base (the workflows' fallback when no run on main succeeded): every project's task is planned", () => {
    const emptyTree = run(scratch.dir, 'git', ['hash-object', '-t', 'tree', '/dev/null']).trim();
    const planned = shards('plan', '--shards', '3', '--targets', 'lint', '--base', emptyTree, '--out', 'reports/ci/plan-everything.json');
    assert.equal(planned.code, 0, planned.out);
    const withLint = JSON.parse(run(scratch.dir, 'npx', ['nx', 'show', 'projects', '--withTarget=lint', '--json'])).sort();
    const plan = JSON.parse(readFileSync(join(scratch.dir, 'reports/ci/plan-everything.json'), 'utf8'));
    assert.deepEqual(plan.shards.flatMap((s) => s.tasks).sort(), withLint.map((p) => `${p}:lint`).sort());
    // The staging deploy's entry point takes it too (a target no project has: nothing runs).
    const staging = tryRun(scratch.dir, 'bash', ['scripts/ci-affected.sh', 'no-such-target'], { ...env, NX_BASE: emptyTree });
    assert.equal(staging.code, 0, staging.out);
    assert.match(staging.out, new RegExp(`Affected \\(${emptyTree}\\.\\.HEAD\\)`));
  });

  test('bad input: no targets, an unknown base, a plan without the shard', () => {
    assert.match(shards('plan', '--shards', '3').out, /give the targets/);
    assert.match(shards('plan', '--shards', '3', '--targets', 'lint', '--base', 'nope').out, /base commit 'nope' not found/);
    assert.match(shards('run', '--plan', 'reports/ci/plan.json', '--shard', '4').out, /shard 4 is not in the plan \(it has 3\)/);
    assert.match(shards('run', '--plan', '{not json').out, /give the plan/);
    assert.ok(existsSync(durations));
  });
});
