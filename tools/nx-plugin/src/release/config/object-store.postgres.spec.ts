import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORE_SCRIPTS, storeEnv } from './object-store';

// The base backup into object storage as its Job runs it (`sh backup.sh`: pg_basebackup, psql,
// curl) against a PostgreSQL server of this test's own (Debian's postgresql-15, initdb in a
// temporary folder, WAL archived to the store by wal-archive.sh) and fake-gcs-server: the two tars
// and the summary uploaded, a rerun doing nothing, the retention keeping the newest backups and the
// WAL they need.
const PG_BIN = '/usr/lib/postgresql/15/bin';
const BINARY = join(process.env.TRADING_BIN ?? join(homedir(), '.cache/trading-platform/bin'), 'fake-gcs-server');
const dir = mkdtempSync(join(tmpdir(), 'store-backup-'));
const scripts = join(dir, 'scripts');
const pgdata = join(dir, 'pgdata');
let emulator: ChildProcess;
let endpoint = '';
let port = 0;
const free = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
const store = () => ({ endpoint, bucket: 'trading-archive', prefix: 'ns' });
const env = (extra: Record<string, string> = {}) => ({
  PATH: `${PG_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`,
  PGHOST: '127.0.0.1',
  PGPORT: String(port),
  PGUSER: 'trading',
  PGDATABASE: 'postgres',
  SCRATCH: dir,
  ...storeEnv(store()),
  ...extra,
});
const backup = (name: string, keep = 2) => spawnSync('sh', [join(scripts, 'backup.sh')], { encoding: 'utf8', env: env({ BACKUP: name, KEEP: String(keep) }) });
const list = (prefix: string) =>
  spawnSync('sh', ['-c', `. ${join(scripts, 'gcs.sh')}; gcs_list ${prefix}`], { encoding: 'utf8', env: env() })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
const psql = (sql: string) => execFileSync(join(PG_BIN, 'psql'), ['-AtX', '-c', sql], { encoding: 'utf8', env: env() }).trim();

