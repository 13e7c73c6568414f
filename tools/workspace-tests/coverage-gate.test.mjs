// The coverage gate through nx on real tests: removing the tests of a financial module makes
// `nx run agents:coverage` fail and name that module.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy } from './scratch.mjs';

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
