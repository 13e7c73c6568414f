// @workspace-test exclusive=postgres
// The local PostgreSQL as a part of the stack (tools/postgres/postgres.sh, tools/stack.sh up
// postgres): up is idempotent, a throwaway database per run, data kept across a restart, loopback
// only with a password, bad input refused with the reason. It restarts the server: exclusive.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot, tryRun } from '../../workspace-tests/scratch.mjs';

const DB = `it_pg_${process.pid}`;
const pg = (...args) => tryRun(repoRoot, 'bash', ['tools/postgres/postgres.sh', ...args]);
const psql = (url, sql) =>
  execFileSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const urlOf = (db) => pg('url', db).out.trim().split('\n').at(-1);

after(() => pg('dropdb', DB));

test('up twice: the second says it is already up; status counts the databases', () => {
  const first = tryRun(repoRoot, 'bash', ['tools/stack.sh', 'up', 'postgres']);
  assert.equal(first.code, 0, first.out);
  const second = pg('up');
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /postgres: already up on 127\.0\.0\.1:\d+/);
  assert.match(pg('status').out, /postgres: up on 127\.0\.0\.1:\d+, \d+ database\(s\)/);
});

test('a throwaway database: created, written, kept across a restart, dropped', () => {
  const created = pg('createdb', DB);
  assert.equal(created.code, 0, created.out);
  assert.doesNotMatch(created.out, new RegExp(urlOf(DB).split(':')[2].split('@')[0]), 'the password is not printed');
  const url = urlOf(DB);
  psql(url, 'create table orders (id bigint primary key, client_order_id text unique not null)');
  psql(url, "insert into orders values (1, 'c-1'), (2, 'c-2')");
  assert.match(pg('down').out, /postgres: stopped/);
  assert.equal(pg('status').code, 1);
  assert.match(pg('up').out, /postgres: up on/);
  assert.equal(psql(url, "select string_agg(client_order_id, ',' order by id) from orders"), 'c-1,c-2');
  assert.throws(() => psql(url, "insert into orders values (3, 'c-1')"), /duplicate key value violates unique constraint/);
  assert.equal(pg('dropdb', DB).code, 0);
  assert.throws(() => psql(url, 'select 1'), new RegExp(`database "${DB}" does not exist`));
});

test('loopback only, a password required, the password file private', () => {
  const settings = psql(urlOf('postgres'), "select current_setting('listen_addresses') || ' ' || current_setting('password_encryption')");
  assert.equal(settings, '127.0.0.1 scram-sha-256');
  const noPassword = urlOf('postgres').replace(/:[^:@]+@/, '@');
  assert.throws(() => execFileSync('psql', ['-X', '-w', noPassword, '-c', 'select 1'], { stdio: 'pipe', env: { ...process.env, PGPASSWORD: '' } }), /password/);
  const home =
    process.getuid() === 0
      ? '/var/lib/trading-platform/postgres'
      : join(process.env.TRADING_HOME ?? join(process.env.HOME, '.cache/trading-platform'), 'postgres');
  assert.equal(statSync(join(home, 'trading.password')).mode & 0o077, 0, 'only its owner reads the password');
});

test('bad input: a bad database name, a port in use, another server on the port, an unknown command', async () => {
  const bad = pg('createdb', 'Orders;drop');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /database name 'Orders;drop': lower-case letters, digits and _ only/);
  const blocker = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const home = mkdtempSync(join(tmpdir(), 'pg-home-'));
  execFileSync('chmod', ['755', home]);
  try {
    const busy = tryRun(repoRoot, 'bash', ['tools/postgres/postgres.sh', 'up'], {
      POSTGRES_ADDR: `127.0.0.1:${blocker.address().port}`,
      POSTGRES_HOME: join(home, 'pg'),
    });
    assert.equal(busy.code, 1, busy.out);
    assert.match(busy.out, new RegExp(`port ${blocker.address().port} is in use by something that is not this PostgreSQL`));
    // Another user's or job's server on our port (act's side-by-side jobs found one another's):
    // refused, not taken for ours (its password is not ours to read).
    const other = tryRun(repoRoot, 'bash', ['tools/postgres/postgres.sh', 'up'], { POSTGRES_HOME: join(home, 'other') });
    assert.equal(other.code, 1, other.out);
    assert.match(other.out, /a PostgreSQL answers on 127\.0\.0\.1:\d+ that is not this one \(data .*other\/data\)/);
    const otherUrl = tryRun(repoRoot, 'bash', ['tools/postgres/postgres.sh', 'url'], { POSTGRES_HOME: join(home, 'other') });
    assert.equal(otherUrl.code, 1, otherUrl.out);
    assert.match(otherUrl.out, /no PostgreSQL initialised in .*other: bash tools\/stack.sh up postgres/);
  } finally {
    blocker.close();
    rmSync(home, { recursive: true, force: true });
  }
  const unknown = pg('migrate');
  assert.equal(unknown.code, 1);
  assert.match(unknown.out, /usage: tools\/postgres\/postgres\.sh up\|down\|status/);
});
