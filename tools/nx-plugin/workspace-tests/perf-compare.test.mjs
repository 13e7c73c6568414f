// @workspace-test quiet needs=execution-engine:build-debug
// Performance regression detection, side by side, through nx against real engines: a candidate with
// a planted 30% slowdown is flagged, an unchanged one is not; each five times, false positives and
// negatives counted and printed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildEngine, startEngine } from '../../testing/local-services.mjs';
import { repoRoot, tryRun } from '../../workspace-tests/scratch.mjs';

// Both releases answer in about 20 ms (planted delay); the slow candidate in 26 ms: 30% slower.
const BASE_DELAY_MS = '20';
const SLOW_DELAY_MS = '26';
const RUNS = 5;
const engines = {};
before(async () => {
  buildEngine();
  engines.live = await startEngine(undefined, { FAULT_DELAY_MS: BASE_DELAY_MS });
  engines.same = await startEngine(undefined, { FAULT_DELAY_MS: BASE_DELAY_MS });
  engines.slow = await startEngine(undefined, { FAULT_DELAY_MS: SLOW_DELAY_MS });
});
after(async () => Promise.all(Object.values(engines).map((e) => e.stop())));

const compare = (candidate) =>
  tryRun(repoRoot, 'npx', [
    'nx',
    'run',
    'execution-engine:perf-compare',
    '--output-style=static',
    `--baselineUrl=${engines.live.url}`,
    `--candidateUrl=${candidate.url}`,
  ]);
const report = () => JSON.parse(readFileSync(join(repoRoot, 'reports/perf/execution-engine.json'), 'utf8')).comparison;

test(`a planted 30% slowdown is flagged and an unchanged release is not (${RUNS} runs each)`, () => {
  const outcomes = { slow: [], same: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['slow', 'same']) {
      const result = compare(engines[kind]);
      const comparison = report();
      outcomes[kind].push({ failed: result.code !== 0, ratio: comparison.ratio, p: comparison.pGreater });
      assert.equal(result.code !== 0, comparison.regression, result.out.slice(-2000));
    }
  }
  const falseNegatives = outcomes.slow.filter((o) => !o.failed).length;
  const falsePositives = outcomes.same.filter((o) => o.failed).length;
  const fmt = (os) => os.map((o) => `${o.ratio.toFixed(3)} (p ${o.p.toExponential(1)})`).join(', ');
  console.log(
    `perf-compare: slowed candidate median ratios ${fmt(outcomes.slow)}; unchanged ${fmt(outcomes.same)}; false negatives ${falseNegatives}/${RUNS}, false positives ${falsePositives}/${RUNS}`,
  );
  assert.equal(falseNegatives, 0);
  assert.equal(falsePositives, 0);
});

test('both URLs are required, and a failing candidate is a regression', async () => {
  const none = tryRun(repoRoot, 'npx', ['nx', 'run', 'execution-engine:perf-compare', '--output-style=static'], {
    PERF_BASELINE_URL: '',
    PERF_CANDIDATE_URL: '',
  });
  assert.notEqual(none.code, 0);
  assert.match(none.out, /give both releases: --baselineUrl \(the live one\) and --candidateUrl/);
  const failing = await startEngine(undefined, { FAULT_ERROR_RATE: '0.2' });
  try {
    const result = tryRun(repoRoot, 'npx', [
      'nx',
      'run',
      'execution-engine:perf-compare',
      '--output-style=static',
      `--baselineUrl=${engines.live.url}`,
      `--candidateUrl=${failing.url}`,
      '--rounds=2',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.out, /REGRESSION: the candidate failed \d+ of 100 requests/);
  } finally {
    await failing.stop();
  }
});
