// The coverage gate through nx on real tests: removing the tests of a financial module makes
// `nx run agents:coverage` fail and name that module.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy, tryRun } from './scratch.mjs';

let scratch;
before(() => {
  scratch = scratchCopy();
});
after(() => scratch?.cleanup());

test('agents:coverage passes on the real tests', () => {
  const out = run(scratch.dir, 'npx', ['nx', 'run', 'agents:coverage', '--output-style=static']);
  assert.match(out, /Coverage gate for agents: PASSED/);
});

test('removing the VWAP tests fails the gate naming vwap.py', () => {
  rmSync(join(scratch.dir, 'apps/agents/tests/test_vwap.py'));
  let failure;
  try {
    run(scratch.dir, 'npx', ['nx', 'run', 'agents:coverage', '--output-style=static']);
  } catch (error) {
    failure = error;
  }
  assert.ok(failure, 'agents:coverage should have failed');
  const output = `${failure.stdout}${failure.stderr}`;
  assert.match(output, /apps\/agents\/src\/agents\/finance\/vwap\.py: lines \d+\.\d+% is below 100%/);
  assert.match(output, /Coverage gate for agents: FAILED/);
});

test('the gate hashes the report it judges: a changed report is judged again, never answered with a cached pass', () => {
  const gate = (...flags) => tryRun(scratch.dir, 'npx', ['nx', 'run', 'market-types:coverage', '--output-style=static', ...flags]);
  const first = gate();
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /Coverage gate for market-types: PASSED/);
  // The report changes while nothing in the project does (as when a Cargo.lock bump re-runs the
  // tests): half of every file's lines uncovered.
  const report = join(scratch.dir, 'coverage/libs/market-types/lcov.info');
  writeFileSync(report, readFileSync(report, 'utf8').replace(/^LH:(\d+)$/gm, (_, hit) => `LH:${Math.floor(Number(hit) / 2)}`));
  const judged = gate('--excludeTaskDependencies');
  assert.doesNotMatch(judged.out, /nx run market-types:coverage.*(local cache|existing outputs)/, judged.out);
  assert.notEqual(judged.code, 0);
  assert.match(judged.out, /Coverage gate for market-types: FAILED/);
});
