import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORE_SCRIPTS, storeEnv } from './object-store';

// The archive's shell against the GCS JSON API as the server and the Jobs run it (`sh`, curl),
// with fake-gcs-server (built by scripts/build-go-tools.sh, as for the cache server's tests) on a
// port of this machine: an archived segment is written once, a retry of the same bytes succeeds,
// other bytes are refused; a missing one is "no such file"; listings page; deletes are idempotent.
const BINARY = join(process.env.TRADING_BIN ?? join(homedir(), '.cache/trading-platform/bin'), 'fake-gcs-server');
let emulator: ChildProcess;
let endpoint = '';
const dir = mkdtempSync(join(tmpdir(), 'object-store-'));
const store = () => ({ endpoint, bucket: 'trading-archive', prefix: 'it-ns' });
for (const [name, text] of Object.entries(STORE_SCRIPTS)) writeFileSync(join(dir, name), text);
const sh = (script: string, ...args: string[]) =>
  spawnSync('sh', [join(dir, script), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...storeEnv(store()) } });
const fns = (body: string, env: Record<string, string> = {}) =>
  spawnSync('sh', ['-c', `. ${join(dir, 'gcs.sh')}; ${body}`], { encoding: 'utf8', env: { PATH: process.env.PATH, ...storeEnv(store()), ...env } });
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

beforeAll(async () => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} not found: run bash scripts/build-go-tools.sh gcs-emulator`);
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  endpoint = `http://127.0.0.1:${port}`;
  emulator = spawn(BINARY, [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(port),
    '-backend',
    'memory',
    '-external-url',
    endpoint,
    '-log-level',
    'error',
  ]);
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${endpoint}/storage/v1/b?project=test`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await fetch(`${endpoint}/storage/v1/b?project=test`, { method: 'POST', body: JSON.stringify({ name: 'trading-archive' }) });
});

afterAll(() => emulator?.kill());

describe('the WAL archive in object storage (GCS JSON API)', () => {
  it('archives a segment once: the same bytes again succeed (a retry), other bytes are refused and nothing is overwritten', () => {
    const segment = file('000000010000000000000003', 'wal bytes 3');
    expect(sh('wal-archive.sh', segment, '000000010000000000000003')).toMatchObject({ status: 0, stderr: '' });
    expect(sh('wal-archive.sh', segment, '000000010000000000000003')).toMatchObject({ status: 0 });
    const other = file('other', 'different bytes');
    const refused = sh('wal-archive.sh', other, '000000010000000000000003');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/it-ns\/wal\/000000010000000000000003 exists with other content: not overwritten/);
    const back = join(dir, 'back');
    expect(sh('wal-restore.sh', '000000010000000000000003', back).status).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe('wal bytes 3');
  });

  it("restores: a segment that is not archived is PostgreSQL's 'no such file', and no file is left", () => {
    const target = join(dir, 'missing');
    expect(sh('wal-restore.sh', '0000000100000000000000FF', target).status).toBe(1);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('an unreachable store fails the archive (PostgreSQL keeps the segment and retries)', () => {
    const r = spawnSync('sh', [join(dir, 'wal-archive.sh'), file('s', 'x'), '000000010000000000000009'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...storeEnv({ ...store(), endpoint: 'http://127.0.0.1:9' }) },
    });
    expect(r.status).not.toBe(0);
  });

  it('lists a prefix across pages, sorted, and deletes idempotently', () => {
    for (let i = 0; i < 5; i++) expect(fns(`gcs_put_new ${file(`b${i}`, `b${i}`)} it-ns/base/2026120${i}T000000Z-x/base.tar.gz`).status).toBe(0);
    // Two a page: the listing follows nextPageToken to the end.
    const listed = fns('gcs_list it-ns/base/', { GCS_PAGE_SIZE: '2' });
    expect(listed.stdout.trim().split('\n')).toEqual([0, 1, 2, 3, 4].map((i) => `it-ns/base/2026120${i}T000000Z-x/base.tar.gz`));
    expect(fns('gcs_delete it-ns/base/20261200T000000Z-x/base.tar.gz; gcs_delete it-ns/base/20261200T000000Z-x/base.tar.gz').status).toBe(0);
    expect(fns('gcs_list it-ns/base/').stdout.trim().split('\n')).toHaveLength(4);
  });
});
