// Affected precision: touching one file in each library and app selects exactly its dependents.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, scratchCopy } from './scratch.mjs';

const cases = [
  ['libs/trading-core/src/trading_core/money.py', '# touched\n', ['agents', 'trading-core']],
  ['libs/market-types/src/fixed.rs', '// touched\n', ['execution-engine', 'market-types']],
  ['libs/api-client/src/lib/client.ts', '// touched\n', ['api-client', 'dashboard']],
  ['apps/agents/src/agents/agent.py', '# touched\n', ['agents']],
  ['apps/execution-engine/src/book.rs', '// touched\n', ['execution-engine']],
  ['apps/dashboard/lib/format.ts', '// touched\n', ['dashboard']],
];

let scratch;
before(() => {
  scratch = scratchCopy();
});
after(() => scratch?.cleanup());

function affected() {
  const out = run(scratch.dir, 'npx', ['nx', 'show', 'projects', '--affected', '--base=HEAD', '--json']);
  return JSON.parse(out).sort();
}

test('no change affects nothing', () => {
  assert.deepEqual(affected(), []);
});

for (const [file, line, expected] of cases) {
  test(`touching ${file} affects exactly ${expected.join(', ')}`, () => {
    appendFileSync(join(scratch.dir, file), line);
    try {
      assert.deepEqual(affected(), expected);
    } finally {
      run(scratch.dir, 'git', ['checkout', '--', file]);
    }
  });
}
