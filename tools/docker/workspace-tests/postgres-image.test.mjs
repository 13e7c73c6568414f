// @workspace-test uses=docker cached
// The environments' PostgreSQL image (trading-base/postgres:15, tools/docker/postgres-base.sh and
// its entrypoint), run by the real daemon on a volume as the StatefulSet runs it: initialised once
// from the Secret's password, a stop is PostgreSQL's fast shutdown, the data outlives the
// container, and the Secret stays the password's authority (a cluster made again gives the kept
// volume a new Secret). A fresh volume without a password is refused with the reason.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../testing/local-services.mjs';

const IMAGE = 'trading-base/postgres:15';
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const psql = (port, password, sql) =>
  spawnSync('psql', ['-X', '-At', '-w', '-h', '127.0.0.1', '-p', String(port), '-U', 'trading', '-d', 'trading', '-c', sql], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: password },
  });

// As the StatefulSet runs it (release/config/database.ts): read-only root, the socket and /tmp on emptyDirs.
const POD = ['--read-only', '--user', '65532:65532', '--tmpfs', '/var/run/postgresql:uid=65532,gid=65532', '--tmpfs', '/tmp'];
const volume = mkdtempSync(join(tmpdir(), 'pg-image-'));
execFileSync('chown', ['65532:65532', volume]);
const names = [];
after(() => {
  for (const name of names) spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  rmSync(volume, { recursive: true, force: true });
});

/** The image on the volume, as the pod runs it (host network, its own port): { name, port }. */
async function server(env) {
  const port = await freePort();
  const name = `pg-image-${process.pid}-${names.length}`;
  names.push(name);
  const flags = Object.entries({ PGDATA: '/data/pg', PGPORT: String(port), ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  docker('run', '-d', '--name', name, '--network', 'host', ...POD, '-v', `${volume}:/data`, ...flags, IMAGE);
  for (let i = 0; i < 120; i += 1) {
    if (spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(port)]).status === 0) return { name, port };
    if (docker('inspect', '-f', '{{.State.Running}}', name) !== 'true') break;
    await sleep(250);
  }
  assert.fail(`the server did not come up:\n${spawnSync('docker', ['logs', name], { encoding: 'utf8' }).stderr}`);
}

test('initialised once from the Secret, stopped by a fast shutdown, the data kept; a new Secret is the password', async () => {
  const first = await server({ POSTGRES_PASSWORD: 'first-secret' });
  assert.equal(psql(first.port, 'first-secret', 'create table orders (id bigint primary key); insert into orders values (7)').status, 0);
  docker('stop', '-t', '30', first.name);
  assert.match(spawnSync('docker', ['logs', first.name], { encoding: 'utf8' }).stderr, /received fast shutdown request/);

  // The cluster made again: a new Secret over the same volume.
  const second = await server({ POSTGRES_PASSWORD: "new'secret" });
  const read = psql(second.port, "new'secret", 'select id from orders');
  assert.equal(read.status, 0, read.stderr);
  assert.equal(read.stdout.trim(), '7', 'the data outlived the container');
  const old = psql(second.port, 'first-secret', 'select 1');
  assert.notEqual(old.status, 0, 'the old password no longer opens it');
  assert.match(old.stderr, /password authentication failed for user "trading"/);
  docker('stop', second.name);
});

test('a fresh volume without the Secret is refused with the reason', () => {
  const name = `pg-image-${process.pid}-nopw`;
  names.push(name);
  const empty = mkdtempSync(join(tmpdir(), 'pg-image-empty-'));
  execFileSync('chown', ['65532:65532', empty]);
  try {
    const run = spawnSync('docker', ['run', '--name', name, '--network', 'host', ...POD, '-v', `${empty}:/data`, '-e', 'PGDATA=/data/pg', IMAGE], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /POSTGRES_PASSWORD is not set \(the environment's Secret\): cannot initialise \/data\/pg/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("carries what the archive's and the backups' scripts run: curl (with CA certificates), pg_basebackup, psql, cmp, tar", () => {
  const run = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      ...POD,
      '--entrypoint',
      'sh',
      IMAGE,
      '-c',
      'curl --version | head -n 1; pg_basebackup --version; psql --version; cmp --version | head -n 1; tar --version | head -n 1; ls /etc/ssl/certs/ca-certificates.crt',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^curl \d+\.\d+/m);
  assert.match(run.stdout, /^pg_basebackup \(PostgreSQL\) 15\./m);
  assert.match(run.stdout, /ca-certificates\.crt$/m);
});
