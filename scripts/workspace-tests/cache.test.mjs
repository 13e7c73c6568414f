// @workspace-test cached
// Caching: a second run replays every task from the local cache, and a change to a library
// re-runs its dependents' tasks while the rest still come from the cache.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy } from '../../tools/workspace-tests/scratch.mjs';

const projects = 'trading-core,agents,api-client';
let scratch;

before(() => {
  scratch = scratchCopy();
});
after(() => scratch?.cleanup());

/** Run lint and test; return { task: 'cache' | 'ran' } from Nx's static output. */
function runTasks() {
  const out = run(scratch.dir, 'npx', ['nx', 'run-many', '-t', 'lint', 'test', '-p', projects, '--output-style=static']);
  const tasks = {};
  for (const match of out.matchAll(/> nx run (\S+)(.*)$/gm)) {
    tasks[match[1]] = /local cache|remote cache|existing outputs match the cache/.test(match[2]) ? 'cache' : 'ran';
  }
  return tasks;
}

test('a cold run executes every task, a second run replays them all', () => {
  const cold = runTasks();
  assert.equal(Object.keys(cold).length, 6, JSON.stringify(cold));
  assert.ok(Object.values(cold).every((s) => s === 'ran'), JSON.stringify(cold));
  const warm = runTasks();
  assert.deepEqual(Object.keys(warm).sort(), Object.keys(cold).sort());
  assert.ok(Object.values(warm).every((s) => s === 'cache'), JSON.stringify(warm));
});

test('changing trading-core re-runs trading-core and agents only', () => {
  appendFileSync(join(scratch.dir, 'libs/trading-core/src/trading_core/types.py'), '\n\nTOUCHED = True\n');
  const after = runTasks();
  assert.deepEqual(after, {
    'agents:lint': 'cache',
    'agents:test': 'ran',
    'api-client:lint': 'cache',
    'api-client:test': 'cache',
    'trading-core:lint': 'ran',
    'trading-core:test': 'ran',
  });
});
