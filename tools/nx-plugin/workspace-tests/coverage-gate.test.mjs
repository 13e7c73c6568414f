// @workspace-test uses=postgres
// The coverage gate through nx on real tests: removing the tests of a financial module makes
// `nx run agents:coverage` fail and name that module.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';

let scratch;
before(() => {
  scratch = scratchCopy();
});
after(() => scratch?.cleanup());

// A failure shows the output's end (where pytest and the gate say why): an assertion's own message
// would show only the start of a long output.
const tail = (out) => out.slice(-6000);

test('agents:coverage passes on the real tests', () => {
  const result = tryRun(scratch.dir, 'npx', ['nx', 'run', 'agents:coverage', '--output-style=static']);
  assert.equal(result.code, 0, tail(result.out));
  assert.match(result.out, /Coverage gate for agents: PASSED/, tail(result.out));
});

test('removing the VWAP tests fails the gate naming vwap.py', () => {
  rmSync(join(scratch.dir, 'apps/agents/tests/test_vwap.py'));
  const result = tryRun(scratch.dir, 'npx', ['nx', 'run', 'agents:coverage', '--output-style=static']);
  assert.notEqual(result.code, 0, 'agents:coverage should have failed');
  // The tests themselves pass: the gate, not a test, fails the run.
  assert.match(result.out, /nx run agents:test[\s\S]*={3,} \d+ passed/, tail(result.out));
  assert.match(result.out, /apps\/agents\/src\/agents\/finance\/vwap\.py: lines \d+\.\d+% is below 100%/, tail(result.out));
  assert.match(result.out, /Coverage gate for agents: FAILED/, tail(result.out));
});

test('the gate hashes the report it judges: a changed report is judged again, never answered with a cached pass', () => {
  const gate = (...flags) => tryRun(scratch.dir, 'npx', ['nx', 'run', 'market-types:coverage', '--output-style=static', ...flags]);
  const first = gate();
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /Coverage gate for market-types: PASSED/);
  // The report changes while nothing in the project does (as when a Cargo.lock bump re-runs the
  // tests): half of every file's lines uncovered.
  const report = join(scratch.dir, 'coverage/libs/market-types/lcov.info');
  writeFileSync(
    report,
    readFileSync(report, 'utf8').replace(/^LH:(\d+)$/gm, (_, hit) => `LH:${Math.floor(Number(hit) / 2)}`),
  );
  const judged = gate('--excludeTaskDependencies');
  assert.doesNotMatch(judged.out, /nx run market-types:coverage.*(local cache|existing outputs)/, judged.out);
  assert.notEqual(judged.code, 0);
  assert.match(judged.out, /Coverage gate for market-types: FAILED/);
});

// Issue 19: patch coverage. A change whose new lines no test runs, in each language, fails the
// gate of its project on those lines (`--patchBase`, in CI $NX_BASE from nx-set-shas), naming them.
test('patch coverage: new lines no test runs fail the gate of each language, named by file and line', () => {
  const append = (file, text) => writeFileSync(join(scratch.dir, file), readFileSync(join(scratch.dir, file), 'utf8') + text);
  append(
    'libs/trading-core/src/trading_core/types.py',
    '\n\ndef clamp_quantity(quantity: Decimal, limit: Decimal) -> Decimal:\n    if quantity > limit:\n        return limit\n    return quantity\n',
  );
  append('libs/market-types/src/side.rs', '\n/// Twice the quantity (no test calls it).\npub fn doubled(quantity: i64) -> i64 {\n    quantity * 2\n}\n');
  append(
    'libs/api-client/src/lib/api-error.ts',
    '\nexport function describeApiError(error: ApiError): string {\n  return `${error.reason}: ${error.message}`;\n}\n',
  );
  run(scratch.dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', 'untested additions']);
  const result = tryRun(scratch.dir, 'npx', [
    'nx',
    'run-many',
    '-t',
    'coverage',
    '-p',
    'trading-core',
    'market-types',
    'api-client',
    '--patchBase=HEAD~1',
    '--output-style=static',
  ]);
  assert.notEqual(result.code, 0, result.out);
  for (const [project, file] of [
    ['trading-core', 'libs/trading-core/src/trading_core/types.py'],
    ['market-types', 'libs/market-types/src/side.rs'],
    ['api-client', 'libs/api-client/src/lib/api-error.ts'],
  ]) {
    assert.match(
      result.out,
      new RegExp(`patch: not run by any test: ${file.replace(/\./g, '\\.')} line\\(s\\) \\d+`),
      `${project}\n${result.out.slice(-6000)}`,
    );
    assert.match(result.out, new RegExp(`Coverage gate for ${project}: FAILED`));
  }
  assert.match(result.out, /patch \(lines changed since HEAD~1\): lines \d+\.\d\d% is below 90%/);
});
