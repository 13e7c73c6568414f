// @workspace-test cached
// What test-all prints at its end: the workspace tests' task times from Nx's profile
// (scripts/task-times.mjs) and the tests counted from their JUnit reports (scripts/test-totals.mjs).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { taskTimes } from '../task-times.mjs';
import { failures, totals } from '../test-totals.mjs';
import { repoRoot, tryRun } from '../../tools/workspace-tests/scratch.mjs';

const dir = mkdtempSync(join(tmpdir(), 'run-reports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('task times: slowest first, their sum, the wall time and the side-by-side speed-up', () => {
  const s = 1e6;
  const events = [
    { ph: 'X', name: 'a:workspace-test--x', ts: 0, dur: 30 * s, args: { status: 'success' } },
    { ph: 'X', name: 'b:workspace-test--y', ts: 10 * s, dur: 50 * s, args: { status: 'failure' } },
    { ph: 'B', name: 'not a task', ts: 0 },
  ];
  const { tasks, sum, wall, speedup } = taskTimes(events);
  assert.deepEqual(
    tasks.map((t) => [t.task, t.seconds, t.status]),
    [
      ['b:workspace-test--y', 50, 'failure'],
      ['a:workspace-test--x', 30, 'success'],
    ],
  );
  assert.equal(sum, 80);
  assert.equal(wall, 60);
  assert.equal(speedup.toFixed(3), '1.333');
  assert.deepEqual(taskTimes([]), { tasks: [], sum: 0, wall: 0, speedup: 1 });
});

test("test totals: from the runner's own counts in each JUnit report; a foreign report is refused", () => {
  const report = (pass, fail, skipped) =>
    `<testsuites>\n<!-- tests ${pass + fail} -->\n<!-- pass ${pass} -->\n<!-- fail ${fail} -->\n<!-- cancelled 0 -->\n<!-- skipped ${skipped} -->\n<!-- todo 0 -->\n</testsuites>`;
  assert.deepEqual(totals([report(3, 0, 1), report(2, 1, 0)]), { pass: 5, fail: 1, skipped: 1, todo: 0, cancelled: 0 });
  assert.throws(() => totals(['<testsuites><testcase/></testsuites>']), /no "pass" count/);
  mkdirSync(join(dir, 'a/b'), { recursive: true });
  writeFileSync(join(dir, 'a/b/one.xml'), report(4, 0, 0));
  writeFileSync(join(dir, 'two.xml'), report(1, 1, 2));
  const result = tryRun(repoRoot, 'node', ['scripts/test-totals.mjs', 'workspace-tests', dir]);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /^workspace-tests: 5 passed, 1 failed, 2 skipped$/m);
  const none = tryRun(repoRoot, 'node', ['scripts/test-totals.mjs', 'workspace-tests', join(dir, 'missing')]);
  assert.equal(none.code, 1);
  assert.match(none.out, /no JUnit report under/);
});

test("failed tests are named with their message's start and end, from a real report of Node's test runner", () => {
  const file = join(dir, 'fails.test.mjs');
  const long = Array.from({ length: 100 }, (_, i) => `output line ${i}`).join('\\n');
  writeFileSync(
    file,
    `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n` +
      `test('a "quoted" <name> & more', () => assert.equal(1, 2, 'exit code 1\\n${long}'));\ntest('passes', () => {});\n`,
  );
  const report = join(dir, 'reports/fails.xml');
  mkdirSync(join(dir, 'reports'), { recursive: true });
  // Its own run of the test runner, not a subtest of this one (which NODE_TEST_CONTEXT would make it).
  const run = tryRun('/', 'env', ['-u', 'NODE_TEST_CONTEXT', 'node', '--test', '--test-reporter=junit', `--test-reporter-destination=${report}`, file]);
  assert.equal(run.code, 1, run.out);
  const [failed, ...rest] = failures(readFileSync(report, 'utf8'));
  assert.deepEqual(rest, []);
  assert.equal(failed.name, 'a "quoted" <name> & more');
  assert.equal(failed.file, file);
  const lines = failed.message.split('\n');
  assert.equal(lines.length, 40);
  assert.equal(lines[0], 'exit code 1');
  assert.match(lines[5], /^\[… \d+ lines …\]$/);
  assert.match(failed.message, /output line 99\n\n1 !== 2$/, 'the end of the output is kept');
  const result = tryRun(repoRoot, 'node', ['scripts/test-totals.mjs', 'workspace-tests', join(dir, 'reports')]);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /^FAILED: a "quoted" <name> & more\n {2}in .*fails\.test\.mjs\n {2}\| exit code 1$/m);
  assert.match(result.out, /workspace-tests: 1 passed, 1 failed, 0 skipped\n$/);
});
