// @workspace-test cached
// The main job's summary lines (scripts/main-summary.mjs) from the reports its steps write.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

test('a missing or malformed report, or an unknown kind, is an error naming it, exit 1', () => {
  const bad = file('bad.json', '{ not json');
  for (const [args, message] of [
    [['coverage', bad], /bad\.json: not a readable coverage report/],
    [['images', join(dir, 'missing.json')], /missing\.json: not a readable images report \(ENOENT/],
    [['load', file('empty.json', {})], /empty\.json: not a readable load report/],
    [['sizes'], /unknown report kind "sizes": one of coverage, images, load/],
  ]) {
    const result = tryRun(repoRoot, 'node', ['scripts/main-summary.mjs', ...args]);
    assert.equal(result.code, 1, result.out);
    assert.match(result.out, message);
  }
});