let server: ChildProcess | undefined;
/** The server as the StatefulSet runs it: archive_command to the store, the store in its environment. */
async function start() {
  server = spawn(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      join(PG_BIN, 'postgres'),
      '-D',
      pgdata,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'wal_level=replica',
      '-c',
      'archive_mode=on',
      '-c',
      `archive_command=sh ${join(scripts, 'wal-archive.sh')} %p %f`,
    ],
    { env: env(), stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (spawnSync(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const stop = () => spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), 'stop', '-D', pgdata, '-m', 'fast']);

beforeAll(async () => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} not found: run bash scripts/build-go-tools.sh gcs-emulator`);
  execFileSync('mkdir', ['-p', scripts]);
  for (const [name, text] of Object.entries(STORE_SCRIPTS)) writeFileSync(join(scripts, name), text);
  const gcsPort = await free();
  endpoint = `http://127.0.0.1:${gcsPort}`;
  emulator = spawn(BINARY, [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(gcsPort),
    '-backend',
    'memory',
    '-external-url',
    endpoint,
    '-log-level',
    'error',
  ]);
  for (
    let i = 0;
    i < 100 &&
    !(await fetch(`${endpoint}/storage/v1/b`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  await fetch(`${endpoint}/storage/v1/b?project=test`, { method: 'POST', body: JSON.stringify({ name: 'trading-archive' }) });
  port = await free();
  // PostgreSQL refuses to run as root: as Debian's `postgres` user, the folder handed to it.
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'initdb'), '-D', pgdata, '-U', 'trading', '--auth=trust', '-E', 'UTF8'], { stdio: 'ignore' });
  writeFileSync(join(pgdata, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n');
  await start();
}, 60_000);

afterAll(() => {
  stop();
  server?.kill();
  emulator?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('base backups in object storage (the Job against PostgreSQL and the GCS API)', () => {
  it('uploads the tars and then the summary, with its WAL start and mark; a rerun does nothing', () => {
    psql('CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g');
    const first = backup('20261205T120000Z-jest');
    expect(first.stderr.replace(/^.*pg_basebackup: .*$/gm, '').trim()).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /^backup 20261205T120000Z-jest: \d+ KiB in \d+ s; ended \S+Z, WAL from [0-9A-F]+\/[0-9A-F]+, mark \S+Z [0-9A-F]+\/[0-9A-F]+$/m,
    );
    expect(list('ns/base/')).toEqual(['base.tar.gz', 'pg_wal.tar.gz', 'summary'].map((f) => `ns/base/20261205T120000Z-jest/${f}`));
    const again = backup('20261205T120000Z-jest');
    expect(again.stdout).toMatch(/^backup 20261205T120000Z-jest: taken before\nbackup 20261205T120000Z-jest: \d+ KiB/);
  });

  it('archives the WAL through archive_command, and keeps the newest backups and only the WAL they need', () => {
    for (const name of ['20261205T120100Z-jest', '20261205T120200Z-jest']) {
      psql('INSERT INTO t SELECT g FROM generate_series(1, 1000) g; SELECT pg_switch_wal()');
      expect(backup(name, 5).status).toBe(0);
    }
    psql('SELECT pg_switch_wal()');
    const last = backup('20261205T120300Z-jest', 2);
    expect(last.status).toBe(0);
    expect(last.stdout).toMatch(/backup 20261205T120000Z-jest: removed \(the newest 2 are kept\)/);
    expect(last.stdout).toMatch(/backup 20261205T120100Z-jest: removed/);
    expect(last.stdout).toMatch(/archive: [1-9]\d* WAL file\(s\) before backup 20261205T120200Z-jest removed/);
    const summaries = list('ns/base/').filter((o) => o.endsWith('/summary'));
    expect(summaries).toEqual(['ns/base/20261205T120200Z-jest/summary', 'ns/base/20261205T120300Z-jest/summary']);
    expect(list('ns/base/20261205T120000Z-jest/')).toEqual([]);
  }, 60_000);

  it('recovers to a backup mark from the store: the rows at the mark, none written after it', async () => {
    const taken = backup('20261205T120400Z-jest', 5);
    expect(taken.status).toBe(0);
    const [, lsn] = / mark \S+ ([0-9A-F]+\/[0-9A-F]+)$/m.exec(taken.stdout)!;
    const atMark = psql('SELECT count(*) FROM t');
    psql('INSERT INTO t SELECT g FROM generate_series(1, 500) g; SELECT pg_switch_wal()');
    // The server archives that segment before it stops (a fast shutdown archives what is finished).
    for (let i = 0; i < 50 && !psql('SELECT last_archived_wal IS NOT NULL AND last_failed_wal IS NULL FROM pg_stat_archiver').startsWith('t'); i++)
      await new Promise((r) => setTimeout(r, 100));
    stop();
    const restored = spawnSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        'env',
        ...Object.entries(env({ DATA_DIR: dir, REQUEST: 'r1', FROM_BACKUP: '20261205T120400Z-jest', TARGET_KIND: 'lsn', TARGET: lsn })).map(
          ([k, v]) => `${k}=${v}`,
        ),
        'sh',
        join(scripts, 'restore.sh'),
      ],
      { encoding: 'utf8' },
    );
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toMatch(/restore r1: base backup 20261205T120400Z-jest in place; .* kept in .*pgdata\.before-restore-r1$/m);
    await start();
    for (let i = 0; i < 100 && psql('SELECT pg_is_in_recovery()') !== 'f'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(psql('SELECT count(*) FROM t')).toBe(atMark);
    // A backup the store does not hold: refused, nothing changed.
    stop();
    const missing = spawnSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        'env',
        ...Object.entries(env({ DATA_DIR: dir, REQUEST: 'r2', FROM_BACKUP: 'gone', TARGET_KIND: 'lsn', TARGET: lsn })).map(([k, v]) => `${k}=${v}`),
        'sh',
        join(scripts, 'restore.sh'),
      ],
      { encoding: 'utf8' },
    );
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/no base backup finished before .*: base backup gone, whose mark it is, is not in the store/);
    await start();
  }, 60_000);
});
