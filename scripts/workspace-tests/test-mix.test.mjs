// @workspace-test cached
// The test pyramid report counts each kind where it lives, and adds up.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tryRun } from '../../tools/workspace-tests/scratch.mjs';

test('scripts/test-mix.mjs counts unit, integration and e2e tests per project and the mix, into the step summary', () => {
  // Outside the clone: a fresh clone has no tmp/ (an earlier test used to leave one).
  const summary = join(mkdtempSync(join(tmpdir(), 'test-mix-')), 'summary.md');
  const result = tryRun(repoRoot, 'node', ['scripts/test-mix.mjs'], { GITHUB_STEP_SUMMARY: summary });
  assert.equal(result.code, 0, result.out);
  const row = (name) => {
    const m = new RegExp(`^\\| ${name} \\| (\\d+) \\| (\\d+) \\| (\\d+) \\|$`, 'm').exec(result.out);
    assert.ok(m, `a row for ${name}:\n${result.out}`);
    return m.slice(1).map(Number);
  };
  const declared = (file, pattern) => (readFileSync(join(repoRoot, file), 'utf8').match(pattern) ?? []).length;
  // The e2e specs: dashboard.spec's tests, and accessibility.spec's one test declared in its loop over the pages.
  const browserTests =
    declared('apps/dashboard-e2e/specs/dashboard.spec.ts', /^test\(/gm) + declared('apps/dashboard-e2e/specs/accessibility.spec.ts', /^\s+test\(/gm);
  assert.deepEqual(row('dashboard-e2e'), [0, 0, browserTests]);
  assert.deepEqual(row('flow-integration'), [0, declared('apps/flow-integration/specs/flow.test.mjs', /^test\(/gm), 0]);
  assert.equal(row('market-types')[0], declared('libs/market-types/src/fixed.rs', /#\[test\]/g) + declared('libs/market-types/src/side.rs', /#\[test\]/g));
  const [unit, integration, e2e] = ['unit', 'integration', 'e2e'].map((_, i) =>
    [...result.out.matchAll(/^\| (?!\*\*|project)[^|]+\| (\d+) \| (\d+) \| (\d+) \|$/gm)].reduce((sum, m) => sum + Number(m[i + 1]), 0),
  );
  assert.match(result.out, new RegExp(`\\*\\*all \\(${unit + integration + e2e}\\)\\*\\*`));
  assert.match(readFileSync(summary, 'utf8'), /### Test mix \(unit \/ integration \/ e2e\)/);
});
