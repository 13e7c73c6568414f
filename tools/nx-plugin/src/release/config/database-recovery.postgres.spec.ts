import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { STORE_BACKUP_SCRIPT as BACKUP_SCRIPT } from './object-store';
import { recordedSequences, SEQUENCE_GAP, SEQUENCES_SCRIPT, sequencesJob, WAL_SWITCH_SCRIPT } from './database-recovery';
import { databaseSchema, type StatefulSetDatabase } from './database';

// The recovery Jobs' SQL as their scripts run it (`sh -c`, the real psql) against the local
// PostgreSQL (tools/postgres/postgres.sh, which the plugin's Jest setup starts): the sequences'
// values recorded before a restore, moved past them after it (no id handed out twice), and the
// mark (a named restore point) a backup writes.
const ROOT = join(__dirname, '../../../../..');
const PG_BIN = '/usr/lib/postgresql/15/bin';
const postgres = (...args: string[]) => execFileSync('bash', [join(ROOT, 'tools/postgres/postgres.sh'), ...args], { encoding: 'utf8' }).trim();
const DB = `jest_recovery_${process.pid}`;
let url = '';
const O = {
  environment: 'staging',
  namespace: 'ns',
  db: databaseSchema.parse({
    kind: 'statefulset',
    image: 'reg/postgres',
    storage: '1Gi',
    nodePath: '/v',
    store: { endpoint: 'http://127.0.0.1:1', bucket: 'b-1' },
  }) as StatefulSetDatabase,
  timeoutSeconds: 60,
};
const psql = (sql: string) => execFileSync(join(PG_BIN, 'psql'), [url, '-X', '-A', '-t', '-q', '-c', sql], { encoding: 'utf8' }).trim();
/** A line of a script, run as its Job runs it: sh, psql on the PATH, the server in PG* variables. */
const sh = (script: string, env: Record<string, string> = {}) => {
  const u = new URL(url);
  return spawnSync('sh', ['-c', script], {
    encoding: 'utf8',
    env: {
      PATH: `${PG_BIN}:/usr/bin:/bin`,
      PGHOST: u.hostname,
      PGPORT: u.port,
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGDATABASE: DB,
      ...env,
    },
  });
};
const line = (script: string, starts: string) => script.split('\n').find((l) => l.startsWith(starts))!;

beforeAll(() => {
  postgres('up');
  postgres('createdb', DB);
  url = postgres('url', DB);
}, 60_000);

afterAll(() => postgres('dropdb', DB));

describe("the recovery Jobs' SQL against PostgreSQL", () => {
  it('records every sequence before a restore and moves each past it after: no id is handed out again', () => {
    psql('CREATE SEQUENCE order_ids; CREATE SEQUENCE "Odd Name"; CREATE SEQUENCE unused');
    psql("SELECT nextval('order_ids') FROM generate_series(1, 57); SELECT nextval('\"Odd Name\"')");
    const listed = sh(line(WAL_SWITCH_SCRIPT, "psql -AtX -c \"select 'sequence '"));
    expect(listed.status).toBe(0);
    const recorded = recordedSequences(listed.stdout);
    expect(recorded.map(({ name, value }) => ({ name, value }))).toEqual(
      expect.arrayContaining([
        { name: 'order_ids', value: '57' },
        { name: '"Odd Name"', value: '1' },
        { name: 'unused', value: '0' },
      ]),
    );
    // The recovery takes the sequence back to its value at the target.
    psql("SELECT setval('order_ids', 40)");
    // Its inputs as the Job gets them (the server's address is the test's, not the Job's).
    const job = sequencesJob(O, 'r', recorded, '198.18.32.9').spec!.template.spec!.containers[0].env!;
    // It reaches the server at the pod's address: the Service is closed to everyone until it is done.
    expect(job).toContainEqual({ name: 'PGHOST', value: '198.18.32.9' });
    const env = Object.fromEntries(job.filter((e) => e.name === 'SEQUENCES' || e.name === 'GAP').map((e) => [e.name, e.value ?? '']));
    const moved = sh(SEQUENCES_SCRIPT, env);
    expect(moved.stderr).toBe('');
    expect(moved.status).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`^sequence order_ids: ${57 + SEQUENCE_GAP} \\(it stood at 57 before the restore\\)$`, 'm'));
    expect(Number(psql("SELECT nextval('order_ids')"))).toBe(57 + SEQUENCE_GAP + 1);
    expect(Number(psql('SELECT nextval(\'"Odd Name"\')'))).toBe(1 + SEQUENCE_GAP + 1);
  });

  it("writes the backup's mark: a restore point named as the backup, with the server's time before it", () => {
    const mark = line(BACKUP_SCRIPT, 'mark=$(psql');
    const run = sh(`${mark}; echo "$mark"`, { BACKUP: '20261205T110000Z-jest' });
    expect(run.stderr).toBe('');
    const [at, lsn] = run.stdout.trim().split(' ');
    expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(at) - Date.now())).toBeLessThan(60_000);
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });
});
