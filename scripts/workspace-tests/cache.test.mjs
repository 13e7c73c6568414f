// @workspace-test uses=postgres cached
// Caching: a second run replays every task from the local cache, and a change to a library
// re-runs its dependents' tasks while the rest still come from the cache. It uses the local
// PostgreSQL (the agents' tests it runs keep their state there): its shared lock keeps the
// database's own test, which restarts the server, from running meanwhile (full16: "terminating
// connection due to administrator command" in test_state_postgres).
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
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
  // Lint and test of each, and the agents' migrations lint, which their lint depends on.
  assert.equal(Object.keys(cold).length, 7, JSON.stringify(cold));
  assert.equal(cold['agents:migrations-lint'], 'ran');
  assert.ok(
    Object.values(cold).every((s) => s === 'ran'),
    JSON.stringify(cold),
  );
  const warm = runTasks();
  assert.deepEqual(Object.keys(warm).sort(), Object.keys(cold).sort());
  assert.ok(
    Object.values(warm).every((s) => s === 'cache'),
    JSON.stringify(warm),
  );
});

test('changing trading-core re-runs trading-core and agents only', () => {
  appendFileSync(join(scratch.dir, 'libs/trading-core/src/trading_core/types.py'), '\n\nTOUCHED = True\n');
  const after = runTasks();
  assert.deepEqual(after, {
    'agents:lint': 'cache',
    'agents:migrations-lint': 'cache',
    'agents:test': 'ran',
    'api-client:lint': 'cache',
    'api-client:test': 'cache',
    'trading-core:lint': 'ran',
    'trading-core:test': 'ran',
  });
});

// Issue 29: a project's workspace tests are no production input of the project. Before, a change
// to one (*.test.mjs escaped the spec/test pattern) re-ran every dependent task that hashes
// ^production. The probe: a project of the scratch copy depending on the engine, whose one cached
// target hashes only ^production.
test("a change to the engine's workspace test re-runs no task hashing its production files; a change to its source does", () => {
  mkdirSync(join(scratch.dir, 'libs/probe'), { recursive: true });
  writeFileSync(
    join(scratch.dir, 'libs/probe/project.json'),
    JSON.stringify({
      name: 'probe',
      root: 'libs/probe',
      implicitDependencies: ['execution-engine'],
      targets: { hash: { command: 'node -e 0', cache: true, inputs: ['^production'] } },
    }),
  );
  const probe = () => {
    const out = run(scratch.dir, 'npx', ['nx', 'run', 'probe:hash', '--output-style=static']);
    return /local cache|existing outputs match the cache/.test(out) ? 'cache' : 'ran';
  };
  assert.equal(probe(), 'ran', 'first run');
  assert.equal(probe(), 'cache', 'nothing changed');
  appendFileSync(join(scratch.dir, 'apps/execution-engine/workspace-tests/order-integrity.test.mjs'), '// changed\n');
  assert.equal(probe(), 'cache', 'a workspace test of the engine changed: replayed');
  appendFileSync(join(scratch.dir, 'apps/execution-engine/src/main.rs'), '// changed\n');
  assert.equal(probe(), 'ran', "the engine's source changed: run again");
});

// Issue 29: a workspace test whose outcome is its inputs' is replayed until one of them changes; one
// that drives the shared stack is never replayed.
test('a cacheable workspace test replays until a declared input changes; one that drives the stack always runs', () => {
  const scratchTest = () => {
    const out = run(scratch.dir, 'npx', ['nx', 'run', 'workspace-testing:workspace-test--scratch', '--output-style=static']);
    assert.match(out, /Successfully ran target workspace-test--scratch/);
    return /local cache|existing outputs match the cache/.test(out) ? 'cache' : 'ran';
  };
  assert.equal(scratchTest(), 'ran', 'first run');
  assert.equal(scratchTest(), 'cache', 'nothing changed: replayed');
  appendFileSync(join(scratch.dir, 'apps/dashboard/lib/format.ts'), '// not an input of the helpers\n');
  assert.equal(scratchTest(), 'cache', 'a file outside its inputs changed: replayed');
  for (const input of ['tools/workspace-tests/scratch.mjs', 'tools/workspace-tests/scratch.test.mjs']) {
    appendFileSync(join(scratch.dir, input), '// changed\n');
    assert.equal(scratchTest(), 'ran', `${input} changed: run again`);
    assert.equal(scratchTest(), 'cache', `${input} changed once: replayed after`);
  }
  // database:workspace-test--postgres drives the live database server (stops and starts it): run
  // each time (nested, it only says so; that line is not asserted: a process this short can exit
  // before Nx's terminal has read it).
  for (let round = 1; round <= 2; round += 1) {
    const out = run(scratch.dir, 'npx', ['nx', 'run', 'database:workspace-test--postgres', '--output-style=static'], { TEST_ALL_NESTED: 'skip' });
    assert.match(out, /Successfully ran target workspace-test--postgres[\s\S]*Cache: +0\/1 hit/, `round ${round}`);
    assert.doesNotMatch(out, /local cache|existing outputs match the cache/, `round ${round}`);
  }
});

