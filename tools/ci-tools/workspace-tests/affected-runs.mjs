// What a CI run ran, read from Nx's output ("> nx run project:target"): a trading-core change's,
// through the sharded entry points run directly (workflows.test.mjs), and a cache server change's,
// through ci.yml under act (act-ci.test.mjs).
import assert from 'node:assert/strict';

/** Every task the output shows Nx running, once each, sorted. */
export const ranTasks = (out) => [...new Set([...out.matchAll(/> nx run ([\w@/.-]+:[\w-]+)/g)].map((m) => m[1]))].sort();
/** The projects of those tasks. */
export const ranProjects = (out) => [...new Set(ranTasks(out).map((task) => task.split(':')[0]))].sort();

/**
 * The affected projects a change to trading-core runs tasks of (its dependents: the agents, their
 * integration tests with the engine, the dashboard's e2e tests, which build the dashboard first, and
 * deploy's workspace test of the deployed services), and the two tasks outside them, dependencies
 * of theirs, replayed from the cache or built: the engine's debug build, which the flow integration
 * and the dashboard e2e start as a process (none of the engine's own tests), and the release
 * model's build, which the dashboard's build depends on (none of the model's own tests).
 */
export const AFFECTED_BY_MONEY = ['agents', 'dashboard', 'dashboard-e2e', 'deploy', 'flow-integration', 'trading-core'];
const DEPENDENCY_TASKS = ['execution-engine:build-debug', 'release-model:build'];
export function assertRanAffectedByMoney(out, message) {
  assert.deepEqual(ranProjects(out), [...AFFECTED_BY_MONEY, 'execution-engine', 'release-model'].sort(), message);
  assert.deepEqual(
    ranTasks(out).filter((task) => task.startsWith('execution-engine:') || task.startsWith('release-model:')),
    DEPENDENCY_TASKS,
    message,
  );
}

/**
 * A change to the cache server's source runs tasks of it, of deploy (whose workspace test deploys
 * it), of ci-tools (its workflow tests and the DAST run the cache server: their inputs hash its
 * source, and Nx counts a project whose target hashes a changed file as affected) and of the
 * workspace root's project (its tests import ci-tools' helpers); of the engine only the debug build
 * the DAST test starts. No library, no other service.
 */
export const AFFECTED_BY_CACHE_SERVER = ['@trading/source', 'cache-server', 'ci-tools', 'deploy'];
export function assertRanAffectedByCacheServer(out, message) {
  assert.deepEqual(ranProjects(out), [...AFFECTED_BY_CACHE_SERVER, 'execution-engine'].sort(), message ?? ranTasks(out).join(' '));
  assert.deepEqual(
    ranTasks(out).filter((task) => task.startsWith('execution-engine:')),
    ['execution-engine:build-debug'],
    message,
  );
}
