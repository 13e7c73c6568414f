// @workspace-test cached
// The main job's summary lines (scripts/main-summary.mjs) from the reports its steps write.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { summarise } from '../main-summary.mjs';
import { repoRoot, tryRun } from '../../tools/workspace-tests/scratch.mjs';

const dir = mkdtempSync(join(tmpdir(), 'main-summary-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name, value) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

test('coverage: pass or FAIL per project with the measures it has', () => {
  const gate = file('gate.json', { project: 'agents', passed: true, totals: { lines: { covered: 923, total: 1000 }, functions: { covered: 1, total: 3 } } });
  const failed = file('failed.json', { project: 'api-client', passed: false, totals: { lines: { covered: 0, total: 0 } } });
  assert.deepEqual(summarise('coverage', [gate, failed]), [
    `  ${'agents'.padEnd(20)} pass  lines 92.3%, functions 33.3%`,
    `  ${'api-client'.padEnd(20)} FAIL  lines 0.0%`,
  ]);
});

test('images and load figures, one line each', () => {
  const image = file('image.json', { project: 'execution-engine', sizeBytes: 31_456_789, reference: '127.0.0.1:5000/trading/execution-engine@sha256:ab' });
  assert.deepEqual(summarise('images', [image]), [`  ${'execution-engine'.padEnd(18)}   31.5 MB  127.0.0.1:5000/trading/execution-engine@sha256:ab`]);
  const load = file('load.json', {
    project: 'agents',
    config: { rate: 1000, users: 1000 },
    results: [{ path: '/api/orders', verdict: 'pass', figures: { achievedRate: 999.9, p50Ms: 0.4, p95Ms: 1.2, p99Ms: 9, errors: 0 } }],
  });
  assert.deepEqual(summarise('load', [load]), [
    `  load ${'agents'.padEnd(17)} ${'/api/orders'.padEnd(22)} PASS    999.9 req/s of 1000, 1000 users: p50 0.4 ms, p95 1.2 ms, p99 9 ms, 0 errors`,
  ]);
  assert.deepEqual(summarise('load', []), []);
});

test("tests: counted from each runner's report (JUnit, Jest's results, cargo test's output), per project and in total", () => {
  mkdirSync(join(dir, 'coverage/apps/agents'), { recursive: true });
  mkdirSync(join(dir, 'coverage/apps/execution-engine'), { recursive: true });
  mkdirSync(join(dir, 'coverage/libs/api-client'), { recursive: true });
  mkdirSync(join(dir, 'reports/e2e/dashboard'), { recursive: true });
  // pytest's JUnit: one suite, a failure, an error and a skip among five cases.
  const pytest = file(
    'coverage/apps/agents/junit.xml',
    '<?xml version="1.0"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5">' +
      '<testcase classname="t" name="a"/><testcase classname="t" name="b"><failure message="x">x</failure></testcase>' +
      '<testcase classname="t" name="c"><error message="e"/></testcase><testcase classname="t" name="d"><skipped message="s"/></testcase>' +
      '<testcase classname="t" name="e" time="0.1"></testcase></testsuite></testsuites>',
  );
  const jest = file('coverage/libs/api-client/jest-results.json', {
    numPassedTests: 19,
    numFailedTests: 1,
    numPendingTests: 2,
    numTodoTests: 1,
    numRuntimeErrorTestSuites: 1,
  });
  // cargo test prints one result line per test binary (unit tests, each integration test, doc tests).
  const cargo = file(
    'coverage/apps/execution-engine/cargo-test.log',
    'running 40 tests\ntest result: ok. 40 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.31s\n' +
      'running 3 tests\ntest result: FAILED. 1 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n',
  );
  const playwright = file(
    'reports/e2e/dashboard/junit.xml',
    '<testsuites tests="3"><testsuite name="dashboard.spec.ts"><testcase name="p"></testcase><testcase name="q"><skipped/></testcase><testcase name="r"/></testsuite></testsuites>',
  );
  const lines = summarise('tests', [pytest, cargo, jest, playwright]);
  assert.deepEqual(lines, [
    `  ${'apps/agents'.padEnd(24)}     2 passed, 2 failed, 1 skipped  (junit)`,
    `  ${'apps/execution-engine'.padEnd(24)}    41 passed, 2 failed, 1 skipped  (cargo test)`,
    `  ${'libs/api-client'.padEnd(24)}    19 passed, 2 failed, 3 skipped  (jest)`,
    `  ${'e2e/dashboard'.padEnd(24)}     2 passed, 0 failed, 1 skipped  (junit)`,
    `  ${'total'.padEnd(24)}    64 passed, 6 failed, 6 skipped`,
  ]);
  assert.deepEqual(summarise('tests', []), []);
});

test('a missing or malformed report, or an unknown kind, is an error naming it, exit 1', () => {
  const bad = file('bad.json', '{ not json');
  for (const [args, message] of [
    [['coverage', bad], /bad\.json: not a readable coverage report/],
    [['images', join(dir, 'missing.json')], /missing\.json: not a readable images report \(ENOENT/],
    [['load', file('empty.json', {})], /empty\.json: not a readable load report/],
    [['sizes'], /unknown report kind "sizes": one of coverage, images, load, tests/],
    [['tests', file('notes.txt', 'hello')], /notes\.txt: not a readable tests report \(not a report this summary reads/],
    [
      ['tests', file('cargo-test.log', 'running 3 tests\nerror: test failed, to rerun pass `--lib`\n')],
      /cargo-test\.log: not a readable tests report \(no "test result" line/,
    ],
    [['tests', file('jest-results.json', { coverageMap: {} })], /jest-results\.json: not a readable tests report \(no numPassedTests/],
  ]) {
    const result = tryRun(repoRoot, 'node', ['scripts/main-summary.mjs', ...args]);
    assert.equal(result.code, 1, result.out);
    assert.match(result.out, message);
  }
});

test("soak: each service's verdict beside what the load hook's clients saw, the failures no pod's metrics hold named", () => {
  const log = file(
    'deploy.log',
    [
      '[agents] switch traffic (none) -> blue',
      '[agents] load: traffic agents/api/positions: 592 requests, 9 failed {"200":583,"503":2,"ECONNREFUSED":7}',
      '[agents] soak passed after 6 round(s): error-rate: last 0.00%, fail > 1.00%, 0/6 failed; p95-latency: last 5 ms, fail > 500 ms, 0/6 failed',
      '[dashboard] load: traffic dashboard/: 595 requests, 0 failed {"200":595}',
      '[dashboard] rolled back: soak analysis failed in round 2: load-error-rate: last 3.10%, fail > 1.00%. Traffic is back on blue',
      '[engine] live on blue',
    ].join('\n'),
  );
  assert.deepEqual(summarise('soak', [log]), [
    `  ${'agents'.padEnd(18)} soak passed after 6 round(s), error rate 0.00%, p95 5 ms`,
    `  ${''.padEnd(18)} load hook's clients: 592 requests, 9 failed (1.52%); 2 HTTP 503 (answered by a pod: in its metrics); 7 ECONNREFUSED (no pod answered: in no pod's metrics, only here)`,
    `  ${'dashboard'.padEnd(18)} rolled back, error rate 3.10%`,
    `  ${''.padEnd(18)} load hook's clients: 595 requests, 0 failed (0.00%)`,
  ]);
  assert.throws(() => summarise('soak', [file('empty.log', 'nothing here\n')]), /empty\.log: not a readable deploy log \(no service lines/);
});
