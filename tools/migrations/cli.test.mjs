// The migrations of a service through the command the Nx targets run (cli.mjs), against the real
// tools: squawk on planted migrations, and dbmate against a throwaway database on the local
// PostgreSQL (tools/postgres/postgres.sh, started if it is not).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(import.meta.dirname, 'cli.mjs');
const cli = (args, env = {}) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout + r.stderr };
};
const postgres = (...args) => {
  const r = spawnSync('bash', [join(ROOT, 'tools/postgres/postgres.sh'), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `postgres.sh ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
};
const psql = (url, sql) => spawnSync('psql', [url, '-qAtX', '-c', sql], { encoding: 'utf8' }).stdout.trim();

/** A project folder with migrations.yaml and the given migration files. */
const project = (files) => {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-project-'));
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations.yaml'), 'dir: migrations\ntable: test_schema_migrations\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'migrations', name), text);
  return dir;
};
const migration = (kind, up, down = '', options = '') => `-- release: ${kind}\n-- migrate:up${options}\n${up}\n-- migrate:down\n${down}\n`;

const CREATE = migration('expand', 'CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY, price bigint NOT NULL);', 'DROP TABLE orders;');
const ADD = migration('expand', 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;', 'ALTER TABLE orders DROP COLUMN note;');
const CONTRACT = migration('contract', 'ALTER TABLE orders DROP COLUMN IF EXISTS note;');

let database;
let url;
before(() => {
  postgres('up');
  database = `migrations_${process.pid}`;
  postgres('createdb', database);
  url = postgres('url', database);
});
after(() => postgres('dropdb', database));

test("the services' own migrations pass the lint", () => {
  for (const service of ['apps/execution-engine', 'apps/agents']) {
    const r = cli(['lint', service]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /none refused/);
  }
});

test('a planted destructive expand migration is refused, named with its rules; the same change as a contract migration passes', () => {
  const bad = project({
    '1_create.sql': CREATE,
    '2_rename_price.sql': migration('expand', 'ALTER TABLE orders RENAME COLUMN price TO px;\nCREATE INDEX orders_px ON orders (px);'),
  });
  const r = cli(['lint', bad]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /REFUSED migrations\/2_rename_price\.sql \(expand, irreversible\)/);
  assert.match(r.out, /rename: renames what the live release names: ALTER TABLE orders RENAME COLUMN price TO px;/);
  assert.match(r.out, /squawk renaming-column/);
  assert.match(r.out, /squawk require-concurrent-index-creation/);
  assert.match(r.out, /1 of 2 migration\(s\) refused/);
  assert.match(r.out, /ok {6}migrations\/1_create\.sql/);
  const contract = cli(['lint', project({ '1_create.sql': CREATE, '2_drop_note.sql': CONTRACT })]);
  assert.equal(contract.code, 0, contract.out);
  assert.equal(cli(['lint', project({ '1_x.sql': 'SELECT 1;' })]).code, 1);
});

test('migrate: expand migrations applied in order, a contract one held back until --contract; --dry-run and --status change nothing', () => {
  const dir = project({ '1_create.sql': CREATE, '2_add_note.sql': ADD, '3_drop_note.sql': CONTRACT });
  const env = { DATABASE_URL: url };
  const dry = cli(['migrate', dir, '--dry-run'], env);
  assert.equal(dry.code, 0, dry.out);
  assert.match(dry.out, /-- 1_create\.sql \(expand\): would run\nCREATE TABLE IF NOT EXISTS orders/);
  assert.match(dry.out, /2 pending migration\(s\) would run .*held back: 3_drop_note\.sql .*nothing was changed/);
  assert.equal(psql(url, "SELECT to_regclass('orders') IS NULL"), 't', 'a dry run creates nothing');
  const up = cli(['migrate', dir], env);
  assert.equal(up.code, 0, up.out);
  assert.match(up.out, /2 applied in migrations; held back: 3_drop_note\.sql/);
  assert.equal(psql(url, "SELECT string_agg(version, ',' ORDER BY version) FROM test_schema_migrations"), '1,2');
  assert.equal(psql(url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'"), '1');
  const again = cli(['migrate', dir], env);
  assert.match(again.out, /0 applied/, 'a rerun changes nothing');
  const status = cli(['migrate', dir, '--status'], env);
  assert.match(status.out, /\[ \] 3_drop_note\.sql/);
  const contract = cli(['migrate', dir, '--contract'], env);
  assert.equal(contract.code, 0, contract.out);
  assert.equal(psql(url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'"), '0');
  // The contract migration cannot be undone: refused before anything changes.
  const irreversible = cli(['migrate', dir, '--rollback'], env);
  assert.equal(irreversible.code, 1);
  assert.match(irreversible.out, /3_drop_note\.sql is irreversible .* nothing was changed/);
});

test('migrate --rollback undoes the last reversible migration with its down section', () => {
  const dir = project({ '1_create.sql': CREATE, '2_add_note.sql': ADD });
  const other = `${database}_rollback`;
  postgres('createdb', other);
  try {
    const env = { DATABASE_URL: postgres('url', other) };
    assert.equal(cli(['migrate', dir], env).code, 0);
    const back = cli(['migrate', dir, '--rollback'], env);
    assert.equal(back.code, 0, back.out);
    assert.match(back.out, /Rolled back: 2_add_note\.sql/);
    assert.equal(psql(env.DATABASE_URL, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'"), '0');
    assert.equal(psql(env.DATABASE_URL, 'SELECT count(*) FROM test_schema_migrations'), '1');
  } finally {
    postgres('dropdb', other);
  }
});

test('bad input: no DATABASE_URL, an unreachable database, a project without migrations.yaml', () => {
  const dir = project({ '1_create.sql': CREATE });
  const unset = cli(['migrate', dir], { DATABASE_URL: '' });
  assert.equal(unset.code, 1);
  assert.match(unset.out, /DATABASE_URL is not set/);
  const down = cli(['migrate', dir], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
  assert.equal(down.code, 1);
  assert.match(down.out, /the database at DATABASE_URL: .*(refused|connect)/i);
  const none = cli(['lint', mkdtempSync(join(tmpdir(), 'empty-'))]);
  assert.equal(none.code, 1);
  assert.match(none.out, /migrations\.yaml not found/);
  rmSync(dir, { recursive: true, force: true });
});
