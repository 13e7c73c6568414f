// @workspace-test uses=postgres cached inputs=tools/testing/**/*,apps/flow-integration/**/*,apps/execution-engine/**/*,apps/agents/**/* needs=execution-engine:build-debug
// Issue 30: the previous release's integration tests against the new schema
// (tools/migrations/previous-release.mjs), in a scratch copy whose last commit adds a migration: an
// expand migration the previous release runs beside passes; a planted one that the lint's rules
// let through (a CHECK constraint added NOT VALID, as squawk asks, which every insert of the old code
// violates) fails, naming the previous release's failing tests; no migration change runs nothing.
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildEngine } from '../../testing/local-services.mjs';
import { repoRoot, run, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';

let scratch;
before(() => {
  buildEngine();
  scratch = scratchCopy();
  // The engine's debug build, where the script looks for this checkout's.
  symlinkSync(join(repoRoot, 'target'), join(scratch.dir, 'target'));
});
after(() => scratch?.cleanup());

const commit = (file, text) => {
  writeFileSync(join(scratch.dir, file), text);
  run(scratch.dir, 'git', ['add', '-A']);
  run(scratch.dir, 'git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qm', file]);
};
const previousRelease = (...args) => tryRun(scratch.dir, 'node', ['tools/migrations/previous-release.mjs', ...args]);
const lint = () => tryRun(scratch.dir, 'node', ['tools/migrations/cli.mjs', 'lint', 'apps/execution-engine']);

test('no migration changed since the base: nothing to run', () => {
  const result = previousRelease('--base', 'HEAD');
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /no migration changed since [0-9a-f]{12}: its integration tests ran against this schema already/);
});

test("an expand migration: the previous release's integration tests pass against the new schema, run on this checkout's engine build", () => {
  commit(
    'apps/execution-engine/migrations/20261207000000_order_venue.sql',
    '-- release: expand\n-- migrate:up\nALTER TABLE engine_orders ADD COLUMN IF NOT EXISTS venue text;\n-- migrate:down\nALTER TABLE engine_orders DROP COLUMN IF EXISTS venue;\n',
  );
  const result = previousRelease('--base', 'HEAD~1');
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /apps\/execution-engine\/migrations changed since [0-9a-f]{12}/);
  assert.match(result.out, /the engine's sources are the same as [0-9a-f]{12}'s: its debug build is this checkout's/);
  assert.match(
    result.out,
    /this checkout's migrations applied to the databases [0-9a-f]{12}'s tests used: .*20261207000000_order_venue\.sql/,
    'the new migration was applied to the databases the old tests used',
  );
  assert.match(result.out, /integration tests pass against this release's schema \(apps\/execution-engine\/migrations\): [1-9]\d* passed/);
});

test('a planted migration the lint lets through breaks the previous release: named, with its failing tests', () => {
  commit(
    'apps/execution-engine/migrations/20261208000000_small_orders.sql',
    '-- release: expand\n-- migrate:up\nALTER TABLE engine_orders ADD CONSTRAINT engine_orders_small CHECK (quantity < 1) NOT VALID;\n-- migrate:down\nALTER TABLE engine_orders DROP CONSTRAINT IF EXISTS engine_orders_small;\n',
  );
  const linted = lint();
  assert.equal(linted.code, 0, `the lint's rules pass it: ${linted.out}`);
  const result = previousRelease('--base', 'HEAD~1');
  assert.equal(result.code, 1, result.out);
  assert.match(
    result.out,
    /previous-release: [0-9a-f]{12}'s integration tests fail against this release's schema \(apps\/execution-engine\/migrations\): .*a signal posted to the agents is booked in the engine/,
  );
});

test('a base that is no commit is refused, saying what to pass', () => {
  const result = previousRelease('--base', 'no-such-ref');
  assert.equal(result.code, 2, result.out);
  assert.match(result.out, /the base no-such-ref is not a commit here \(fetch it, or pass --base <ref>/);
});
