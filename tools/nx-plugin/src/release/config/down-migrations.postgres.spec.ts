import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOWN_SCRIPT } from './down-migrations';

// The down Job's script (DOWN_SCRIPT) as the Job runs it, `sh -c`, with the real psql and dbmate,
// against the local PostgreSQL (tools/postgres/postgres.sh, which the plugin's Jest setup starts):
// dbmate alone would step over a newer migration applied outside the release's files; the guard
// before it must not.
const ROOT = join(__dirname, '../../../../..');
const DBMATE = join(ROOT, 'node_modules/@dbmate/linux-x64/bin');
const PG_BIN = '/usr/lib/postgresql/15/bin';
const postgres = (...args: string[]) => execFileSync('bash', [join(ROOT, 'tools/postgres/postgres.sh'), ...args], { encoding: 'utf8' }).trim();
const DB = `jest_down_${process.pid}`;
const TABLE = 'svc_schema_migrations';
let url = '';
let all = '';
let undone = '';

const files: Record<string, string> = {
  '001_table.sql': '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n',
  '002_note.sql': '-- migrate:up\nALTER TABLE t ADD COLUMN note text;\n-- migrate:down\nALTER TABLE t DROP COLUMN note;\n',
  '003_flag.sql': '-- migrate:up\nALTER TABLE t ADD COLUMN flag bool;\n-- migrate:down\nALTER TABLE t DROP COLUMN flag;\n',
  '004_by_hand.sql': '-- migrate:up\nALTER TABLE t ADD COLUMN extra int;\n-- migrate:down\nALTER TABLE t DROP COLUMN extra;\n',
};
const dbmate = (dir: string, ...args: string[]) =>
  execFileSync(join(DBMATE, 'dbmate'), ['--url', `${url}?sslmode=disable`, '--migrations-dir', dir, '--migrations-table', TABLE, '--no-dump-schema', ...args], {
    encoding: 'utf8',
  });
const psql = (sql: string) => execFileSync(join(PG_BIN, 'psql'), [url, '-X', '-A', '-t', '-q', '-c', sql], { encoding: 'utf8' }).trim();
const applied = () => psql(`SELECT string_agg(version, ' ' ORDER BY version) FROM ${TABLE}`);
const columns = () => psql("SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 't'");
/** The Job's container: sh -c DOWN_SCRIPT, the folder of the undone files only. */
const job = (target: string, versions: string) =>
  spawnSync('sh', ['-c', DOWN_SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: `${PG_BIN}:${DBMATE}:/usr/bin:/bin`,
      DATABASE_URL: url,
      URL_SUFFIX: '?sslmode=disable',
      TABLE,
      TARGET: target,
      VERSIONS: versions,
      MIGRATIONS_DIR: undone,
    },
  });

beforeAll(() => {
  postgres('up');
  postgres('createdb', DB);
  url = postgres('url', DB);
  all = mkdtempSync(join(tmpdir(), 'down-all-'));
  undone = mkdtempSync(join(tmpdir(), 'down-undone-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(all, name), text);
  for (const name of ['002_note.sql', '003_flag.sql']) writeFileSync(join(undone, name), files[name]);
}, 60_000);

afterAll(() => {
  postgres('dropdb', DB);
  rmSync(all, { recursive: true, force: true });
  rmSync(undone, { recursive: true, force: true });
});

describe("the down Job's script against PostgreSQL", () => {
  it('undoes the release migrations newest first, back to the target; a rerun undoes nothing', () => {
    dbmate(all, 'migrate');
    dbmate(all, 'rollback'); // 004: applied by hand later (third case)
    expect(applied()).toBe('001 002 003');
    const run = job('001', '003 002');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Rolled back: 003_flag\.sql[\s\S]*Rolled back: 002_note\.sql[\s\S]*schema: 001/);
    expect(applied()).toBe('001');
    expect(columns()).toBe('id');
    const rerun = job('001', '003 002');
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(/nothing to undo: no migration after 001 is applied/);
  });

  it('finishes a run that stopped half way', () => {
    dbmate(all, 'migrate');
    dbmate(all, 'rollback'); // 004
    dbmate(all, 'rollback'); // 003: as if the Job died after its first step
    expect(applied()).toBe('001 002');
    expect(job('001', '003 002').status).toBe(0);
    expect(applied()).toBe('001');
  });

  it('refuses, undoing nothing, when a migration outside the release is applied after the target (dbmate alone would step over it)', () => {
    dbmate(all, 'migrate');
    expect(applied()).toBe('001 002 003 004');
    const run = job('001', '003 002');
    expect(run.status).toBe(3);
    expect(run.stdout).toMatch(/refused: migration 004 is applied after schema 001 and is not one of the live release's expand migrations \(003 002\)/);
    expect(applied()).toBe('001 002 003 004');
    expect(columns()).toBe('id note flag extra');
  });
});