// A cached test of the stack hashes the scripts of the parts it uses and the digest of each image it
// runs (read from its record at hash time): a new image or a changed cluster script runs it again.
// Its project's other test files are not its inputs: editing one runs that test, not this one.
test("a cached deploy test re-runs when its own file, its project's source, a helper it imports, its stack part's scripts or its image's digest change, and only then", () => {
  const deployTest = () => {
    const out = run(scratch.dir, 'npx', ['nx', 'run', '@trading/nx-plugin:workspace-test--deploy', '--output-style=static'], { TEST_ALL_NESTED: 'skip' });
    assert.match(out, /Successfully ran target workspace-test--deploy/);
    return /local cache|existing outputs match the cache/.test(out) ? 'cache' : 'ran';
  };
  const record = (digest) => {
    mkdirSync(join(scratch.dir, 'dist/execution-engine'), { recursive: true });
    writeFileSync(
      join(scratch.dir, 'dist/execution-engine/image.json'),
      JSON.stringify({
        project: 'execution-engine',
        reference: `127.0.0.1:5000/trading/execution-engine@sha256:${digest.repeat(64)}`,
        created: new Date().toISOString(),
      }),
    );
  };
  record('a');
  assert.equal(deployTest(), 'ran', 'first run');
  record('a');
  assert.equal(deployTest(), 'cache', 'the same image recorded again: replayed');
  record('b');
  assert.equal(deployTest(), 'ran', 'another image: run again');
  appendFileSync(join(scratch.dir, 'tools/nx-plugin/workspace-tests/slo.test.mjs'), '// another test of the project\n');
  assert.equal(deployTest(), 'cache', 'another workspace test of its project changed: replayed');
  // The helper modules of its folder: an input of the tests that import them (slo.test.mjs imports
  // slo-fixture.mjs), not of the others.
  const sloTest = () => {
    const out = run(scratch.dir, 'npx', ['nx', 'run', '@trading/nx-plugin:workspace-test--slo', '--output-style=static'], { TEST_ALL_NESTED: 'skip' });
    return /local cache|existing outputs match the cache/.test(out) ? 'cache' : 'ran';
  };
  sloTest();
  assert.equal(sloTest(), 'cache', 'nothing changed: replayed');
  appendFileSync(join(scratch.dir, 'tools/nx-plugin/workspace-tests/slo-fixture.mjs'), "// the SLO tests' helper\n");
  assert.equal(deployTest(), 'cache', 'a helper of its folder that it does not import changed: replayed');
  assert.equal(sloTest(), 'ran', 'a helper it imports changed: run again');
  appendFileSync(join(scratch.dir, 'tools/nx-plugin/src/release/plan/planner.spec.ts'), '// a unit test\n');
  assert.equal(deployTest(), 'cache', "a unit test of its project changed: replayed (the project's test target judges it)");
  appendFileSync(join(scratch.dir, 'tools/nx-plugin/src/release/plan/planner.ts'), '// changed\n');
  assert.equal(deployTest(), 'ran', "its project's source changed: run again");
  appendFileSync(join(scratch.dir, 'tools/nx-plugin/workspace-tests/deploy.test.mjs'), '// changed\n');
  assert.equal(deployTest(), 'ran', 'its own file changed: run again');
  appendFileSync(join(scratch.dir, 'tools/prometheus/prometheus.sh'), '# not a part it uses\n');
  assert.equal(deployTest(), 'cache', 'a script of a part it does not use changed: replayed');
  appendFileSync(join(scratch.dir, 'tools/nx-plugin/README.md'), '\nA sentence for people.\n');
  assert.equal(deployTest(), 'cache', "its project's Markdown changed: replayed (read by people, not by the test)");
  appendFileSync(join(scratch.dir, 'tools/local-cluster/workspace-tests/local-cluster.test.mjs'), "// the cluster's own test\n");
  assert.equal(deployTest(), 'cache', "the cluster's own workspace test changed: replayed (a test of the part, not its scripts)");
  appendFileSync(join(scratch.dir, 'tools/local-cluster/cluster.sh'), '# changed\n');
  assert.equal(deployTest(), 'ran', "the cluster's script changed: run again");
});
