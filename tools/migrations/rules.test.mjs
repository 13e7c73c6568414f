// The migration rules without a database: the file format, what an expand migration may not do,
// and how squawk's findings are judged per kind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandViolations, refusedFindings } from './expand-rules.mjs';
import { parseMigration } from './migration-file.mjs';

const file = (kind, up, down = '') => `-- release: ${kind}\n-- migrate:up\n${up}\n-- migrate:down\n${down}`;

test('a migration file: its kind, its up and down sections, whether it runs in a transaction and can be undone', () => {
  const m = parseMigration(
    '20260101000000_add_note.sql',
    file('expand', 'ALTER TABLE t ADD COLUMN IF NOT EXISTS note text;', 'ALTER TABLE t DROP COLUMN note;'),
  );
  assert.deepEqual(m, {
    version: '20260101000000',
    name: 'add_note',
    kind: 'expand',
    up: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS note text;\n',
    down: 'ALTER TABLE t DROP COLUMN note;',
    upInTransaction: true,
    reversible: true,
  });
  const contract = parseMigration(
    '2_drop.sql',
    '-- release: contract\n-- migrate:up transaction:false\nDROP INDEX CONCURRENTLY i;\n-- migrate:down\n-- nothing\n',
  );
  assert.equal(contract.upInTransaction, false);
  assert.equal(contract.reversible, false, 'a down section of comments only undoes nothing');
});

test('a malformed migration says what is missing', () => {
  assert.deepEqual(parseMigration('add.sql', '-- migrate:up\nSELECT 1;\n').problems, [
    'add.sql: the name must be <version digits>_<lowercase_name>.sql',
    'add.sql: no "-- release: expand" or "-- release: contract" line: say what the live release can run beside',
    'add.sql: no "-- migrate:down" line (leave it empty for an irreversible migration)',
  ]);
  assert.match(parseMigration('1_x.sql', file('widen', 'SELECT 1;')).problems[0], /release "widen" is neither expand nor contract/);
  assert.match(parseMigration('1_x.sql', '-- release: expand\n-- migrate:down\n\n-- migrate:up\nSELECT 1;\n').problems[0], /comes before/);
});

test('an expand migration may add, never drop, rename, retype, require or lock what the live release uses', () => {
  const planted = {
    'ALTER TABLE engine_orders DROP COLUMN remaining;': 'drop',
    'DROP TABLE engine_trades;': 'drop',
    'DROP SEQUENCE engine_order_ids;': 'drop',
    'DROP INDEX engine_orders_bids;': 'drop-index',
    'ALTER TABLE engine_orders RENAME COLUMN price TO px;': 'rename',
    'ALTER TABLE engine_orders ALTER COLUMN quantity TYPE numeric;': 'type-change',
    'ALTER TABLE engine_orders ALTER COLUMN quantity SET DATA TYPE numeric;': 'type-change',
    'ALTER TABLE engine_orders ALTER COLUMN note SET NOT NULL;': 'set-not-null',
    'TRUNCATE engine_trades;': 'truncate',
    'LOCK TABLE engine_orders IN ACCESS EXCLUSIVE MODE;': 'lock',
    'VACUUM FULL engine_orders;': 'rewrite',
  };
  for (const [sql, rule] of Object.entries(planted)) {
    const found = expandViolations(`SET LOCAL lock_timeout = '5s';\n${sql}\n`);
    assert.deepEqual(
      found.map((f) => f.rule),
      [rule],
      sql,
    );
    assert.equal(found[0].statement, sql);
  }
  const safe = [
    "SET LOCAL lock_timeout = '5s';",
    'CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY, body text NOT NULL);',
    'ALTER TABLE engine_orders ADD COLUMN IF NOT EXISTS note text;',
    'ALTER TABLE engine_orders ADD COLUMN IF NOT EXISTS flags bigint NOT NULL DEFAULT 0;',
    '-- DROP TABLE engine_trades; (a comment is no statement)',
    'SELECT 1 FROM engine_instruments WHERE symbol = $1 FOR UPDATE;',
  ].join('\n');
  assert.deepEqual(expandViolations(safe), []);
});

test("squawk's findings: style never refuses; a contract migration may drop and rename, never hold a long lock", () => {
  const findings = [
    'prefer-bigint-over-int',
    'require-lock-timeout',
    'ban-drop-column',
    'renaming-column',
    'require-concurrent-index-creation',
    'changing-column-type',
  ].map((rule_name) => ({ rule_name }));
  assert.deepEqual(
    refusedFindings('expand', findings).map((f) => f.rule_name),
    ['ban-drop-column', 'renaming-column', 'require-concurrent-index-creation', 'changing-column-type'],
  );
  assert.deepEqual(
    refusedFindings('contract', findings).map((f) => f.rule_name),
    ['require-concurrent-index-creation', 'changing-column-type'],
  );
});
