#!/usr/bin/env node
// A service's schema migrations (its migrations.yaml: dir, table), as the Nx targets inferred for
// every project with one run them:
//   node tools/migrations/cli.mjs lint <project root>
//       refuse what the live release cannot run beside (lint.mjs); exit 1 naming each file and rule
//   node tools/migrations/cli.mjs migrate <project root> [--dry-run] [--status] [--rollback] [--contract]
//       apply the pending expand migrations with dbmate (its own table per service) to
//       $DATABASE_URL, in order, stopping before the first contract migration: that one runs only
//       with --contract, when no live or standby release needs the old shape any more;
//       --dry-run prints the SQL it would run and changes nothing; --status lists applied and
//       pending; --rollback undoes the last one (its down section; an irreversible one is refused)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { lintMigrations } from './lint.mjs';
import { parseMigration } from './migration-file.mjs';

const ROOT = join(import.meta.dirname, '../..');
const DBMATE = join(ROOT, 'node_modules/@dbmate/linux-x64/bin/dbmate'); // see lint.mjs

const fail = (message) => {
  console.error(`migrations: ${message}`);
  process.exit(1);
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    'dry-run': { type: 'boolean', default: false },
    status: { type: 'boolean', default: false },
    rollback: { type: 'boolean', default: false },
    contract: { type: 'boolean', default: false },
  },
});
const [command, project] = positionals;
if (!['lint', 'migrate'].includes(command) || !project)
  fail('usage: node tools/migrations/cli.mjs lint|migrate <project root> [--dry-run|--status|--rollback]');
const configFile = resolve(ROOT, project, 'migrations.yaml');
if (!existsSync(configFile)) fail(`${configFile} not found: a service with migrations says where they are (dir) and which table records them (table)`);
const config = parse(readFileSync(configFile, 'utf8'));
if (typeof config?.dir !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(config?.table ?? '')) fail(`${configFile}: needs dir (a folder) and table (a SQL name)`);
const dir = resolve(ROOT, project, config.dir);

if (command === 'lint') {
  const results = lintMigrations(dir);
  for (const r of results) {
    const what = r.kind ? `${r.kind}${r.reversible ? '' : ', irreversible'}` : 'malformed';
    console.log(`${r.refused.length ? 'REFUSED' : 'ok     '} ${config.dir}/${r.file} (${what})`);
    for (const v of r.refused) console.log(`          ${v.rule}: ${v.why}`);
  }
  const refused = results.filter((r) => r.refused.length);
  if (refused.length)
    fail(
      `${refused.length} of ${results.length} migration(s) refused; an expand migration runs beside the live release, so what it cannot run beside goes into a later contract migration`,
    );
  console.log(`migrations: ${results.length} checked in ${config.dir}, none refused`);
  process.exit(0);
}

if (!existsSync(DBMATE)) fail(`dbmate is not installed (${DBMATE}): run npm ci on linux-x64`);
const url = process.env.DATABASE_URL;
if (!url) fail('DATABASE_URL is not set: postgres://user:password@host:port/database (locally: bash tools/postgres/postgres.sh url <database>)');
// Every migration's session waits at most LOCK_TIMEOUT for a lock (lib/pq passes unknown URL
// parameters to the server as settings): no migration queues the live release behind it for long.
const LOCK_TIMEOUT = '5s';
const session = new URL(url);
if (!session.searchParams.has('lock_timeout')) session.searchParams.set('lock_timeout', LOCK_TIMEOUT);
// As the services connect (the engine without TLS, the agents' libpq preferring it): a URL that asks
// for TLS keeps its sslmode; dbmate's driver would otherwise require it.
if (!session.searchParams.has('sslmode')) session.searchParams.set('sslmode', 'disable');
const dbmate = (folder, ...args) =>
  spawnSync(DBMATE, ['--url', session.toString(), '--migrations-dir', folder, '--migrations-table', config.table, '--no-dump-schema', ...args], {
    encoding: 'utf8',
  });
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.sql'))
  .sort();
const parsed = Object.fromEntries(files.map((f) => [f, parseMigration(f, readFileSync(join(dir, f), 'utf8'))]));
const status = dbmate(dir, 'status');
if (!/Applied: \d+/.test(status.stdout)) fail(`the database at DATABASE_URL: ${(status.stderr || status.stdout).trim()}`);
const applied = new Set([...status.stdout.matchAll(/^\[X\] (\S+)$/gm)].map((m) => m[1]));
const pending = files.filter((f) => !applied.has(f));
// The pending migrations this run may apply: in order, up to the first contract one (--contract: all).
const firstContract = pending.findIndex((f) => parsed[f].kind === 'contract');
const allowed = values.contract || firstContract < 0 ? pending : pending.slice(0, firstContract);
const held = pending.slice(allowed.length);
const heldNote = held.length ? `; held back: ${held.join(', ')} (contract: --contract once no live or standby release needs the old shape)` : '';

if (values.status) {
  process.stdout.write(status.stdout);
  console.log(`expand pending: ${allowed.length}${heldNote}`);
  process.exit(0);
}
if (values['dry-run']) {
  for (const file of allowed) console.log(`-- ${file} (${parsed[file].kind}): would run\n${parsed[file].up}`);
  console.log(`-- ${allowed.length} pending migration(s) would run in ${config.dir}${heldNote}; nothing was changed (--dry-run)`);
  process.exit(0);
}
if (values.rollback) {
  const last = files.filter((f) => applied.has(f)).at(-1);
  if (!last) fail('nothing applied to roll back');
  if (!parsed[last].reversible)
    fail(`${last} is irreversible (its down section is empty): a database rollback past it is a restore (docs/rollback.md section 4); nothing was changed`);
}
// dbmate applies every pending file of its folder: it gets a folder of the applied and allowed ones.
const folder = mkdtempSync(join(tmpdir(), 'migrations-'));
try {
  for (const file of files.filter((f) => applied.has(f) || allowed.includes(f))) symlinkSync(join(dir, file), join(folder, file));
  const run = dbmate(folder, values.rollback ? 'rollback' : 'up');
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) fail(`dbmate ${values.rollback ? 'rollback' : 'up'} failed (above); the migration's transaction was rolled back where it had one`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
if (!values.rollback) console.log(`migrations: ${allowed.length} applied in ${config.dir}${heldNote}`);
