// @workspace-test cached
// Affected precision: touching one file in each library and app selects exactly its dependents; a
// change matrix (lockfile bumps in each ecosystem, toolchain pins, root configs, our executors) is
// checked against the expected sets exactly, and precision and recall over it are printed.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy, tryRun } from '../../tools/workspace-tests/scratch.mjs';

// The `deploy` project depends on every deployed service, so a service change affects it too. And
// a change to what the services run affects `migrations`: its previous-release workspace test runs
// the base's integration tests on this checkout's engine build and agents (its declared inputs).
const cases = [
  ['libs/trading-core/src/trading_core/money.py', '# touched\n', ['agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']],
  ['libs/market-types/src/fixed.rs', '// touched\n', ['dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'market-types']],
  ['libs/api-client/src/lib/client.ts', '// touched\n', ['api-client', 'dashboard', 'dashboard-e2e', 'deploy']],
  ['apps/agents/src/agents/agent.py', '# touched\n', ['agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'migrations']],
  ['apps/execution-engine/src/book.rs', '// touched\n', ['dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'migrations']],
  // The integration tests across agents and engine depend on both, and nothing depends on them
  // but the previous-release check's workspace test (migrations), which runs them on a base.
  ['apps/flow-integration/specs/flow.test.mjs', '// touched\n', ['flow-integration', 'migrations']],
  // The helpers that start the services as processes: every test project that uses them.
  // (and the plugin, whose load and perf-compare workspace tests import them, and so the root
  // project, which depends on the plugin it loads; issue 28: the engine's order-integrity test, the
  // deployed flow's proof under traffic (deploy), the images test (docker-env) and the DAST
  // (ci-tools: its planted-defect agents), which get their throwaway databases from them), and the
  // workspace tests' harness (workspace-testing), whose private Prometheus and API proxy take their
  // free ports from it, and so every project whose workspace tests use the harness.
  [
    'tools/testing/local-services.mjs',
    '// touched\n',
    [
      '@trading/nx-plugin',
      '@trading/source',
      'cache-server',
      'ci-tools',
      'dashboard-e2e',
      'database',
      'deploy',
      'docker-env',
      'execution-engine',
      'flow-integration',
      'local-cluster',
      'local-services',
      'migrations',
      'workspace-testing',
    ],
  ],
  // A service's API document is a project of its own: the client (and the dashboard) depends on it,
  // and the service, whose test checks it is current. A change inside the service leaves them alone.
  ['apps/agents/api/openapi.json', '\n', ['agents', 'agents-api', 'api-client', 'dashboard', 'dashboard-e2e', 'deploy', 'flow-integration', 'migrations']],
  [
    'apps/execution-engine/api/openapi.json',
    '\n',
    ['api-client', 'dashboard', 'dashboard-e2e', 'deploy', 'execution-engine', 'execution-engine-api', 'flow-integration', 'migrations'],
  ],
  ['apps/dashboard/lib/format.ts', '// touched\n', ['dashboard', 'dashboard-e2e', 'deploy']],
  // Issue 33: the release model is read by the deploy engine (the plugin, and so the root project
  // that loads it) and by the dashboard's Deployments page.
  ['libs/release-model/src/phase.ts', '// touched\n', ['@trading/nx-plugin', '@trading/source', 'dashboard', 'dashboard-e2e', 'deploy', 'release-model']],
  // Issue 30: the engine embeds its first migration, so a migration is the engine's (its build, its
  // images, what deploys them), not a file nothing reads.
  [
    'apps/execution-engine/migrations/20261204000000_engine_state.sql',
    '-- touched\n',
    ['dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'migrations'],
  ],
  // Issue 29: the workspace tests' declared inputs count too. The act tests start the cache server
  // (and the root project depends on ci-tools); the deploy scenarios and the act deploy test run
  // the deploy configuration in their scratch copies.
  ['apps/cache-server/src/hash.ts', '// touched\n', ['@trading/source', 'cache-server', 'ci-tools', 'deploy']],
  ['tools/deploy/services/agents.yaml', '# touched\n', ['@trading/nx-plugin', '@trading/source', 'ci-tools', 'deploy']],
  // Issue 19: a toolchain pin affects its own ecosystem's projects and their dependents only (and the
  // root project, which owns it), and the plugin, whose generators test builds a generated Python
  // and Rust project with them.
  ['.python-version', '# touched\n', ['@trading/nx-plugin', '@trading/source', 'agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']],
  [
    'rust-toolchain.toml',
    '# touched\n',
    ['@trading/nx-plugin', '@trading/source', 'dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'market-types'],
  ],
  // ci-tools runs on Node too: the shard planner (tools/ci-tools/shards/plan.mjs); database,
  // docker-env, workspace-testing and execution-engine (order-integrity): their workspace tests and
  // helpers; load: the analysis load generator's own tests; migrations: the migration tooling's.
  [
    '.nvmrc',
    '\n',
    [
      '@trading/nx-plugin',
      '@trading/source',
      'api-client',
      'cache-server',
      'ci-tools',
      'dashboard',
      'dashboard-e2e',
      'database',
      'deploy',
      'docker-env',
      'execution-engine',
      'flow-integration',
      'load',
      'local-cluster',
      'local-services',
      'migrations',
      'release-model',
      'workspace-testing',
    ],
  ],
  // Issue 19: a change to one of our executors affects the projects whose targets run it (and the
  // root project, which depends on the plugin it loads), and, issue 29, the workspace tests that
  // run it: the act deploy test (ci-tools) the release engine, the images test (docker-env) the
  // image build; every project with an image (the load generators' too) the image build.
  ['tools/nx-plugin/src/release/plan/planner.ts', '// touched\n', ['@trading/nx-plugin', '@trading/source', 'ci-tools', 'deploy']],
  ['tools/nx-plugin/src/release/commands/rollback/run-rollback.ts', '// touched\n', ['@trading/nx-plugin', '@trading/source', 'ci-tools', 'deploy']],
  [
    'tools/nx-plugin/src/executors/docker-build/lib/build-command.ts',
    '// touched\n',
    [
      '@trading/nx-plugin',
      '@trading/source',
      'agents',
      'cache-server',
      'ci-tools',
      'dashboard',
      'dashboard-e2e',
      'deploy',
      'docker-env',
      'execution-engine',
      'flow-integration',
      'load', // the load generators' image
    ],
  ],
];

let scratch;
before(() => {
  scratch = scratchCopy();
});
after(() => scratch?.cleanup());

function affected() {
  const out = run(scratch.dir, 'npx', ['nx', 'show', 'projects', '--affected', '--base=HEAD', '--json']);
  return JSON.parse(out).sort();
}

// Over the whole matrix: projects affected and expected (true positives), affected only (false
// positives), expected only (false negatives).
const tally = { cases: 0, tp: 0, fp: 0, fn: 0 };
function check(expected) {
  const actual = affected();
  tally.cases += 1;
  tally.tp += actual.filter((p) => expected.includes(p)).length;
  tally.fp += actual.filter((p) => !expected.includes(p)).length;
  tally.fn += expected.filter((p) => !actual.includes(p)).length;
  assert.deepEqual(actual, expected);
}
const restore = () => {
  run(scratch.dir, 'git', ['checkout', '--', '.']);
  run(scratch.dir, 'git', ['clean', '-fdq']);
};
/** A lockfile bump: the `version = "..."` line after `name = "<name>"` gets a new version. */
function bumpLock(file, name) {
  const path = join(scratch.dir, file);
  const text = readFileSync(path, 'utf8');
  const bumped = text.replace(new RegExp(`(\nname = "${name}"\nversion = ")([^"]+)"`), (_, head, version) => `${head}${version}-bumped"`);
  assert.notEqual(bumped, text, `${name} is not locked in ${file}`);
  writeFileSync(path, bumped);
}

test('no change affects nothing', () => {
  assert.deepEqual(affected(), []);
});

for (const [file, line, expected] of cases) {
  test(`touching ${file} affects exactly ${expected.join(', ')}`, () => {
    appendFileSync(join(scratch.dir, file), line);
    try {
      check(expected);
    } finally {
      run(scratch.dir, 'git', ['checkout', '--', file]);
    }
  });
}

// Issue 19: a lockfile bump affects the projects whose resolved dependencies changed, not all 14.
// npm: Nx's own lockfile diff (nx.json pluginsConfig @nx/js projectsAffectedByDependencyUpdates:
// "auto"); the root project owns the file, so it is always among them.
test('bumping a package only the dashboard uses in package-lock.json affects the dashboard and what depends on it', () => {
  const file = join(scratch.dir, 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const next = lock.packages['node_modules/next'];
  writeFileSync(
    file,
    JSON.stringify({ ...lock, packages: { ...lock.packages, 'node_modules/next': { ...next, version: `${next.version}-bumped` } } }, null, 2) + '\n',
  );
  try {
    check(['@trading/source', 'dashboard', 'dashboard-e2e', 'deploy']);
  } finally {
    run(scratch.dir, 'git', ['checkout', '--', 'package-lock.json']);
  }
});

test('bumping a package several projects use in package-lock.json (zod) affects those and their dependents', () => {
  const file = join(scratch.dir, 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const zod = lock.packages['node_modules/zod'];
  writeFileSync(
    file,
    JSON.stringify({ ...lock, packages: { ...lock.packages, 'node_modules/zod': { ...zod, version: `${zod.version}-bumped` } } }, null, 2) + '\n',
  );
  try {
    check(['@trading/nx-plugin', '@trading/source', 'api-client', 'cache-server', 'dashboard', 'dashboard-e2e', 'deploy']);
  } finally {
    restore();
  }
});

// Cargo: each crate's tasks hash its locked closure (<crate>/cargo-closure.txt, written by the
// cargo-closure sync generator) instead of Cargo.lock. A bump followed by `nx sync` (which CI checks
// with `nx sync:check`) changes exactly the closures that hold the package. The bump is a real
// `cargo update --precise` (crates.io's index): a hand edit of Cargo.lock is put back by the
// `cargo metadata` that @monodon/rust runs while Nx builds its graph (seen while writing this).
// The plugin too: its generators test builds a generated Rust service against the workspace's lock.
for (const [name, version, expected] of [
  ['itoa', '1.0.14', ['@trading/nx-plugin', '@trading/source', 'dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'migrations']],
  [
    'proc-macro2',
    '1.0.100',
    ['@trading/nx-plugin', '@trading/source', 'dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'market-types', 'migrations'],
  ],
]) {
  test(`bumping ${name} in Cargo.lock affects exactly the crates that lock it, and their dependents`, () => {
    run(scratch.dir, 'cargo', ['update', '--quiet', '-p', name, '--precise', version]);
    try {
      // Without the daemon: its file watcher may not have seen the bump yet.
      const stale = tryRun(scratch.dir, 'npx', ['nx', 'sync:check'], { NX_DAEMON: 'false' });
      assert.notEqual(stale.code, 0, 'sync:check must fail while a closure is stale');
      assert.match(stale.out, /The locked Cargo dependency closures are stale after a Cargo.lock change: .*Run `npx nx sync`/);
      run(scratch.dir, 'npx', ['nx', 'sync'], { NX_DAEMON: 'false' });
      check(expected);
    } finally {
      restore();
    }
  });
}

// uv: each Python project locks its own environment (<project>/uv.lock, in its pythonSources).
for (const [file, name, expected] of [
  ['apps/agents/uv.lock', 'fastapi', ['agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'migrations']],
  ['libs/trading-core/uv.lock', 'pytest', ['agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']],
]) {
  test(`bumping ${name} in ${file} affects exactly its project and dependents`, () => {
    bumpLock(file, name);
    try {
      check(expected);
    } finally {
      restore();
    }
  });
}

test('precision and recall over the change matrix', () => {
  const precision = tally.tp / (tally.tp + tally.fp);
  const recall = tally.tp / (tally.tp + tally.fn);
  console.log(
    `affected over ${tally.cases} changes: precision ${precision.toFixed(3)} (${tally.fp} false positives), recall ${recall.toFixed(3)} (${tally.fn} false negatives)`,
  );
  assert.ok(tally.cases >= 24, `the whole matrix ran (${tally.cases} changes)`);
  assert.equal(tally.fn, 0);
  assert.equal(tally.fp, 0);
});
