// Affected precision: touching one file in each library and app selects exactly its dependents.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy } from './scratch.mjs';

// The `deploy` project depends on every deployed service, so a service change affects it too.
const cases = [
  ['libs/trading-core/src/trading_core/money.py', '# touched\n', ['agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']],
  ['libs/market-types/src/fixed.rs', '// touched\n', ['dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'market-types']],
  ['libs/api-client/src/lib/client.ts', '// touched\n', ['api-client', 'dashboard', 'dashboard-e2e', 'deploy']],
  ['apps/agents/src/agents/agent.py', '# touched\n', ['agents', 'dashboard-e2e', 'deploy', 'flow-integration']],
  ['apps/execution-engine/src/book.rs', '// touched\n', ['dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration']],
  // The integration tests across agents and engine depend on both, and nothing depends on them.
  ['apps/flow-integration/specs/flow.test.mjs', '// touched\n', ['flow-integration']],
  // The helpers that start the services as processes: every test project that uses them.
  // (and the root project, whose workspace tests import them too)
  ['tools/testing/local-services.mjs', '// touched\n', ['@trading/source', 'dashboard-e2e', 'flow-integration', 'local-services']],
  // A service's API document is a project of its own: the client (and the dashboard) depends on it,
  // and the service, whose test checks it is current. A change inside the service leaves them alone.
  ['apps/agents/api/openapi.json', '\n', ['agents', 'agents-api', 'api-client', 'dashboard', 'dashboard-e2e', 'deploy', 'flow-integration']],
  ['apps/execution-engine/api/openapi.json', '\n', ['api-client', 'dashboard', 'dashboard-e2e', 'deploy', 'execution-engine', 'execution-engine-api', 'flow-integration']],
  ['apps/dashboard/lib/format.ts', '// touched\n', ['dashboard', 'dashboard-e2e', 'deploy']],
  ['apps/cache-server/src/hash.ts', '// touched\n', ['cache-server', 'deploy']],
  ['tools/deploy/services/agents.yaml', '# touched\n', ['deploy']],
  // Issue 19: a toolchain pin affects its own ecosystem's projects and their dependents only (and the
  // root project, which owns it).
  ['.python-version', '# touched\n', ['@trading/source', 'agents', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core']],
  ['rust-toolchain.toml', '# touched\n', ['@trading/source', 'dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration', 'market-types']],
  ['.nvmrc', '\n', ['@trading/nx-plugin', '@trading/source', 'api-client', 'cache-server', 'dashboard', 'dashboard-e2e', 'deploy', 'flow-integration', 'local-cluster', 'local-services']],
  // Issue 19: a change to one of our executors affects the projects whose targets run it (and the
  // root project, which depends on the plugin it loads).
  ['tools/nx-plugin/src/release/planner.ts', '// touched\n', ['@trading/nx-plugin', '@trading/source', 'deploy']],
  ['tools/nx-plugin/src/executors/rollback/lib/run-rollback.ts', '// touched\n', ['@trading/nx-plugin', '@trading/source', 'deploy']],
  ['tools/nx-plugin/src/executors/docker-build/lib/build-command.ts', '// touched\n',
    ['@trading/nx-plugin', '@trading/source', 'agents', 'cache-server', 'dashboard', 'dashboard-e2e', 'deploy', 'execution-engine', 'flow-integration']],
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

test('no change affects nothing', () => {
  assert.deepEqual(affected(), []);
});

for (const [file, line, expected] of cases) {
  test(`touching ${file} affects exactly ${expected.join(', ')}`, () => {
    appendFileSync(join(scratch.dir, file), line);
    try {
      assert.deepEqual(affected(), expected);
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
  writeFileSync(file, JSON.stringify({ ...lock, packages: { ...lock.packages, 'node_modules/next': { ...next, version: `${next.version}-bumped` } } }, null, 2) + '\n');
  try {
    assert.deepEqual(affected(), ['@trading/source', 'dashboard', 'dashboard-e2e', 'deploy']);
  } finally {
    run(scratch.dir, 'git', ['checkout', '--', 'package-lock.json']);
  }
});
